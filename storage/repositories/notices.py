"""What the bot had to tell managers, kept until seen when no manager chat could be told."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlmodel import col

from storage.models import ManagerNotice
from storage.repositories.base import Repository


@dataclass(frozen=True, slots=True)
class NoticeView:
    id: int
    text: str
    created_at: datetime


class NoticeRepo(Repository):
    async def add(self, text: str, delivered: bool, now: datetime) -> None:
        async with self.db.session() as s:
            s.add(ManagerNotice(text=text, created_at=now, delivered=delivered))
            await s.commit()

    async def unseen(self, limit: int = 20) -> tuple[list[NoticeView], int]:
        """The oldest notices no manager chat received and no manager has seen, and how many there are."""
        waiting = (col(ManagerNotice.delivered).is_(False), col(ManagerNotice.seen_at).is_(None))
        async with self.db.session() as s:
            rows = (
                await s.execute(select(ManagerNotice).where(*waiting).order_by(col(ManagerNotice.id)).limit(limit))
            ).scalars()
            found = [NoticeView(r.id or 0, r.text, r.created_at) for r in rows]
            total = int((await s.execute(select(func.count()).select_from(ManagerNotice).where(*waiting))).scalar_one())
            return found, total

    async def mark_seen(self, ids: list[int], now: datetime) -> None:
        if not ids:
            return
        async with self.db.session() as s:
            await s.execute(update(ManagerNotice).where(col(ManagerNotice.id).in_(ids)).values(seen_at=now))
            await s.commit()

    async def prune(self, before: datetime) -> None:
        async with self.db.session() as s:
            await s.execute(delete(ManagerNotice).where(col(ManagerNotice.created_at) < before))
            await s.commit()
