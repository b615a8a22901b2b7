"""Claims of scheduled-job occurrences shared by every process on one database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import col

from storage.models import JobRun
from storage.repositories.base import Repository, insert_for, rowcount


class JobRunRepo(Repository):
    async def claim(self, name: str, slot: str, worker: str, now: datetime) -> bool:
        """True for the one caller that gets to run ``name`` for ``slot``; False for every other."""
        async with self.db.session() as s:
            stmt = insert_for(s, JobRun).values(name=name, slot=slot, worker=worker, claimed_at=now)
            result = await s.execute(stmt.on_conflict_do_nothing(index_elements=["name", "slot"]))
            await s.commit()
            return rowcount(result) == 1

    async def prune(self, before: datetime) -> int:
        async with self.db.session() as s:
            result = await s.execute(delete(JobRun).where(col(JobRun.claimed_at) < before))
            await s.commit()
            return rowcount(result)
