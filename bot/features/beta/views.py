"""Beta tests on the dashboard: every cohort with how its places stand; a cohort's page with each
fan's place (joined, invited and until when, waiting, declined...) and a manager's actions — message
the testers, take a fan out, end the beta (as the /beta commands: the same checks and audit, the
end previewed first). Picking stays a chat command: invitations not sent privately are posted
with their buttons in the chat it is run in."""

from __future__ import annotations

from bot.dashboard.pages import Done, NotFound, Page, PageRequest, Redirect, Refused, View
from bot.i18n import Domain
from bot.roles import Role
from storage.repositories.beta import ACTIVE, BetaRepo
from storage.repositories.members import MemberRepo

T = Domain("beta")
#: the order places are listed in: who is testing first, then who may still join
ORDER = ("accepted", "invited", "waitlisted", "declined", "expired", "removed")


class BetaViews:
    def __init__(self, repo: BetaRepo, members: MemberRepo) -> None:
        self.repo, self.members = repo, members

    def pages(self) -> tuple[Page, ...]:
        return (
            Page("/beta", self.cohorts, nav=lambda lang: T(lang, "Beta tests"), order=45, min_role=Role.MANAGER),
            Page("/beta/{number}", self.cohort, post=self.change, min_role=Role.MANAGER),
        )

    async def cohorts(self, req: PageRequest) -> View:
        values = {"rows": await self.repo.cohorts(), "statuses": statuses(req.lang)}
        return View("beta/cohorts.html", T(req, "Beta tests"), values)

    async def cohort(
        self, req: PageRequest, preview: Done | None = None, pending: dict[str, str] | None = None
    ) -> View:
        number = req.number("number")
        cohort = await self.repo.get(number)
        if cohort is None:
            raise NotFound(T(req, "There is no beta cohort #{cohort}.", cohort=number))
        places = await self.repo.places(number)
        names = await self.members.names([p.member_id for p in places])
        rank = {status: i for i, status in enumerate(ORDER)}
        rows = sorted(places, key=lambda p: rank.get(p.status, len(ORDER)))
        values = {
            "c": cohort,
            "rows": [(p, names.get(p.member_id, T(req, "a former member"))) for p in rows],
            "statuses": statuses(req.lang),
            "holding": [(p.member_id, names.get(p.member_id, "")) for p in rows if p.status in ACTIVE],
            "preview": preview,
            "pending": pending or {},
        }
        return View("beta/cohort.html", T(req, "Beta #{cohort}", cohort=number), values)

    async def change(self, req: PageRequest) -> View | Redirect:
        number = req.number("number")
        action = req.value("action")
        if action == "message":
            text = req.value("text").strip()
            if not text:
                raise Refused(T(req, "Write the message for the testers."))
            command = f"/beta message {number} {text}"
        elif action == "remove":
            command = f"/beta remove {number} member:{req.number('member')}"
        elif action == "close":
            done = await req.perform(f"/beta close {number}", confirmed=req.value("confirm") == "1")
            if done.preview:
                return await self.cohort(req, pending={"action": "close"}, preview=done)
            return Redirect(f"/beta/{number}", done)
        else:
            raise Refused(T(req, "Unknown action."))
        return Redirect(f"/beta/{number}", await req.perform(command))


def statuses(lang: str) -> dict[str, str]:
    """A place's status as the dashboard names it."""
    return {
        "accepted": T(lang, "joined"),
        "invited": T(lang, "invited"),
        "waitlisted": T(lang, "on the waitlist"),
        "declined": T(lang, "said no"),
        "expired": T(lang, "did not answer in time"),
        "removed": T(lang, "taken out"),
        "open": T(lang, "open"),
        "closed": T(lang, "ended"),
    }
