"""Grades feature data rights: the queued role syncs and grade-up announcements of a member."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlmodel import col

from storage.db import Tx
from storage.recognition_tables import GradeNews, GradeRoleSync
from storage.rights.core import iso

if TYPE_CHECKING:
    from storage.rights import Forget

TABLES = ("grade_role_syncs", "grade_news")


async def export(tx: Tx, member_id: int) -> dict[str, Any]:
    news = (await tx.execute(select(GradeNews).where(col(GradeNews.member_id) == member_id))).scalars()
    return {
        "grade_announcements": [
            {"grade": n.grade, "at": iso(n.created_at), "status": n.status, "chat": n.chat_id} for n in news
        ]
    }


async def forget(tx: Tx, req: Forget) -> dict[str, int]:
    for table in (GradeNews, GradeRoleSync):
        await tx.execute(delete(table).where(col(table.member_id) == req.member_id))
    return {}
