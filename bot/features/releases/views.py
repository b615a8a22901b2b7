"""The next releases on the train, on the dashboard's overview."""

from __future__ import annotations

from bot.dashboard.pages import PageRequest, Panel, View
from bot.i18n import Domain
from storage.repositories.releases import ReleaseRepo

T = Domain("releases")


class ReleaseViews:
    def __init__(self, repo: ReleaseRepo) -> None:
        self.repo = repo

    def panels(self) -> tuple[Panel, ...]:
        return (Panel("releases-next", self.next_release, order=30),)

    async def next_release(self, req: PageRequest) -> View | None:
        scheduled = (await self.repo.scheduled())[:3]
        if not scheduled:
            return None
        rows = [(r, len(await self.repo.items(r.id))) for r in scheduled]
        return View("releases/next_panel.html", T(req, "Next release"), {"rows": rows})
