"""Polls: create, record where each was posted, one vote per member, tally, close once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlmodel import col

from storage.poll_tables import Poll, PollOption, PollPost, PollVote
from storage.repositories.base import Repository, insert_for, rowcount


@dataclass(frozen=True, slots=True)
class OptionView:
    position: int
    label: str
    feedback_id: int | None


@dataclass(frozen=True, slots=True)
class PollView:
    id: int
    question: str
    options: tuple[OptionView, ...]
    status: str
    closes_at: datetime


@dataclass(frozen=True, slots=True)
class PostView:
    platform: str
    chat_id: str
    thread_id: str | None
    message_id: str | None
    native_id: str | None


@dataclass(frozen=True, slots=True)
class ItemResult:
    """How a feedback item did in a poll: its votes of the poll's total."""

    poll_id: int
    votes: int
    total: int
    status: str


class PollRepo(Repository):
    async def create(
        self,
        question: str,
        options: Sequence[tuple[str, int | None]],
        *,
        actor_id: int,
        at: datetime,
        closes_at: datetime,
    ) -> int:
        async with self.db.session() as s:
            poll = Poll(question=question[:300], actor_id=actor_id, created_at=at, closes_at=closes_at)
            s.add(poll)
            await s.flush()
            assert poll.id is not None
            s.add_all(
                PollOption(poll_id=poll.id, position=i, label=label[:100], feedback_id=item)
                for i, (label, item) in enumerate(options)
            )
            await s.commit()
            return poll.id

    async def get(self, poll_id: int) -> PollView | None:
        async with self.db.session() as s:
            poll = await s.get(Poll, poll_id)
            if poll is None:
                return None
            rows = await s.execute(
                select(PollOption).where(col(PollOption.poll_id) == poll_id).order_by(col(PollOption.position))
            )
            options = tuple(OptionView(o.position, o.label, o.feedback_id) for o in rows.scalars())
            return PollView(poll_id, poll.question, options, poll.status, poll.closes_at)

    async def posted(self, poll_id: int, platform: str, chat_id: str, thread_id: str | None,
                     message_id: str | None, native_id: str | None) -> None:  # fmt: skip
        async with self.db.session() as s:
            s.add(PollPost(poll_id=poll_id, platform=platform, chat_id=chat_id, thread_id=thread_id,
                           message_id=message_id, native_id=native_id))  # fmt: skip
            await s.commit()

    async def posts(self, poll_id: int) -> list[PostView]:
        async with self.db.session() as s:
            rows = await s.execute(select(PollPost).where(col(PollPost.poll_id) == poll_id).order_by(col(PollPost.id)))
            return [PostView(p.platform, p.chat_id, p.thread_id, p.message_id, p.native_id) for p in rows.scalars()]

    async def by_native(self, platform: str, native_id: str) -> int | None:
        """Our poll behind a platform's own poll id (Telegram's poll answers name only that)."""
        async with self.db.session() as s:
            found = await s.execute(
                select(col(PollPost.poll_id)).where(
                    col(PollPost.platform) == platform, col(PollPost.native_id) == native_id
                )
            )
            value = found.scalar()
            return int(value) if value is not None else None

    async def vote(self, poll_id: int, member_id: int, position: int | None, platform: str, at: datetime) -> bool:
        """Set (or with None take back) a member's one vote while the poll is open; False if it isn't."""
        async with self.db.session() as s:
            open_poll = (
                await s.execute(select(func.count()).where(col(Poll.id) == poll_id, col(Poll.status) == "open"))
            ).scalar_one()
            if not open_poll:
                return False
            mine = (col(PollVote.poll_id) == poll_id) & (col(PollVote.member_id) == member_id)
            if position is None:
                await s.execute(delete(PollVote).where(mine))
            else:
                upsert = insert_for(s, PollVote).values(
                    poll_id=poll_id, member_id=member_id, position=position, platform=platform, voted_at=at
                )
                await s.execute(
                    upsert.on_conflict_do_update(
                        index_elements=["poll_id", "member_id"],
                        set_={"position": position, "platform": platform, "voted_at": at},
                    )
                )
            await s.commit()
            return True

    async def tally(self, poll_id: int) -> dict[int, int]:
        """Votes per option position."""
        async with self.db.session() as s:
            rows = await s.execute(
                select(col(PollVote.position), func.count())
                .where(col(PollVote.poll_id) == poll_id)
                .group_by(col(PollVote.position))
            )
            return {int(p): int(n) for p, n in rows.all()}

    async def due(self, now: datetime) -> list[int]:
        async with self.db.session() as s:
            rows = await s.execute(
                select(col(Poll.id))
                .where(col(Poll.status) == "open", col(Poll.closes_at) <= now)
                .order_by(col(Poll.id))
            )
            return [int(i) for i in rows.scalars() if i is not None]

    async def close(self, poll_id: int, at: datetime) -> bool:
        """Close it; True for the one caller that did (it posts the results)."""
        async with self.db.session() as s:
            result = await s.execute(
                update(Poll)
                .where(col(Poll.id) == poll_id, col(Poll.status) == "open")
                .values(status="closed", closed_at=at)
            )
            await s.commit()
            return rowcount(result) == 1

    async def for_item(self, feedback_id: int) -> list[ItemResult]:
        """Every poll the item was an option of, newest first, with its votes of the total."""
        async with self.db.session() as s:
            options = (
                await s.execute(
                    select(col(PollOption.poll_id), col(PollOption.position), col(Poll.status))
                    .join(Poll, col(Poll.id) == col(PollOption.poll_id))
                    .where(col(PollOption.feedback_id) == feedback_id)
                    .order_by(col(PollOption.poll_id).desc())
                )
            ).all()
            out = []
            for poll_id, position, status in options:
                counts = dict(
                    (
                        await s.execute(
                            select(col(PollVote.position), func.count())
                            .where(col(PollVote.poll_id) == poll_id)
                            .group_by(col(PollVote.position))
                        )
                    ).all()
                )
                out.append(ItemResult(int(poll_id), int(counts.get(position, 0)), int(sum(counts.values())), status))
            return out
