"""The team's award for the week's best feedback: /award #N REASON (bonus points, the fan told, the
award in the weekly report)."""

from __future__ import annotations

from bot.audit import Auditor
from bot.contracts import POINTS
from bot.feature import DataRights, Deps, Feature
from bot.features.awards.commands import AwardCommands
from storage.repositories.audit import AuditRepo
from storage.repositories.awards import AwardRepo
from storage.repositories.feedback import FeedbackRepo
from storage.repositories.members import MemberRepo
from storage.rights import awards as rights


def build(deps: Deps) -> Feature:
    commands = AwardCommands(
        AwardRepo(deps.db),
        FeedbackRepo(deps.db),
        MemberRepo(deps.db),
        deps.need(POINTS, "awards"),
        Auditor(AuditRepo(deps.db)),
        deps.messenger,
        deps.settings.points.per_award,
    )
    return Feature(
        name="awards",
        commands=tuple(commands.specs()),
        data_rights=(DataRights(tables=rights.TABLES, export=rights.export, forget=rights.forget),),
    )
