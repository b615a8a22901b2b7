"""Scheduled announcements on the dashboard's overview: what goes out next, where, and when."""

from __future__ import annotations

from bot.dashboard.pages import PageRequest, Panel, View
from bot.i18n import Domain
from storage.repositories.announcements import AnnouncementRepo

T = Domain("announcements")


class AnnouncementViews:
    def __init__(self, repo: AnnouncementRepo) -> None:
        self.repo = repo

    def panels(self) -> tuple[Panel, ...]:
        return (Panel("announcements-next", self.upcoming, order=40),)

    async def upcoming(self, req: PageRequest) -> View | None:
        scheduled = await self.repo.listing(limit=6)
        if not scheduled:
            return None
        return View("announcements/upcoming_panel.html", T(req, "Scheduled announcements"), {"items": scheduled})
