"""Word-of-mouth data rights: a member's invite links and the record of how they joined."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlmodel import col

from storage.db import Tx
from storage.recognition_tables import InviteLink, Referral
from storage.rights.core import iso

if TYPE_CHECKING:
    from storage.rights import Forget

TABLES = ("invite_links", "referrals")


async def export(tx: Tx, member_id: int) -> dict[str, Any]:
    links = (await tx.execute(select(InviteLink).where(col(InviteLink.member_id) == member_id))).scalars()
    came = (await tx.execute(select(Referral).where(col(Referral.member_id) == member_id))).scalars()
    return {
        "invite_links": [{"chat": f"{i.platform}:{i.chat_id}", "link": i.link, "at": iso(i.created_at)} for i in links],
        "joined_through_an_invite": [iso(r.joined_at) for r in came],
    }


async def forget(tx: Tx, req: Forget) -> dict[str, int]:
    mine = select(col(InviteLink.id)).where(col(InviteLink.member_id) == req.member_id)
    # the fans they brought stay members; only the record of who brought them goes
    await tx.execute(delete(Referral).where(col(Referral.invite_id).in_(mine)))
    await tx.execute(delete(Referral).where(col(Referral.member_id) == req.member_id))
    await tx.execute(delete(InviteLink).where(col(InviteLink.member_id) == req.member_id))
    return {}
