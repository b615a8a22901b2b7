"""Send slots shared by every process on one database (virtual scheduling): each send takes the
next free slot of its key in one atomic upsert and waits for it, so N processes together stay
evenly under the platform's limit."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, text
from sqlmodel import col

from storage.models import RateSlot
from storage.repositories.base import Repository, insert_for


class RateRepo(Repository):
    async def reserve(self, key: str, interval: timedelta, now: datetime, count: int = 1) -> datetime:
        """The start of the first of ``count`` consecutive slots reserved for this caller (``now``
        or later; the others follow ``interval`` apart). PostgreSQL only: one SQLite database
        serves one process, whose in-memory pacer is the whole truth."""
        span = interval * count
        async with self.db.session() as s:
            # a slot lost in a database crash costs nothing: don't wait for the disk on every send
            await s.execute(text("SET LOCAL synchronous_commit = off"))
            stmt = insert_for(s, RateSlot).values(key=key, next_at=now + span)
            stmt = stmt.on_conflict_do_update(
                index_elements=["key"], set_={"next_at": func.greatest(col(RateSlot.next_at), now) + span}
            ).returning(col(RateSlot.next_at))
            next_at: datetime = (await s.execute(stmt)).scalar_one()
            await s.commit()
        return next_at - span
