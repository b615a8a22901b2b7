"""Awards data rights: the team's awards for a member's feedback."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update
from sqlmodel import col

from storage.db import Tx
from storage.recognition_tables import FeedbackAward
from storage.rights.core import iso

if TYPE_CHECKING:
    from storage.rights import Forget

TABLES = ("feedback_awards",)


async def export(tx: Tx, member_id: int) -> dict[str, Any]:
    rows = (await tx.execute(select(FeedbackAward).where(col(FeedbackAward.member_id) == member_id))).scalars()
    return {
        "awards": [
            {"feedback": a.feedback_id, "reason": a.reason, "points": a.points, "at": iso(a.created_at)} for a in rows
        ]
    }


async def forget(tx: Tx, req: Forget) -> dict[str, int]:
    await tx.execute(delete(FeedbackAward).where(col(FeedbackAward.member_id) == req.member_id))
    await tx.execute(update(FeedbackAward).where(col(FeedbackAward.actor_id) == req.member_id).values(actor_id=None))
    return {}
