"""Announcements (the schedule is the source of truth) and their per-target deliveries."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.announcement_tables import Announcement, Delivery
from storage.repositories.base import Repository, claim_rows, insert_for, rowcount


@dataclass(frozen=True, slots=True)
class AnnouncementView:
    id: int
    text: str
    kind: str
    run_at: datetime | None
    cron: str | None
    timezone: str
    targets: tuple[str, ...]
    status: str
    next_run_at: datetime | None


@dataclass(frozen=True, slots=True)
class DeliveryView:
    id: int
    announcement_id: int
    occurrence_at: datetime
    platform: str
    chat_id: str
    status: str
    message_ids: tuple[str, ...]
    error: str | None


def _a(a: Announcement) -> AnnouncementView:
    assert a.id is not None
    return AnnouncementView(
        a.id, a.text, a.kind, a.run_at, a.cron, a.timezone, tuple(json.loads(a.targets)), a.status, a.next_run_at
    )


def _d(d: Delivery) -> DeliveryView:
    assert d.id is not None
    return DeliveryView(
        d.id,
        d.announcement_id,
        d.occurrence_at,
        d.platform,
        d.chat_id,
        d.status,
        tuple(json.loads(d.message_ids)),
        d.error,
    )


DELIVERY_KEY = ["announcement_id", "occurrence_at", "platform", "chat_id"]


class _DeliveryOutcomes:
    """Every finished delivery waiting: one executemany UPDATE by primary key."""

    async def apply(self, s: AsyncSession, items: list[dict[str, Any]]) -> list[None]:
        await s.execute(update(Delivery), items)
        return [None] * len(items)


DELIVERY_OUTCOMES = _DeliveryOutcomes()


class AnnouncementRepo(Repository):
    async def create(
        self,
        *,
        text: str,
        kind: str,
        run_at: datetime | None,
        cron: str | None,
        timezone: str,
        targets: list[str],
        next_run_at: datetime | None,
        created_by: int | None,
        at: datetime,
    ) -> int:
        async with self.db.session() as s:
            a = Announcement(
                text=text,
                kind=kind,
                run_at=run_at,
                cron=cron,
                timezone=timezone,
                targets=json.dumps(targets),
                next_run_at=next_run_at,
                created_by=created_by,
                created_at=at,
            )
            s.add(a)
            await s.commit()
            assert a.id is not None
            return a.id

    async def get(self, announcement_id: int) -> AnnouncementView | None:
        async with self.db.session() as s:
            a = await s.get(Announcement, announcement_id)
            return _a(a) if a else None

    async def listing(self, limit: int = 20) -> list[AnnouncementView]:
        async with self.db.session() as s:
            rows = await s.execute(
                select(Announcement)
                .where(col(Announcement.status).in_(("active", "paused")))
                .order_by(col(Announcement.next_run_at), col(Announcement.id))
                .limit(limit)
            )
            return [_a(a) for a in rows.scalars()]

    async def set_status(self, announcement_id: int, status: str, next_run_at: datetime | None = None) -> bool:
        values: dict[str, object] = {"status": status}
        if status == "active":
            values["next_run_at"] = next_run_at
        async with self.db.session() as s:
            result = await s.execute(
                update(Announcement).where(col(Announcement.id) == announcement_id).values(**values)
            )
            await s.commit()
            return rowcount(result) == 1

    async def set_text(self, announcement_id: int, text: str) -> bool:
        async with self.db.session() as s:
            result = await s.execute(
                update(Announcement).where(col(Announcement.id) == announcement_id).values(text=text)
            )
            await s.commit()
            return rowcount(result) == 1

    async def due(self, now: datetime) -> list[AnnouncementView]:
        async with self.db.session() as s:
            rows = await s.execute(
                select(Announcement).where(col(Announcement.status) == "active", col(Announcement.next_run_at) <= now)
            )
            return [_a(a) for a in rows.scalars()]

    async def advance(self, announcement_id: int, occurrence: datetime, next_run_at: datetime | None) -> bool:
        """Move the schedule past ``occurrence``; only one process wins (compare-and-set)."""
        async with self.db.session() as s:
            values: dict[str, object] = {"next_run_at": next_run_at}
            if next_run_at is None:
                values["status"] = "done"
            result = await s.execute(
                update(Announcement)
                .where(col(Announcement.id) == announcement_id, col(Announcement.next_run_at) == occurrence)
                .values(**values)
            )
            await s.commit()
            return rowcount(result) == 1

    async def add_deliveries(
        self,
        announcement_id: int,
        occurrence: datetime,
        targets: list[tuple[str, str]],
        status: str = "pending",
        error: str | None = None,
    ) -> None:
        """One row per target for this run (idempotent: a second call adds nothing), all in one
        executemany: 20,000 targets are queued in a second, not minutes."""
        rows = [
            {
                "announcement_id": announcement_id,
                "occurrence_at": occurrence,
                "platform": platform,
                "chat_id": chat_id,
                "status": status,
                "error": error,
                "attempts": 0,
                "message_ids": "[]",
            }
            for platform, chat_id in dict.fromkeys(targets)
        ]
        if not rows:
            return
        async with self.db.session() as s:  # one executemany: compiled once, whatever the count
            await s.execute(insert_for(s, Delivery).on_conflict_do_nothing(index_elements=DELIVERY_KEY), rows)
            await s.commit()

    async def claim(
        self, owner: str, now: datetime, lease: timedelta, limit: int = 200, platforms: Sequence[str] | None = None
    ) -> list[DeliveryView]:
        """Take pending deliveries (and ones a crashed worker left 'sending'); each row goes to one
        worker; only deliveries to ``platforms`` when given (those this process can send to)."""
        where = [col(Delivery.platform).in_(list(platforms))] if platforms is not None else []
        async with self.db.session() as s:
            rows = await claim_rows(
                s,
                Delivery,
                owner=owner,
                now=now,
                lease=lease,
                limit=limit,
                where=where,
                values={"attempts": col(Delivery.attempts) + 1},
            )
            return [_d(d) for d in rows]

    async def finish(
        self, delivery_id: int, status: str, now: datetime, message_ids: tuple[str, ...] = (), error: str | None = None
    ) -> None:
        """Recorded with the other deliveries finishing meanwhile (group commit, one statement)."""
        row = {
            "id": delivery_id,
            "status": status,
            "sent_at": now if status == "sent" else None,
            "message_ids": json.dumps(list(message_ids)),
            "error": error[:300] if error else None,
        }
        await self.db.group.bulk(DELIVERY_OUTCOMES, row)

    async def deliveries(self, announcement_id: int) -> list[DeliveryView]:
        async with self.db.session() as s:
            rows = await s.execute(
                select(Delivery)
                .where(col(Delivery.announcement_id) == announcement_id)
                .order_by(col(Delivery.occurrence_at).desc(), col(Delivery.id))
            )
            return [_d(d) for d in rows.scalars()]
