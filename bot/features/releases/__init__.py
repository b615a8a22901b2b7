"""Releases: the weekly train ships a draft, marks its fan ideas shipped and credits their submitters."""

from __future__ import annotations

from bot.audit import Auditor
from bot.contracts import ANNOUNCER, FEEDBACK, POINTS
from bot.feature import Deps, Feature, Job
from bot.features.releases.commands import ReleaseCommands
from bot.features.releases.service import ReleaseService
from bot.features.releases.views import ReleaseViews
from storage.repositories.audit import AuditRepo
from storage.repositories.feedback import FeedbackRepo
from storage.repositories.members import MemberRepo
from storage.repositories.releases import ReleaseRepo


def build(deps: Deps) -> Feature:
    s = deps.settings.announcements
    service = ReleaseService(
        ReleaseRepo(deps.db),
        FeedbackRepo(deps.db),
        MemberRepo(deps.db),
        deps.need(FEEDBACK, "releases"),
        deps.need(ANNOUNCER, "releases"),
        s.release_template,
        deps.clock,
        points=deps.optional(POINTS),
        language=deps.language,
    )
    commands = ReleaseCommands(service, Auditor(AuditRepo(deps.db)), s.timezone)
    views = ReleaseViews(service, ReleaseRepo(deps.db), FeedbackRepo(deps.db))

    async def ship_due() -> int:
        return await service.ship_due(deps.clock.now())

    # release_items hold no member data: a fan's deleted idea leaves its release by ON DELETE CASCADE
    return Feature(
        name="releases",
        commands=tuple(commands.specs()),
        jobs=(Job("releases", ship_due, every=5),),
        pages=views.pages(),
        panels=views.panels(),
    )
