"""Commands waiting for their author's confirmation: kept in the database, so the button works in
whichever process receives the press, once, for ten minutes, and only for its author."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import col

from storage.models import Confirmation
from storage.repositories.base import Repository, rowcount


class ConfirmationRepo(Repository):
    async def add(self, member_id: int, platform: str, chat_id: str, command: str, now: datetime) -> int:
        async with self.db.session() as s:
            row = Confirmation(member_id=member_id, platform=platform, chat_id=chat_id, command=command, created_at=now)
            s.add(row)
            await s.commit()
            assert row.id is not None
            return row.id

    async def take(self, confirmation_id: int, member_id: int, now: datetime, ttl: timedelta) -> str | None:
        """The command, for its author within ``ttl``; deleted as it is taken (single use). None:
        gone, expired, or someone else's."""
        async with self.db.session() as s:
            row = await s.get(Confirmation, confirmation_id)
            if row is None or row.member_id != member_id:
                return None
            result = await s.execute(delete(Confirmation).where(col(Confirmation.id) == confirmation_id))
            await s.execute(delete(Confirmation).where(col(Confirmation.created_at) < now - ttl))  # tidy up
            await s.commit()
            if rowcount(result) != 1 or row.created_at < now - ttl:
                return None  # another press took it first, or it ran out
            return row.command
