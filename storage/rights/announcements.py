"""Announcements data rights: who scheduled an announcement is forgotten; the announcement stays."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import update
from sqlmodel import col

from storage.announcement_tables import Announcement
from storage.db import Tx

if TYPE_CHECKING:
    from storage.rights import Forget

TABLES = ("announcements",)


async def forget(tx: Tx, req: Forget) -> dict[str, int]:
    await tx.execute(update(Announcement).where(col(Announcement.created_by) == req.member_id).values(created_by=None))
    return {}
