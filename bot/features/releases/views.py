"""Releases on the dashboard: the next one on the train (an overview panel); every release, a form
to draft one; a release's page with its fan ideas, the announcement as fans will read it, and
add an idea, schedule and ship (as the /release commands, ship previewed first)."""

from __future__ import annotations

import re

from bot.dashboard.pages import NotFound, Page, PageRequest, Panel, Redirect, Refused, View
from bot.features.releases.service import ReleaseService
from bot.i18n import Domain
from storage.repositories.feedback import FeedbackRepo
from storage.repositories.releases import ReleaseRepo, ReleaseView

T = Domain("releases")
VERSION = re.compile(r"^[\w.+\-]{1,40}$")


class ReleaseViews:
    def __init__(self, service: ReleaseService, repo: ReleaseRepo, items: FeedbackRepo) -> None:
        self.service, self.repo, self.items = service, repo, items

    def pages(self) -> tuple[Page, ...]:
        return (
            Page("/releases", self.releases, post=self.draft, nav=lambda lang: T(lang, "Releases"), order=55),
            Page("/releases/{version}", self.release, post=self.change),
        )

    def panels(self) -> tuple[Panel, ...]:
        return (Panel("releases-next", self.next_release, order=30),)

    async def next_release(self, req: PageRequest) -> View | None:
        scheduled = (await self.repo.scheduled())[:3]
        if not scheduled:
            return None
        return View("releases/next_panel.html", T(req, "Next release"), {"rows": await self._counted(scheduled)})

    async def releases(self, req: PageRequest) -> View:
        listed = await self.repo.recent(50)
        rows = await self._counted(listed)
        return View("releases/releases.html", T(req, "Releases"), {"rows": rows, "states": _states(req.lang)})

    async def _counted(self, releases: list[ReleaseView]) -> list[tuple[ReleaseView, int]]:
        """Each release with how many fan ideas ship in it."""
        counts = await self.repo.item_counts([r.id for r in releases])
        return [(r, counts.get(r.id, 0)) for r in releases]

    async def draft(self, req: PageRequest) -> Redirect:
        version, notes = self._version(req, req.value("version")), req.value("notes")
        done = await req.perform(f"/release new {version} {notes}".strip())
        return Redirect(f"/releases/{version}" if not done.is_error else "/releases", done)

    def _version(self, req: PageRequest, raw: str) -> str:
        if not VERSION.match(raw):
            raise Refused(T(req, "A version is letters, digits and . + - _ (at most 40), e.g. 3.2.0"))
        return raw

    async def release(self, req: PageRequest) -> View:
        version = self._version(req, req.params.get("version", ""))
        release = await self.repo.get(version)
        if release is None:
            raise NotFound(T(req, "There is no release {version}.", version=version))
        found = await self.items.many(await self.repo.items(release.id))
        preview = (await self.service.preview(version, req.lang)).plain()
        values = {
            "r": release,
            "items": sorted(found.values(), key=lambda i: i.id),
            "announcement": preview.splitlines(),
            "states": _states(req.lang),
            "ship_preview": None,
        }
        return View("releases/release.html", T(req, "Release {version}", version=version), values)

    async def change(self, req: PageRequest) -> View | Redirect:
        version = self._version(req, req.params.get("version", ""))
        action = req.value("action")
        if action == "add":
            command = f"/release add {version} {req.number('number')}"
        elif action == "schedule":
            when = " ".join(req.value("when").split())
            if not when:
                raise Refused(T(req, "Say when, e.g. every fri 17:00"))
            command = f"/release schedule {version} {when}"
        elif action == "ship":
            done = await req.perform(f"/release ship {version}", confirmed=req.value("confirm") == "1")
            if done.preview:
                view = await self.release(req)
                return View(view.template, view.title, {**view.values, "ship_preview": done})
            return Redirect(f"/releases/{version}", done)
        else:
            raise Refused(T(req, "Unknown action."))
        return Redirect(f"/releases/{version}", await req.perform(command))


def _states(lang: str) -> dict[str, str]:
    return {
        "draft": T(lang, "draft"),
        "scheduled": T(lang, "scheduled"),
        "shipping": T(lang, "shipping"),
        "shipped": T(lang, "shipped"),
    }
