"""Grades fans can see: grade-up news routed per config and batched, grades as platform roles, and
chats only a grade may join."""

from __future__ import annotations

from bot.contracts import GRADES
from bot.feature import DataRights, Deps, Feature, Job
from bot.features.grades.chats import GradeChats
from bot.features.grades.news import GradeNews
from bot.features.grades.roles import GradeRoleSync
from storage.repositories.chats import ChatRepo
from storage.repositories.grades import GradeRepo
from storage.repositories.members import MemberRepo
from storage.rights import grades as rights

#: how often queued grade-ups and role changes are looked at (seconds)
TICK = 15.0


def build(deps: Deps) -> Feature:
    grading = deps.need(GRADES, "grades")
    repo = GradeRepo(deps.db)
    news = GradeNews(
        repo,
        grading,
        MemberRepo(deps.db),
        ChatRepo(deps.db),
        deps.messenger,
        deps.clock,
        deps.settings.points,
        worker_id=deps.worker_id,
        language=deps.language,
    )
    roles = GradeRoleSync(repo, grading, MemberRepo(deps.db), deps.messenger, deps.notices, deps.clock, deps.worker_id)
    return Feature(
        name="grades",
        on_join_request=(GradeChats(grading, deps.settings.points).admit,),
        jobs=(
            Job("grade-news", news.flush, every=TICK, at_start=True),
            Job("grade-roles", roles.flush, every=TICK, at_start=True),
            Job("grade-roles-repair", roles.repair, every=3600, at_start=True),
        ),
        data_rights=(DataRights(tables=rights.TABLES, export=rights.export, forget=rights.forget),),
    )
