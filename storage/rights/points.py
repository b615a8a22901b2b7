"""Points data rights: the ledger, balance, grades, link codes and identity links."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update
from sqlmodel import col

from storage.db import Tx
from storage.models import Identity, Member
from storage.points_tables import Balance, GradeReached, IdentityLink, LedgerRow, LinkCode
from storage.rights.core import FORMER, iso

if TYPE_CHECKING:
    from storage.rights import Forget

TABLES = (
    "points_ledger",
    "points_balances",
    "grade_history",
    "link_codes",
    "identity_links",
)


async def export(tx: Tx, member_id: int) -> dict[str, Any]:
    ledger = (await tx.execute(select(LedgerRow).where(col(LedgerRow.member_id) == member_id))).scalars()
    grades = (await tx.execute(select(GradeReached).where(col(GradeReached.member_id) == member_id))).scalars()
    balance = await tx.get(Balance, member_id)
    return {
        "points": {
            "balance": balance.balance if balance else 0,
            "ledger": [
                {"amount": r.amount, "kind": r.kind, "reason": r.reason, "at": iso(r.created_at)} for r in ledger
            ],
        },
        "grades": [{"grade": g.grade, "reached_at": iso(g.reached_at)} for g in grades],
    }


async def forget(tx: Tx, req: Forget) -> dict[str, int]:
    member_id = req.member_id
    for table, column in (
        (LedgerRow, LedgerRow.member_id),
        (Balance, Balance.member_id),
        (GradeReached, GradeReached.member_id),
        (LinkCode, LinkCode.member_id),
    ):
        await tx.execute(delete(table).where(col(column) == member_id))
    await tx.execute(
        update(LedgerRow)
        .where(col(LedgerRow.origin_member_id) == member_id)
        .values(origin_member_id=LedgerRow.member_id)
    )
    await tx.execute(update(LedgerRow).where(col(LedgerRow.actor_id) == member_id).values(actor_id=None))
    # members merged into this one by /link are the same person: they go too
    merged = set(
        (
            await tx.execute(
                select(col(IdentityLink.from_member_id)).where(col(IdentityLink.into_member_id) == member_id)
            )
        ).scalars()
    )
    identity_ids = select(col(Identity.id)).where(col(Identity.member_id) == member_id)
    await tx.execute(
        delete(IdentityLink).where(
            col(IdentityLink.identity_id).in_(identity_ids)
            | (col(IdentityLink.from_member_id) == member_id)
            | (col(IdentityLink.into_member_id) == member_id)
        )
    )
    if merged:
        await tx.execute(update(Member).where(col(Member.id).in_(merged)).values(display_name=FORMER))
    return {}
