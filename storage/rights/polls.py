"""Polls data rights: a member's votes (the polls themselves are the team's)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update
from sqlmodel import col

from storage.db import Tx
from storage.poll_tables import Poll, PollVote
from storage.rights.core import iso

if TYPE_CHECKING:
    from storage.rights import Forget

#: polls keeps the number of the manager who asked (not a fan's data)
TABLES = ("poll_votes", "polls")


async def export(tx: Tx, member_id: int) -> dict[str, Any]:
    votes = (await tx.execute(select(PollVote).where(col(PollVote.member_id) == member_id))).scalars()
    return {"poll_votes": [{"poll": v.poll_id, "option": v.position + 1, "at": iso(v.voted_at)} for v in votes]}


async def forget(tx: Tx, req: Forget) -> dict[str, int]:
    await tx.execute(delete(PollVote).where(col(PollVote.member_id) == req.member_id))
    await tx.execute(update(Poll).where(col(Poll.actor_id) == req.member_id).values(actor_id=None))
    return {}
