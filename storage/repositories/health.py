"""What /healthz and /metrics read from the database: is it there, and how far behind are the
queues every process shares (replies, fan notifications, due broadcast deliveries)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, text
from sqlmodel import col

from storage.announcement_tables import Delivery
from storage.feedback_tables import FeedbackChange, Notification
from storage.models import OutboxReply
from storage.repositories.base import Repository


@dataclass(frozen=True, slots=True)
class Backlog:
    pending: int
    oldest: datetime | None

    def age(self, now: datetime) -> float:
        return max(0.0, (now - self.oldest).total_seconds()) if self.oldest is not None else 0.0


class HealthRepo(Repository):
    async def ping(self) -> float:
        """Seconds one trivial round trip takes (raises when the database is unreachable)."""
        started = time.perf_counter()
        async with self.db.session() as s:
            await s.execute(text("SELECT 1"))
        return time.perf_counter() - started

    async def backlog(self, now: datetime) -> dict[str, Backlog]:
        replies = select(func.count(), func.min(col(OutboxReply.created_at))).where(
            col(OutboxReply.status) == "sending"
        )
        notes = (
            select(func.count(), func.min(col(FeedbackChange.at)))
            .select_from(Notification)
            .join(FeedbackChange, col(FeedbackChange.id) == col(Notification.change_id))
            .where(col(Notification.status).in_(("pending", "sending")))
        )
        due = select(func.count(), func.min(col(Delivery.occurrence_at))).where(
            col(Delivery.status).in_(("pending", "sending")), col(Delivery.occurrence_at) <= now
        )
        async with self.db.session() as s:
            out: dict[str, Backlog] = {}
            for name, query in (("replies", replies), ("notifications", notes), ("broadcasts", due)):
                count, oldest = (await s.execute(query)).one()
                out[name] = Backlog(int(count), self._aware(oldest))
            return out

    async def deliveries(self) -> dict[str, int]:
        query = select(col(Delivery.status), func.count()).group_by(col(Delivery.status))
        async with self.db.session() as s:
            return {status: int(n) for status, n in (await s.execute(query)).all()}

    @staticmethod
    def _aware(value: datetime | None) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)
