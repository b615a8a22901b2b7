"""The weekly community report: posted to the announcement chats, and /report preview for managers."""

from __future__ import annotations

from bot.commands import CommandSpec, Result, Role
from bot.context import CommandContext
from bot.contracts import ANNOUNCER
from bot.feature import Deps, Feature, Job
from bot.features.report.service import build_report
from bot.features.report.views import ReportViews
from storage.repositories.feedback import FeedbackRepo
from storage.repositories.members import MemberRepo
from storage.repositories.stats import StatsRepo


def build(deps: Deps) -> Feature:
    stats, items, members = StatsRepo(deps.db), FeedbackRepo(deps.db), MemberRepo(deps.db)
    announcer = deps.need(ANNOUNCER, "report")
    views = ReportViews(stats, items, members, deps.settings.points)

    points = deps.settings.points

    async def preview(ctx: CommandContext) -> Result:
        return await build_report(
            stats, items, members, ctx.now, ctx, contributors=points.weekly_top, season=points.season(ctx.now)
        )

    async def post() -> None:
        """Delivered once per announcement chat, like any announcement."""
        # one text for every announcement chat: the community's language
        now = deps.clock.now()
        report = await build_report(
            stats, items, members, now, deps.language, contributors=points.weekly_top, season=points.season(now)
        )
        await announcer.announce_now(report.plain(), None)
        await announcer.tick()

    return Feature(
        name="report",
        commands=(CommandSpec("report preview", "This week's community report, here", preview, min_role=Role.MANAGER),),
        jobs=(Job("community-report", post, weekly=deps.settings.announcements.report_at),),
        pages=views.pages(),
        panels=views.panels(),
    )
