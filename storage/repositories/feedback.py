"""Feedback items, votes, followers and status changes (with their notification rows)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.feedback_tables import (
    FeedbackFollower,
    FeedbackItem,
    FeedbackOffer,
    FeedbackVote,
    MemberPreference,
)
from storage.models import Identity
from storage.repositories.base import insert_for, is_unique_violation, rowcount
from storage.repositories.feedback_changes import FeedbackChanges
from storage.repositories.feedback_views import (
    DECIDED,
    OPEN,
    ChangeView,
    ItemView,
    NewItem,
    VoteOutcome,
    item_view,
)

_ITEMS: Table = FeedbackItem.__table__  # type: ignore[attr-defined]
_FOLLOWERS: Table = FeedbackFollower.__table__  # type: ignore[attr-defined]
_OFFERS: Table = FeedbackOffer.__table__  # type: ignore[attr-defined]

__all__ = ["DECIDED", "OPEN", "ChangeView", "FeedbackRepo", "ItemView", "NewItem", "VoteOutcome"]


class FeedbackRepo(FeedbackChanges):
    """Feedback items, votes and followers; status changes and merges come from FeedbackChanges."""

    # -- items --------------------------------------------------------------------
    async def create(self, new: NewItem, now: datetime) -> tuple[ItemView, bool]:
        """Store an item, make its submitter a follower and mark the offer to log its message
        (if the bot made one) as taken up, atomically.

        Returns ``(item, created)``; the same source message logged twice returns the
        first item with ``created=False`` (never two items for one message).
        """
        values = {
            "kind": new.kind,
            "title": new.title,
            "text": new.text,
            "submitter_id": new.submitter_id,
            "logged_by_id": new.logged_by_id,
            "platform": new.platform,
            "chat_id": new.chat_id,
            "thread_id": new.thread_id,
            "message_id": new.message_id,
            "source_key": new.source_key,
            "similar_to": new.similar_to,
            "cohort_id": new.cohort_id,
            "status": "new",
            "votes": 0,
            "created_at": now,
            "status_changed_at": now,
        }

        # Core statements in the group commit (the events in flight share one transaction), not
        # the ORM's unit of work in a session of its own: a /idea is on the hot path. The item
        # comes back whole from its INSERT; none when the message is logged already.
        async def write(s: AsyncSession) -> Any:
            item = (
                await s.execute(
                    insert_for(s, _ITEMS)
                    .values(values)
                    .on_conflict_do_nothing(index_elements=["source_key"])
                    .returning(*_ITEMS.c)
                )
            ).one_or_none()
            if item is None:
                return None
            await s.execute(
                insert(_FOLLOWERS).values(
                    feedback_id=item.id,
                    member_id=new.submitter_id,
                    platform=new.platform,
                    chat_id=new.chat_id,
                    thread_id=new.thread_id,
                    created_at=now,
                )
            )
            await s.execute(update(_OFFERS).where(_OFFERS.c.source_key == new.source_key).values(feedback_id=item.id))
            return item

        item = await self.db.group.run(write)
        if item is not None:
            return item_view(item), True
        existing = await self.by_source(new.source_key)
        assert existing is not None
        return existing, False

    async def get(self, feedback_id: int) -> ItemView | None:
        async with self.db.session() as s:
            item = await s.get(FeedbackItem, feedback_id)
            return item_view(item) if item else None

    async def many(self, feedback_ids: Sequence[int]) -> dict[int, ItemView]:
        """The items that exist among ``feedback_ids``, in one query."""
        if not feedback_ids:
            return {}
        async with self.db.session() as s:
            rows = await s.execute(select(FeedbackItem).where(col(FeedbackItem.id).in_(set(feedback_ids))))
            return {i.id: item_view(i) for i in rows.scalars() if i.id is not None}

    async def by_source(self, source_key: str) -> ItemView | None:
        async with self.db.session() as s:
            item = (
                await s.execute(select(FeedbackItem).where(col(FeedbackItem.source_key) == source_key))
            ).scalar_one_or_none()
            return item_view(item) if item else None

    async def query(
        self,
        *,
        statuses: Sequence[str] | None = None,
        submitter_id: int | None = None,
        since: datetime | None = None,
        changed_before: datetime | None = None,
        order: str = "newest",
        limit: int = 10,
    ) -> list[ItemView]:
        q = select(FeedbackItem)
        if statuses is not None:
            q = q.where(col(FeedbackItem.status).in_(statuses))
        if submitter_id is not None:
            q = q.where(col(FeedbackItem.submitter_id) == submitter_id)
        if since is not None:
            q = q.where(col(FeedbackItem.created_at) >= since)
        if changed_before is not None:
            q = q.where(col(FeedbackItem.status_changed_at) < changed_before)
        ordering = {
            "newest": (col(FeedbackItem.id).desc(),),
            "oldest": (col(FeedbackItem.created_at), col(FeedbackItem.id)),
            "stalest": (col(FeedbackItem.status_changed_at), col(FeedbackItem.id)),
            "votes": (col(FeedbackItem.votes).desc(), col(FeedbackItem.id)),
        }[order]
        async with self.db.session() as s:
            if order == "votes" and statuses is not None and len(statuses) > 1:
                # most votes among several statuses: each status's best from the (status, votes)
                # index, merged here — one ORDER BY over all of them sorted every open item
                found: list[FeedbackItem] = []
                for status in statuses:
                    one = q.where(col(FeedbackItem.status) == status).order_by(*ordering).limit(limit)
                    found += (await s.execute(one)).scalars()
                found.sort(key=lambda i: (-i.votes, i.id or 0))
                return [item_view(i) for i in found[:limit]]
            rows = (await s.execute(q.order_by(*ordering).limit(limit))).scalars()
            return [item_view(i) for i in rows]

    async def count(
        self,
        *,
        since: datetime | None = None,
        statuses: Sequence[str] | None = None,
        changed_before: datetime | None = None,
    ) -> int:
        q = select(func.count()).select_from(FeedbackItem)
        if since is not None:
            q = q.where(col(FeedbackItem.created_at) >= since)
        if statuses is not None:
            q = q.where(col(FeedbackItem.status).in_(statuses))
        if changed_before is not None:
            q = q.where(col(FeedbackItem.status_changed_at) < changed_before)
        async with self.db.session() as s:
            return int((await s.execute(q)).scalar_one())

    async def acknowledgements(self, since: datetime) -> list[tuple[datetime, datetime | None]]:
        """``(created_at, acknowledged_at)`` of every item received since then — two columns, no cap."""
        q = select(col(FeedbackItem.created_at), col(FeedbackItem.acknowledged_at)).where(
            col(FeedbackItem.created_at) >= since
        )
        async with self.db.session() as s:
            return [(c, a) for c, a in (await s.execute(q)).all()]

    async def search_corpus(self, *, open_only: bool, after_id: int = 0) -> list[tuple[int, str]]:
        """(id, text) of the items past ``after_id`` (only open ones with ``open_only``), oldest
        first: the order a text index takes them in."""
        q = select(col(FeedbackItem.id), col(FeedbackItem.text), col(FeedbackItem.status))
        if after_id:  # the few items since: a primary-key range, statuses checked here (a status
            # filter in SQL made SQLite walk every open item through the status index, then sort)
            q = q.where(col(FeedbackItem.id) > after_id)
        elif open_only:
            q = q.where(col(FeedbackItem.status).in_(OPEN))
        async with self.db.session() as s:
            rows = (await s.execute(q.order_by(col(FeedbackItem.id)))).all()
        return [(int(r[0] or 0), str(r[1])) for r in rows if not open_only or r[2] in OPEN]

    # -- votes and followers --------------------------------------------------------
    async def vote(
        self,
        feedback_id: int,
        member_id: int,
        *,
        platform: str,
        chat_id: str,
        thread_id: str | None,
        now: datetime,
    ) -> str:
        async with self.db.session() as s:
            s.add(FeedbackVote(feedback_id=feedback_id, member_id=member_id, created_at=now))
            try:
                await s.flush()
            except IntegrityError as exc:
                await s.rollback()
                if not is_unique_violation(exc):
                    raise
                return VoteOutcome.ALREADY
            await s.execute(
                update(FeedbackItem)
                .where(col(FeedbackItem.id) == feedback_id)
                .values(votes=col(FeedbackItem.votes) + 1)
            )
            await self._follow(s, feedback_id, member_id, platform, chat_id, thread_id, now)
            await s.commit()
            return VoteOutcome.ADDED

    async def unvote(self, feedback_id: int, member_id: int) -> bool:
        async with self.db.session() as s:
            removed = await s.execute(
                delete(FeedbackVote).where(
                    col(FeedbackVote.feedback_id) == feedback_id, col(FeedbackVote.member_id) == member_id
                )
            )
            if not rowcount(removed):
                return False
            await s.execute(
                update(FeedbackItem)
                .where(col(FeedbackItem.id) == feedback_id)
                .values(votes=col(FeedbackItem.votes) - 1)
            )
            await s.execute(
                delete(FeedbackFollower).where(
                    col(FeedbackFollower.feedback_id) == feedback_id,
                    col(FeedbackFollower.member_id) == member_id,
                )
            )
            await s.commit()
            return True

    async def has_voted(self, feedback_id: int, member_id: int) -> bool:
        async with self.db.session() as s:
            found = await s.execute(
                select(col(FeedbackVote.id)).where(
                    col(FeedbackVote.feedback_id) == feedback_id, col(FeedbackVote.member_id) == member_id
                )
            )
            return found.first() is not None

    async def followers(self, feedback_id: int) -> list[int]:
        async with self.db.session() as s:
            rows = await s.execute(
                select(col(FeedbackFollower.member_id))
                .where(col(FeedbackFollower.feedback_id) == feedback_id)
                .order_by(col(FeedbackFollower.id))
            )
            return [int(r) for r in rows.scalars() if r is not None]

    async def _follow(
        self,
        s: AsyncSession,
        feedback_id: int,
        member_id: int,
        platform: str,
        chat_id: str,
        thread_id: str | None,
        now: datetime,
    ) -> None:
        exists = await s.execute(
            select(col(FeedbackFollower.id)).where(
                col(FeedbackFollower.feedback_id) == feedback_id, col(FeedbackFollower.member_id) == member_id
            )
        )
        if exists.first() is None:
            s.add(
                FeedbackFollower(
                    feedback_id=feedback_id,
                    member_id=member_id,
                    platform=platform,
                    chat_id=chat_id,
                    thread_id=thread_id,
                    created_at=now,
                )
            )

    async def export(self, since: datetime | None = None) -> list[dict[str, object]]:
        """Every item with its submitter's display name, oldest first (for the product team)."""
        q = (
            select(FeedbackItem, col(Identity.display_name))
            .outerjoin(Identity, col(Identity.member_id) == col(FeedbackItem.submitter_id))
            .order_by(col(FeedbackItem.id), col(Identity.id))
        )
        if since is not None:
            q = q.where(col(FeedbackItem.created_at) >= since)
        async with self.db.session() as s:
            rows = (await s.execute(q)).all()
        out: dict[int, dict[str, object]] = {}
        for item, name in rows:
            if item.id is None or item.id in out:
                continue
            out[item.id] = {
                "number": item.id,
                "kind": item.kind,
                "status": item.status,
                "version": item.version,
                "title": item.title,
                "text": item.text,
                "votes": item.votes,
                "submitter": name,
                "platform": item.platform,
                "duplicate_of": item.duplicate_of,
                "note": item.status_note,
                "created_at": item.created_at.isoformat(),
                "acknowledged_at": item.acknowledged_at.isoformat() if item.acknowledged_at else None,
                "decided_at": item.decided_at.isoformat() if item.decided_at else None,
            }
        return list(out.values())

    # -- preferences ------------------------------------------------------------------
    async def set_notify(self, member_id: int, choice: str) -> None:
        async with self.db.session() as s:
            pref = await s.get(MemberPreference, member_id)
            if pref is None:
                s.add(MemberPreference(member_id=member_id, notify=choice))
            else:
                pref.notify = choice
            try:
                await s.commit()
            except IntegrityError:
                await s.rollback()
                await s.execute(
                    update(MemberPreference).where(col(MemberPreference.member_id) == member_id).values(notify=choice)
                )
                await s.commit()

    async def get_notify(self, member_id: int) -> str:
        async with self.db.session() as s:
            pref = await s.get(MemberPreference, member_id)
            return pref.notify if pref else "chat"
