"""The durable reply outbox: replies written with their event, sent by the process that owns them,
taken over by another after a lease when the owner stopped renewing it (it died)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import OutboxReply
from storage.repositories.base import Repository, rowcount

#: a reply's owner renews its claim more often than this; past it, another process takes over
REPLY_LEASE = timedelta(seconds=90)
#: a reply held longer than this is not renewed (its sender lost it): the sweep takes it over
HOLD_AT_MOST = timedelta(hours=1)
MAX_ATTEMPTS = 20


@dataclass(frozen=True, slots=True)
class NewReply:
    platform: str
    chat_id: str
    thread_id: str | None
    quote_id: str | None
    author_id: str
    author_name: str
    chat_private: bool
    payload: str


@dataclass(frozen=True, slots=True)
class StoredReply(NewReply):
    id: int
    attempts: int


async def insert_replies(s: AsyncSession, replies: list[NewReply], owner: str, now: datetime) -> list[int]:
    """Rows for these replies, owned by ``owner`` (the sender); their ids in order."""
    if not replies:
        return []
    rows: list[dict[str, Any]] = [
        {
            "platform": r.platform,
            "chat_id": r.chat_id,
            "thread_id": r.thread_id,
            "quote_id": r.quote_id,
            "author_id": r.author_id,
            "author_name": r.author_name[:200],
            "chat_private": r.chat_private,
            "payload": r.payload,
            "status": "sending",
            "claimed_by": owner,
            "claimed_at": now,
            "attempts": 1,
            "created_at": now,
        }
        for r in replies
    ]
    stmt = insert(OutboxReply).returning(col(OutboxReply.id), sort_by_parameter_order=True)
    return [int(i or 0) for i in (await s.execute(stmt, rows)).scalars()]


class _Outcomes:
    """Sent (the row goes: the platform has it), failed, unknown (kept for managers): one
    statement per outcome for everything reported meanwhile."""

    async def apply(self, s: AsyncSession, items: list[tuple[int, str, datetime, str | None]]) -> list[None]:
        groups: defaultdict[tuple[str, str | None], list[int]] = defaultdict(list)
        for reply_id, status, _, error in items:
            groups[(status, error)].append(reply_id)
        at = max(when for _, _, when, _ in items)
        for (status, error), ids in groups.items():
            if status == "sent":
                await s.execute(delete(OutboxReply).where(col(OutboxReply.id).in_(ids)))
                continue
            values: dict[str, Any] = {"status": status, "error": error[:300] if error else None}
            if status == "sending":  # given back: the next sweep anywhere takes it
                values["claimed_at"] = at
            await s.execute(update(OutboxReply).where(col(OutboxReply.id).in_(ids)).values(**values))
        return [None] * len(items)


OUTCOMES = _Outcomes()


class ReplyRepo(Repository):
    async def outcome(self, reply_id: int, status: str, at: datetime, error: str | None = None) -> None:
        await self.db.group.bulk(OUTCOMES, (reply_id, status, at, error))

    async def renew(self, owner: str, now: datetime) -> int:
        """The owner still holds these: keep other processes off them."""
        async with self.db.session() as s:
            result = await s.execute(
                update(OutboxReply)
                .where(
                    col(OutboxReply.status) == "sending",
                    col(OutboxReply.claimed_by) == owner,
                    col(OutboxReply.created_at) >= now - HOLD_AT_MOST,
                )
                .values(claimed_at=now)
            )
            await s.commit()
            return rowcount(result)

    async def take_over(
        self, owner: str, now: datetime, platforms: list[str], limit: int = 200, lease: timedelta = REPLY_LEASE
    ) -> list[StoredReply]:
        """Replies whose owner stopped renewing them (it died), for platforms this process runs."""
        if not platforms:
            return []
        stale = (
            (col(OutboxReply.status) == "sending")
            & (col(OutboxReply.claimed_at) < now - lease)
            & col(OutboxReply.platform).in_(platforms)
        )
        async with self.db.session() as s:
            ids = list(
                (await s.execute(select(col(OutboxReply.id)).where(stale).order_by(col(OutboxReply.id)).limit(limit)))
                .scalars()
                .all()
            )
            if not ids:
                return []
            await s.execute(
                update(OutboxReply)
                .where(col(OutboxReply.id).in_(ids), stale)
                .values(claimed_by=owner, claimed_at=now, attempts=col(OutboxReply.attempts) + 1)
            )
            await s.commit()
            rows = (
                await s.execute(
                    select(OutboxReply)
                    .where(col(OutboxReply.id).in_(ids), col(OutboxReply.claimed_by) == owner)
                    .order_by(col(OutboxReply.id))
                )
            ).scalars()
            return [
                StoredReply(
                    r.platform,
                    r.chat_id,
                    r.thread_id,
                    r.quote_id,
                    r.author_id,
                    r.author_name,
                    r.chat_private,
                    r.payload,
                    id=int(r.id or 0),
                    attempts=r.attempts,
                )
                for r in rows
            ]

    async def counts(self) -> dict[str, int]:
        query = select(col(OutboxReply.status), func.count()).group_by(col(OutboxReply.status))
        async with self.db.session() as s:
            return {status: int(n) for status, n in (await s.execute(query)).all()}

    async def prune(self, before: datetime) -> int:
        """Replies given up on long ago (sent ones are gone at once)."""
        async with self.db.session() as s:
            result = await s.execute(
                delete(OutboxReply).where(
                    col(OutboxReply.status).in_(("sent", "failed", "unknown")),
                    or_(col(OutboxReply.sent_at) < before, col(OutboxReply.created_at) < before),
                )
            )
            await s.commit()
            return rowcount(result)
