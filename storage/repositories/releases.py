"""Releases and the feedback items that ship in them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select, update
from sqlmodel import col

from storage.announcement_tables import Release, ReleaseItem
from storage.repositories.base import Repository, rowcount, saved_once


@dataclass(frozen=True, slots=True)
class ReleaseView:
    id: int
    version: str
    notes: str
    status: str
    cron: str | None
    timezone: str | None
    next_run_at: datetime | None


def _r(r: Release) -> ReleaseView:
    assert r.id is not None
    return ReleaseView(r.id, r.version, r.notes, r.status, r.cron, r.timezone, r.next_run_at)


class ReleaseRepo(Repository):
    async def create(self, version: str, notes: str, at: datetime) -> bool:
        async with self.db.session() as s:
            s.add(Release(version=version, notes=notes, created_at=at))
            return await saved_once(s)

    async def get(self, version: str) -> ReleaseView | None:
        async with self.db.session() as s:
            r = (await s.execute(select(Release).where(col(Release.version) == version))).scalar_one_or_none()
            return _r(r) if r else None

    async def add_item(self, release_id: int, feedback_id: int) -> bool:
        async with self.db.session() as s:
            s.add(ReleaseItem(release_id=release_id, feedback_id=feedback_id))
            return await saved_once(s)

    async def items(self, release_id: int) -> list[int]:
        async with self.db.session() as s:
            rows = await s.execute(
                select(col(ReleaseItem.feedback_id))
                .where(col(ReleaseItem.release_id) == release_id)
                .order_by(col(ReleaseItem.id))
            )
            return [int(r) for r in rows.scalars()]

    async def item_counts(self, release_ids: Sequence[int]) -> dict[int, int]:
        """How many fan ideas each release holds, in one query (releases with none are missing)."""
        if not release_ids:
            return {}
        async with self.db.session() as s:
            rows = await s.execute(
                select(col(ReleaseItem.release_id), func.count())
                .where(col(ReleaseItem.release_id).in_(release_ids))
                .group_by(col(ReleaseItem.release_id))
            )
            return {int(r): int(n) for r, n in rows.all()}

    async def schedule(self, release_id: int, cron: str, timezone: str, next_run_at: datetime) -> None:
        async with self.db.session() as s:
            await s.execute(
                update(Release)
                .where(col(Release.id) == release_id)
                .values(status="scheduled", cron=cron, timezone=timezone, next_run_at=next_run_at)
            )
            await s.commit()

    async def recent(self, limit: int = 50) -> list[ReleaseView]:
        """Drafts and scheduled releases first, then the newest shipped ones."""
        order = case((col(Release.status) == "shipped", 1), else_=0)
        async with self.db.session() as s:
            rows = await s.execute(
                select(Release).order_by(order, col(Release.created_at).desc(), col(Release.id).desc()).limit(limit)
            )
            return [_r(r) for r in rows.scalars()]

    async def scheduled(self) -> list[ReleaseView]:
        """Releases waiting for their slot on the train, soonest first."""
        async with self.db.session() as s:
            rows = await s.execute(
                select(Release).where(col(Release.status) == "scheduled").order_by(col(Release.next_run_at))
            )
            return [_r(r) for r in rows.scalars()]

    async def due(self, now: datetime) -> list[ReleaseView]:
        async with self.db.session() as s:
            rows = await s.execute(
                select(Release).where(col(Release.status) == "scheduled", col(Release.next_run_at) <= now)
            )
            return [_r(r) for r in rows.scalars()]

    async def start_shipping(self, release_id: int) -> bool:
        """Claim the release for shipping; only one caller (or process) wins."""
        async with self.db.session() as s:
            result = await s.execute(
                update(Release)
                .where(col(Release.id) == release_id, col(Release.status).in_(("draft", "scheduled")))
                .values(status="shipping")
            )
            await s.commit()
            return rowcount(result) == 1

    async def stop_shipping(self, release_id: int) -> None:
        """A ship that failed midway gives the release back (marking ideas and paying points are
        idempotent, so shipping again finishes the job)."""
        async with self.db.session() as s:
            await s.execute(
                update(Release)
                .where(col(Release.id) == release_id, col(Release.status) == "shipping")
                .values(status="draft")
            )
            await s.commit()

    async def shipped(self, release_id: int, at: datetime, announcement_id: int) -> None:
        async with self.db.session() as s:
            await s.execute(
                update(Release)
                .where(col(Release.id) == release_id)
                .values(status="shipped", shipped_at=at, announcement_id=announcement_id, next_run_at=None)
            )
            await s.commit()
