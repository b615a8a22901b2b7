"""The beta programme: cohorts picked by grade, invitations fans accept or decline, a waitlist that
refills declined and expired places, messages to testers, feedback tagged with the cohort, and the
cohorts on the dashboard."""

from __future__ import annotations

from bot.audit import Auditor
from bot.contracts import COHORTS, GRADES
from bot.feature import DataRights, Deps, Feature, Job, Provide
from bot.features.beta.commands import BetaCommands
from bot.features.beta.invitations import ACCEPT, DECLINE, Invitations
from bot.features.beta.views import BetaViews
from storage.repositories.audit import AuditRepo
from storage.repositories.beta import BetaRepo
from storage.repositories.members import MemberRepo
from storage.rights import beta as rights


def build(deps: Deps) -> Feature:
    s = deps.settings
    repo = BetaRepo(deps.db)
    invitations = Invitations(
        repo,
        MemberRepo(deps.db),
        deps.messenger,
        deps.clock,
        s.beta,
        language=deps.language,
    )
    commands = BetaCommands(
        repo,
        invitations,
        deps.need(GRADES, "beta"),
        MemberRepo(deps.db),
        Auditor(AuditRepo(deps.db)),
        deps.messenger,
        s.beta.active_days,
    )
    return Feature(
        name="beta",
        commands=tuple(commands.specs()),
        buttons={ACCEPT: invitations.accept, DECLINE: invitations.decline},
        on_join_request=(invitations.admit,),
        # at start too: invitations that expired while the bot was down give their places away
        jobs=(Job("beta-invitations", invitations.sweep, every=600, at_start=True),),
        data_rights=(DataRights(tables=rights.TABLES, export=rights.export, forget=rights.forget),),
        provides=(Provide(COHORTS, repo),),
        pages=BetaViews(repo, MemberRepo(deps.db)).pages(),
    )
