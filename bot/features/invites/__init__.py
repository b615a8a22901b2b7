"""Word of mouth: /invite gives each fan their own invite link; the inviter is credited once the friend
they brought takes part; /invite list shows the managers who brought whom."""

from __future__ import annotations

from bot.contracts import POINTS
from bot.feature import DataRights, Deps, Feature, Job
from bot.features.invites.service import Invites
from storage.repositories.chats import ChatRepo
from storage.repositories.invites import InviteRepo
from storage.repositories.members import MemberRepo
from storage.rights import invites as rights


def build(deps: Deps) -> Feature:
    invites = Invites(
        InviteRepo(deps.db),
        MemberRepo(deps.db),
        ChatRepo(deps.db),
        deps.need(POINTS, "invites"),
        deps.messenger,
        deps.clock,
        deps.settings.points,
        deps.notices,
        deps.settings.community_name,
    )
    return Feature(
        name="invites",
        commands=tuple(invites.specs()),
        on_join_request=(invites.admit,),
        on_join=(invites.joined,),
        jobs=(Job("invite-credits", invites.credit, every=300, at_start=True),),
        data_rights=(DataRights(tables=rights.TABLES, export=rights.export, forget=rights.forget),),
    )
