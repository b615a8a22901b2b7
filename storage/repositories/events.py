"""Claims on platform events: each (platform, chat, message id) is handled once.

A claim is a row inserted under a unique key before the handler runs and marked done
after. A second delivery finds it done (skip) or still processing (busy: the adapter
should not acknowledge it yet). A claim left by a crashed process expires after a lease
and can then be taken over, so a crash loses nothing and a redelivery counts nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import BindParameter, ColumnElement, Table, and_, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import ProcessedEvent
from storage.repositories.base import Repository, insert_for, rowcount
from storage.repositories.replies import NewReply, insert_replies

_EVENTS: Table = ProcessedEvent.__table__  # type: ignore[attr-defined]
#: a key part: a value, or a parameter of a statement built once
Key = str | BindParameter[str]


class ClaimResult(StrEnum):
    CLAIMED = "claimed"
    DONE = "done"  # already handled: skip
    BUSY = "busy"  # another worker is handling it right now: retry later


def _key(platform: Key, chat_id: Key, message_id: Key) -> ColumnElement[bool]:
    return and_(
        col(ProcessedEvent.platform) == platform,
        col(ProcessedEvent.chat_id) == chat_id,
        col(ProcessedEvent.message_id) == message_id,
    )


@dataclass(frozen=True, slots=True)
class _Claim:
    platform: str
    chat_id: str
    message_id: str
    owner: str
    now: datetime
    lease: timedelta


class _Claims:
    """Every claim waiting: one multi-row INSERT … ON CONFLICT DO NOTHING RETURNING; the rare
    conflicts (a redelivery, a crashed worker's claim) are looked at one by one."""

    async def apply(self, s: AsyncSession, items: list[_Claim]) -> list[ClaimResult]:
        rows, seen = [], set()
        for c in items:
            if (c.platform, c.chat_id, c.message_id) not in seen:
                seen.add((c.platform, c.chat_id, c.message_id))
                rows.append(
                    {
                        "platform": c.platform,
                        "chat_id": c.chat_id,
                        "message_id": c.message_id,
                        "claimed_by": c.owner,
                        "claimed_at": c.now,
                        "status": "processing",
                        "attempts": 1,
                    }
                )
        t = _EVENTS.c
        new = (
            insert_for(s, ProcessedEvent)
            .on_conflict_do_nothing(index_elements=["platform", "chat_id", "message_id"])
            .returning(t.platform, t.chat_id, t.message_id)
        )
        inserted = {tuple(r) for r in (await s.execute(new, rows)).all()}  # executemany: compiled once
        results = []
        for c in items:
            key = (c.platform, c.chat_id, c.message_id)
            if key in inserted:
                inserted.discard(key)  # the same event twice in one batch: the second one waits
                results.append(ClaimResult.CLAIMED)
            else:
                results.append(await _existing(s, c))
        return results


async def _existing(s: AsyncSession, c: _Claim) -> ClaimResult:
    """A claim that is there already: done (skip), running elsewhere (busy), or left by a crash."""
    key = _key(c.platform, c.chat_id, c.message_id)
    taken = await s.execute(
        update(ProcessedEvent)
        .where(key, col(ProcessedEvent.status) == "processing", col(ProcessedEvent.claimed_at) < c.now - c.lease)
        .values(claimed_by=c.owner, claimed_at=c.now, attempts=col(ProcessedEvent.attempts) + 1)
    )
    if rowcount(taken) == 1:
        return ClaimResult.CLAIMED
    status = (await s.execute(select(col(ProcessedEvent.status)).where(key))).scalar_one_or_none()
    return ClaimResult.DONE if status == "done" else ClaimResult.BUSY


@dataclass(frozen=True, slots=True)
class _Finish:
    platform: str
    chat_id: str
    message_id: str
    now: datetime
    owner: str
    replies: tuple[NewReply, ...]


class _Finishes:
    """Every finished event waiting: one UPDATE run for each (executemany), and their replies in one
    INSERT — so an event is done exactly when its replies are stored (the durable reply outbox)."""

    async def apply(self, s: AsyncSession, items: list[_Finish]) -> list[list[int]]:
        now = max(f.now for f in items)
        await s.execute(_DONE, [{"p": f.platform, "c": f.chat_id, "m": f.message_id, "now": now} for f in items])
        flat = [r for f in items for r in f.replies]
        ids = iter(await insert_replies(s, flat, items[0].owner, now))
        return [[next(ids) for _ in f.replies] for f in items]


#: one statement built once, run for every finished event (executemany): each row found through the
#: unique key, and nothing compiled or cache-keyed per batch the way an OR of N keys was
_DONE = (
    update(_EVENTS)
    .where(_key(bindparam("p"), bindparam("c"), bindparam("m")))
    .values(status="done", finished_at=bindparam("now"))
)
CLAIMS = _Claims()
FINISHES = _Finishes()


class EventRepo(Repository):
    async def claim(
        self, platform: str, chat_id: str, message_id: str, owner: str, now: datetime, lease: timedelta
    ) -> ClaimResult:
        """Committed with the other events in flight (group commit) before the handler runs."""
        return await self.db.group.bulk(CLAIMS, _Claim(platform, chat_id, message_id, owner, now, lease))

    async def finish(
        self,
        platform: str,
        chat_id: str,
        message_id: str,
        now: datetime,
        *,
        owner: str = "",
        replies: tuple[NewReply, ...] = (),
    ) -> list[int]:
        """Mark the event done and store its replies (owned by ``owner``) in the same transaction;
        returns the replies' outbox ids."""
        return await self.db.group.bulk(FINISHES, _Finish(platform, chat_id, message_id, now, owner, replies))

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

    async def latest_numeric(self, platform: str, chat_id: str) -> str | None:
        """The highest numeric message id handled in a chat (platforms whose ids grow with time,
        like Discord's snowflakes): where a catch-up after downtime starts. Interactions and other
        non-message events (ids with letters) are left out."""
        ids = col(ProcessedEvent.message_id)
        query = (
            select(ids)
            .where(
                col(ProcessedEvent.platform) == platform,
                col(ProcessedEvent.chat_id) == chat_id,
                ~ids.like("i%"),
                ~ids.like("%:%"),
            )
            .order_by(func.length(ids).desc(), ids.desc())
            .limit(1)
        )
        async with self.db.session() as s:
            latest = (await s.execute(query)).scalar_one_or_none()
        return latest if latest is not None and latest.isdigit() else None

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
