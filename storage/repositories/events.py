"""Claims on platform events: each (platform, chat, message id) is handled once.

A claim is a row inserted under a unique key before the handler runs and marked done
after. A second delivery finds it done (skip) or still processing (busy: the adapter
should not acknowledge it yet). A claim left by a crashed process expires after a lease
and can then be taken over, so a crash loses nothing and a redelivery counts nothing twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from storage.models import ProcessedEvent
from storage.repositories.base import Repository, is_unique_violation, rowcount


class ClaimResult(StrEnum):
    CLAIMED = "claimed"
    DONE = "done"  # already handled: skip
    BUSY = "busy"  # another worker is handling it right now: retry later


def _key(platform: str, chat_id: str, message_id: str) -> ColumnElement[bool]:
    return and_(
        col(ProcessedEvent.platform) == platform,
        col(ProcessedEvent.chat_id) == chat_id,
        col(ProcessedEvent.message_id) == message_id,
    )


class EventRepo(Repository):
    async def claim(
        self, platform: str, chat_id: str, message_id: str, owner: str, now: datetime, lease: timedelta
    ) -> ClaimResult:
        async with self.db.session() as s:
            s.add(
                ProcessedEvent(
                    platform=platform,
                    chat_id=chat_id,
                    message_id=message_id,
                    claimed_by=owner,
                    claimed_at=now,
                )
            )
            try:
                await s.commit()
                return ClaimResult.CLAIMED
            except IntegrityError as exc:
                await s.rollback()
                if not is_unique_violation(exc):
                    raise
        key = _key(platform, chat_id, message_id)
        async with self.db.session() as s:
            taken = await s.execute(
                update(ProcessedEvent)
                .where(
                    key,
                    col(ProcessedEvent.status) == "processing",
                    col(ProcessedEvent.claimed_at) < now - lease,
                )
                .values(claimed_by=owner, claimed_at=now, attempts=col(ProcessedEvent.attempts) + 1)
            )
            await s.commit()
            if rowcount(taken) == 1:
                return ClaimResult.CLAIMED
            status = (await s.execute(select(col(ProcessedEvent.status)).where(key))).scalar_one_or_none()
        return ClaimResult.DONE if status == "done" else ClaimResult.BUSY

    async def finish(self, platform: str, chat_id: str, message_id: str, now: datetime) -> None:
        async with self.db.session() as s:
            await s.execute(
                update(ProcessedEvent).where(_key(platform, chat_id, message_id)).values(status="done", finished_at=now)
            )
            await s.commit()

    async def release(self, platform: str, chat_id: str, message_id: str, owner: str) -> None:
        """Give a claim back (stopped before the handler ran) so a redelivery is handled."""
        async with self.db.session() as s:
            await s.execute(
                delete(ProcessedEvent).where(
                    _key(platform, chat_id, message_id),
                    col(ProcessedEvent.claimed_by) == owner,
                    col(ProcessedEvent.status) == "processing",
                )
            )
            await s.commit()

    async def prune(self, before: datetime) -> int:
        """Forget finished events older than platforms redeliver (Telegram keeps 24 h)."""
        async with self.db.session() as s:
            result = await s.execute(
                delete(ProcessedEvent).where(
                    col(ProcessedEvent.status) == "done", col(ProcessedEvent.finished_at) < before
                )
            )
            await s.commit()
            return rowcount(result)
