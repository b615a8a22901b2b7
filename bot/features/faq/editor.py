"""The FAQ editor on the dashboard: entries (flagged first) with their phrasings and 👍/👎; an
entry's page to edit the answer, add a phrasing or remove it (as /faq edit, /faq alt, /faq
remove); and a box to test a question against the live index, with each match's confidence and
whether it would be answered in a fan channel."""

from __future__ import annotations

from bot.dashboard.pages import PAGE_SIZE, Done, NotFound, Page, PageRequest, Panel, Redirect, Refused, View
from bot.features.faq.service import FaqService
from bot.i18n import Domain
from storage.repositories.faq_board import FaqBoard

T = Domain("faq")


class FaqEditor:
    def __init__(self, service: FaqService, board: FaqBoard) -> None:
        self.service, self.board = service, board

    def pages(self) -> tuple[Page, ...]:
        return (
            Page("/faq", self.entries, nav=lambda lang: T(lang, "FAQ"), order=30),
            Page("/faq/{number}", self.entry, post=self.change),
        )

    def panels(self) -> tuple[Panel, ...]:
        return (Panel("faq-flagged", self.flagged, order=16),)

    async def flagged(self, req: PageRequest) -> View | None:
        rows, total = await self.board.page(None, True, limit=5, offset=0)
        if not total:
            return None
        return View("faq/flagged_panel.html", T(req, "FAQ entries fans flagged"), {"rows": rows, "total": total})

    async def entries(self, req: PageRequest) -> View:
        text = req.value("q")[:200]
        flagged = req.value("flagged") == "1"
        page = req.number("page", 1, high=100_000)
        rows, total = await self.board.page(text or None, flagged, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        test = req.value("test")[:500]
        tested = []
        if test:
            for match in [m for m in await self.service.matches(test) if m.confidence >= 0.005]:  # shown as at least 1%
                entry = await self.service.repo.get(match.entry_id)
                if entry is not None:
                    tested.append((entry, match))
        values = {
            "rows": rows,
            "total": total,
            "q": text,
            "flagged": flagged,
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "test": test,
            "tested": tested,
            "threshold": self.service.settings.answer_threshold,
        }
        return View("faq/entries.html", T(req, "FAQ"), values)

    async def entry(self, req: PageRequest, preview: Done | None = None) -> View:
        entry = await self.service.repo.get(req.number("number"))
        if entry is None:
            raise NotFound(T(req, "There is no FAQ entry #{number}.", number=req.params.get("number")))
        values = {
            "entry": entry,
            "preview": preview,
            "pending": {"action": "remove"},
            "demote_after": self.service.settings.demote_after_downvotes,
        }
        return View("faq/entry.html", f"#{entry.id} {entry.question}", values)

    async def change(self, req: PageRequest) -> View | Redirect:
        number = req.number("number")
        action = req.value("action")
        if action == "edit":
            answer = req.value("answer")
            if not answer:
                raise Refused(T(req, "Write the new answer first."))
            command = f"/faq edit {number} {answer}"
        elif action == "alt":
            phrasing = " ".join(req.value("phrasing").split())
            if not phrasing:
                raise Refused(T(req, "Write how fans ask it first."))
            command = f"/faq alt {number} {phrasing}"
        elif action == "reset":
            command = f"/faq reset {number}"
        elif action == "remove":
            if req.value("confirm") != "1":  # removing is previewed, then confirmed
                what = T(
                    req, "Remove FAQ #{number}: fans asking its question will no longer get this answer.", number=number
                )
                return await self.entry(req, preview=Done((what,), preview=True))
            done = await req.perform(f"/faq remove {number}")
            return Redirect("/faq" if not done.is_error else f"/faq/{number}", done)
        else:
            raise Refused(T(req, "Unknown action."))
        return Redirect(f"/faq/{number}", await req.perform(command))
