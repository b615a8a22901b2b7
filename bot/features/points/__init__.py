"""Participation points and grades: the ledger, /rank, /leaderboard, linked accounts."""

from __future__ import annotations

from bot.audit import Auditor
from bot.contracts import GRADES, POINTS
from bot.feature import DataRights, Deps, Feature, Provide
from bot.features.points.commands import PointsCommands
from bot.features.points.service import PointsService
from bot.features.points.views import PointsViews
from storage.repositories.audit import AuditRepo
from storage.repositories.linking import LinkRepo
from storage.repositories.member_board import MemberBoard
from storage.repositories.members import MemberRepo
from storage.repositories.points import PointsRepo
from storage.rights import points as rights


def build(deps: Deps) -> Feature:
    ladder = [(g.name, g.threshold) for g in deps.settings.points.grades]
    service = PointsService(PointsRepo(deps.db, ladder), MemberRepo(deps.db), deps.settings.points)
    commands = PointsCommands(service, LinkRepo(deps.db), Auditor(AuditRepo(deps.db)))
    return Feature(
        name="points",
        commands=tuple(commands.specs()),
        on_message=(service.on_message,),
        perks=service.perks,
        pages=PointsViews(
            service, MemberBoard(deps.db)
        ).pages(),  # grades' perks open commands such as /triage (can_triage)
        data_rights=(DataRights(tables=rights.TABLES, export=rights.export, forget=rights.forget),),
        provides=(Provide(POINTS, service), Provide(GRADES, service)),
    )
