"""Beta programme data rights: a member's places in beta cohorts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlmodel import col

from storage.db import Tx
from storage.points_tables import BetaMember
from storage.rights.core import iso

if TYPE_CHECKING:
    from storage.rights import Forget

#: beta_cohorts keeps the manager's member number that picked a cohort (not a fan's data)
TABLES = ("beta_members", "beta_cohorts")


async def export(tx: Tx, member_id: int) -> dict[str, Any]:
    places = (await tx.execute(select(BetaMember).where(col(BetaMember.member_id) == member_id))).scalars()
    return {
        "beta": [
            {
                "cohort": p.cohort_id,
                "status": p.status,
                "invited_at": iso(p.invited_at) if p.invited_at else None,
                "answered_at": iso(p.answered_at) if p.answered_at else None,
            }
            for p in places
        ]
    }


async def forget(tx: Tx, req: Forget) -> dict[str, int]:
    await tx.execute(delete(BetaMember).where(col(BetaMember.member_id) == req.member_id))
    return {}
