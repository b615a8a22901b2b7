"""A member's dashboard sign-in links and sessions: exported as when and as whom, deleted on forget."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlmodel import col

from storage.dashboard_tables import DashboardLink, DashboardSession
from storage.db import Tx
from storage.repositories.base import rowcount

if TYPE_CHECKING:
    from storage.rights import Forget


TABLES = ("dashboard_links", "dashboard_sessions")


async def export(tx: Tx, member_id: int) -> dict[str, Any]:
    rows = (await tx.execute(select(DashboardSession).where(col(DashboardSession.member_id) == member_id))).scalars()
    return {
        "dashboard_sessions": [
            {
                "signed_in_as": r.identity,
                "started": r.created_at.isoformat(),
                "ends": r.expires_at.isoformat(),
                "signed_out": r.revoked_at.isoformat() if r.revoked_at else None,
            }
            for r in rows
        ]
    }


async def forget(tx: Tx, req: Forget) -> dict[str, int]:
    links = await tx.execute(delete(DashboardLink).where(col(DashboardLink.member_id) == req.member_id))
    sessions = await tx.execute(delete(DashboardSession).where(col(DashboardSession.member_id) == req.member_id))
    return {"dashboard_links": rowcount(links), "dashboard_sessions": rowcount(sessions)}
