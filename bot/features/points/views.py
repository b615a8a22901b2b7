"""Members on the dashboard: the list (most points first, found by name or number) and a member's
page — identities, grade and perks, points history — where managers grant or take points with a
reason (as /points grant and /points revoke: the same checks, audit and message to the fan)."""

from __future__ import annotations

from bot.dashboard.pages import PAGE_SIZE, Done, NotFound, Page, PageRequest, Redirect, Refused, View
from bot.features.points.service import PointsService
from bot.i18n import Domain
from storage.repositories.member_board import MemberBoard

T = Domain("points")


class PointsViews:
    def __init__(self, points: PointsService, board: MemberBoard) -> None:
        self.points, self.board = points, board

    def pages(self) -> tuple[Page, ...]:
        return (
            Page("/members", self.members, nav=lambda lang: T(lang, "Members"), order=40),
            Page("/members/{number}", self.member, post=self.change),
        )

    async def members(self, req: PageRequest) -> View:
        text = req.value("q")[:100]
        page = req.number("page", 1, high=100_000)
        rows, total = await self.board.page(text or None, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        values = {
            "rows": [(r, self.points.grade_for(r.balance).name) for r in rows],
            "total": total,
            "q": text,
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
        }
        return View("points/members.html", T(req, "Members"), values)

    async def member(
        self, req: PageRequest, preview: Done | None = None, pending: dict[str, str] | None = None
    ) -> View:
        member_id = req.number("number")
        identities = await self.points.members.identities(member_id)
        if not identities:
            raise NotFound(T(req, "There is no member {number}.", number=member_id))
        balance = await self.points.repo.balance(member_id)
        grade = self.points.grade_for(balance)
        upcoming = self.points.next_grade(balance)
        values = {
            "member_id": member_id,
            "identities": identities,
            "balance": balance,
            "grade": grade,
            "next_grade": upcoming,
            "perks": sorted(await self.points.perks(member_id)),
            "history": await self.points.repo.history(member_id, limit=50),
            "preview": preview,
            "pending": pending or {},
        }
        return View("points/member.html", identities[0].display_name, values)

    async def change(self, req: PageRequest) -> View | Redirect:
        member_id = req.number("number")
        action = req.value("action")
        if action not in ("grant", "revoke"):
            raise Refused(T(req, "Choose to give or take points."))
        amount = req.number("amount", high=100_000)
        reason = " ".join(req.value("reason").split())
        if not reason:
            raise Refused(T(req, "Say why: the reason is recorded and shown in their history."))
        command = f"/points {action} member:{member_id} {amount} {reason}"
        done = await req.perform(command, confirmed=req.value("confirm") == "1")
        if done.preview:
            fields = {"action": action, "amount": str(amount), "reason": reason}
            return await self.member(req, preview=done, pending=fields)
        return Redirect(f"/members/{member_id}", done)
