"""The week on the dashboard: top helpers on the overview; the report page with eight weeks of
charts (server-rendered SVG: no script, readable without colour)."""

from __future__ import annotations

from datetime import datetime

from bot.dashboard.pages import Page, PageRequest, Panel, View
from bot.features.report.service import WEEK, build_report
from bot.i18n import N_, Domain
from bot.settings import PointsSettings
from storage.repositories.feedback import FeedbackRepo
from storage.repositories.members import MemberRepo
from storage.repositories.stats import StatsRepo

T = Domain("report")
WEEKS = 8
SERIES = {
    "received": N_("Ideas and bug reports received"),
    "shipped": N_("Items shipped"),
    "answered": N_("Questions answered (FAQ and fans)"),
}


class ReportViews:
    def __init__(self, stats: StatsRepo, items: FeedbackRepo, members: MemberRepo, points: PointsSettings) -> None:
        self.stats, self.items, self.members, self.points = stats, items, members, points

    def pages(self) -> tuple[Page, ...]:
        return (Page("/report", self.report, nav=lambda lang: T(lang, "Weekly report"), order=60),)

    def panels(self) -> tuple[Panel, ...]:
        return (Panel("report-helpers", self.helpers, order=25),)

    async def helpers(self, req: PageRequest) -> View | None:
        top = await self.stats.helpers(req.now - WEEK, 8)
        if not top:
            return None
        names = await self.members.names([m for m, *_ in top])
        rows = [(names.get(m) or T(req, "a former member"), *counts) for m, *counts in top]
        return View("report/helpers_panel.html", T(req, "Top helpers this week"), {"rows": rows})

    async def report(self, req: PageRequest) -> View:
        report = await build_report(
            self.stats, self.items, self.members, req.now, req.lang,
            contributors=self.points.weekly_top, season=self.points.season(req.now),
        )  # fmt: skip
        text = report.plain()
        start = req.now - WEEKS * WEEK
        moments = await self.stats.moments(start)
        moments["answered"] = moments.pop("faq") + moments.pop("fans")
        charts = [(T(req, label), _bars(moments[key], start)) for key, label in SERIES.items()]
        return View(
            "report/report.html",
            T(req, "Weekly report"),
            {"lines": text.splitlines(), "charts": charts, "weeks": _week_starts(start)},
        )


def _week_starts(start: datetime) -> list[datetime]:
    return [start + i * WEEK for i in range(WEEKS)]


def _bars(moments: list[datetime], start: datetime) -> list[int]:
    """Counts per week, oldest first."""
    counts = [0] * WEEKS
    for at in moments:
        index = min(int((at - start) / WEEK), WEEKS - 1)  # the last week ends now, inclusive
        if index >= 0:
            counts[index] += 1
    return counts
