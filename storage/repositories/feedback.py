"""Feedback items, votes, followers and status changes (with their notification rows)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.feedback_tables import (
    FeedbackChange,
    FeedbackFollower,
    FeedbackItem,
    FeedbackVote,
    MemberPreference,
    Notification,
)
from storage.models import Identity
from storage.repositories.base import Repository, is_unique_violation, rowcount

OPEN = ("new", "acknowledged", "planned", "in_progress")
DECIDED = ("shipped", "declined", "duplicate")


@dataclass(frozen=True, slots=True)
class ItemView:
    id: int
    kind: str
    title: str
    text: str
    status: str
    version: str | None
    status_note: str | None
    duplicate_of: int | None
    similar_to: int | None
    submitter_id: int
    platform: str
    chat_id: str
    thread_id: str | None
    votes: int
    created_at: datetime
    status_changed_at: datetime
    acknowledged_at: datetime | None
    decided_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


def _item(i: FeedbackItem) -> ItemView:
    assert i.id is not None
    return ItemView(
        i.id,
        i.kind,
        i.title,
        i.text,
        i.status,
        i.version,
        i.status_note,
        i.duplicate_of,
        i.similar_to,
        i.submitter_id,
        i.platform,
        i.chat_id,
        i.thread_id,
        i.votes,
        i.created_at,
        i.status_changed_at,
        i.acknowledged_at,
        i.decided_at,
    )


@dataclass(frozen=True, slots=True)
class NewItem:
    kind: str
    title: str
    text: str
    submitter_id: int
    logged_by_id: int | None
    platform: str
    chat_id: str
    thread_id: str | None
    message_id: str | None
    source_key: str
    similar_to: int | None = None


@dataclass(frozen=True, slots=True)
class ChangeView:
    id: int
    feedback_id: int
    at: datetime
    from_status: str
    to_status: str
    version: str | None
    comment: str | None


class VoteOutcome:
    ADDED = "added"
    ALREADY = "already"


class FeedbackRepo(Repository):
    # -- items --------------------------------------------------------------------
    async def create(self, new: NewItem, now: datetime) -> tuple[ItemView, bool]:
        """Store an item and make its submitter a follower, atomically.

        Returns ``(item, created)``; the same source message logged twice returns the
        first item with ``created=False`` (never two items for one message).
        """
        async with self.db.session() as s:
            item = FeedbackItem(
                kind=new.kind,
                title=new.title,
                text=new.text,
                submitter_id=new.submitter_id,
                logged_by_id=new.logged_by_id,
                platform=new.platform,
                chat_id=new.chat_id,
                thread_id=new.thread_id,
                message_id=new.message_id,
                source_key=new.source_key,
                similar_to=new.similar_to,
                created_at=now,
                status_changed_at=now,
            )
            s.add(item)
            try:
                await s.flush()
                assert item.id is not None
                s.add(
                    FeedbackFollower(
                        feedback_id=item.id,
                        member_id=new.submitter_id,
                        platform=new.platform,
                        chat_id=new.chat_id,
                        thread_id=new.thread_id,
                        created_at=now,
                    )
                )
                await s.commit()
                return _item(item), True
            except IntegrityError as exc:
                await s.rollback()
                if not is_unique_violation(exc):
                    raise
        existing = await self.by_source(new.source_key)
        assert existing is not None
        return existing, False

    async def get(self, feedback_id: int) -> ItemView | None:
        async with self.db.session() as s:
            item = await s.get(FeedbackItem, feedback_id)
            return _item(item) if item else None

    async def by_source(self, source_key: str) -> ItemView | None:
        async with self.db.session() as s:
            item = (
                await s.execute(select(FeedbackItem).where(col(FeedbackItem.source_key) == source_key))
            ).scalar_one_or_none()
            return _item(item) if item else None

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
            rows = (await s.execute(q.order_by(*ordering).limit(limit))).scalars()
            return [_item(i) for i in rows]

    async def count(self, *, since: datetime | None = None, statuses: Sequence[str] | None = None) -> int:
        q = select(func.count()).select_from(FeedbackItem)
        if since is not None:
            q = q.where(col(FeedbackItem.created_at) >= since)
        if statuses is not None:
            q = q.where(col(FeedbackItem.status).in_(statuses))
        async with self.db.session() as s:
            return int((await s.execute(q)).scalar_one())

    async def search_corpus(self, *, open_only: bool, limit: int = 5000) -> list[tuple[int, str, str]]:
        """(id, title, status) of the newest items, for similarity search."""
        q = select(col(FeedbackItem.id), col(FeedbackItem.text), col(FeedbackItem.status))
        if open_only:
            q = q.where(col(FeedbackItem.status).in_(OPEN))
        async with self.db.session() as s:
            rows = (await s.execute(q.order_by(col(FeedbackItem.id).desc()).limit(limit))).all()
            return [(int(r[0] or 0), str(r[1]), str(r[2])) for r in rows]

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

    # -- status -----------------------------------------------------------------------
    async def change_status(
        self,
        feedback_id: int,
        *,
        to_status: str,
        actor_id: int | None,
        now: datetime,
        version: str | None = None,
        comment: str | None = None,
        duplicate_of: int | None = None,
        notify: bool = True,
    ) -> ChangeView | None:
        """Change an item's status, record the change and queue its notifications, atomically.

        Returns None if the item vanished. Followers other than the actor get one
        notification row each (``notify=False`` skips them, e.g. a fan folding their own
        fresh item into an older one).
        """
        async with self.db.session() as s:
            item = (
                await s.execute(select(FeedbackItem).where(col(FeedbackItem.id) == feedback_id).with_for_update())
            ).scalar_one_or_none()
            if item is None:
                return None
            change = FeedbackChange(
                feedback_id=feedback_id,
                at=now,
                actor_id=actor_id,
                from_status=item.status,
                to_status=to_status,
                version=version,
                comment=comment,
            )
            s.add(change)
            item.status, item.status_changed_at = to_status, now
            item.version = version if to_status == "shipped" else item.version
            item.status_note = comment
            item.duplicate_of = duplicate_of if to_status == "duplicate" else None
            if item.acknowledged_at is None and to_status != "new":
                item.acknowledged_at = now
            item.decided_at = now if to_status in DECIDED else None
            await s.flush()
            assert change.id is not None
            if notify:
                await self._queue_notifications(s, change.id, feedback_id, actor_id)
            await s.commit()
            return ChangeView(change.id, feedback_id, now, change.from_status, to_status, version, comment)

    async def _queue_notifications(
        self, s: AsyncSession, change_id: int, feedback_id: int, actor_id: int | None
    ) -> None:
        followers = (
            await s.execute(
                select(FeedbackFollower, Identity, MemberPreference)
                .join(
                    Identity,
                    (col(Identity.member_id) == col(FeedbackFollower.member_id))
                    & (col(Identity.platform) == col(FeedbackFollower.platform)),
                )
                .outerjoin(MemberPreference, col(MemberPreference.member_id) == col(FeedbackFollower.member_id))
                .where(col(FeedbackFollower.feedback_id) == feedback_id)
                .order_by(col(FeedbackFollower.id), col(Identity.id))
            )
        ).all()
        seen: set[int] = set()
        for follower, identity, pref in followers:
            member_id = follower.member_id
            if member_id == actor_id or member_id in seen:
                continue
            seen.add(member_id)
            choice = pref.notify if pref is not None else "chat"
            if choice == "off":
                continue
            s.add(
                Notification(
                    change_id=change_id,
                    member_id=member_id,
                    channel="dm" if choice == "dm" else "chat",
                    platform=follower.platform,
                    chat_id=follower.chat_id,
                    thread_id=follower.thread_id,
                    user_id=identity.user_id,
                    display_name=identity.display_name,
                )
            )

    async def change(self, change_id: int) -> ChangeView | None:
        async with self.db.session() as s:
            c = await s.get(FeedbackChange, change_id)
            if c is None or c.id is None:
                return None
            return ChangeView(c.id, c.feedback_id, c.at, c.from_status, c.to_status, c.version, c.comment)

    async def merge(self, from_id: int, into_id: int) -> int:
        """Move FROM's votes and followers to INTO (one per member); returns votes moved.

        The caller then marks FROM a duplicate with :meth:`change_status`.
        """
        async with self.db.session() as s:
            into = (
                await s.execute(select(FeedbackItem).where(col(FeedbackItem.id) == into_id).with_for_update())
            ).scalar_one()
            have = set(
                (await s.execute(select(col(FeedbackVote.member_id)).where(col(FeedbackVote.feedback_id) == into_id)))
                .scalars()
                .all()
            )
            have.add(into.submitter_id)
            moved = 0
            for vote in (
                await s.execute(select(FeedbackVote).where(col(FeedbackVote.feedback_id) == from_id))
            ).scalars():
                if vote.member_id not in have:
                    s.add(FeedbackVote(feedback_id=into_id, member_id=vote.member_id, created_at=vote.created_at))
                    have.add(vote.member_id)
                    moved += 1
            from_item = await s.get(FeedbackItem, from_id)
            assert from_item is not None
            if from_item.submitter_id not in have:  # the duplicate's author backs the idea too
                s.add(
                    FeedbackVote(feedback_id=into_id, member_id=from_item.submitter_id, created_at=from_item.created_at)
                )
                moved += 1
            following = set(
                (
                    await s.execute(
                        select(col(FeedbackFollower.member_id)).where(col(FeedbackFollower.feedback_id) == into_id)
                    )
                )
                .scalars()
                .all()
            )
            for f in (
                await s.execute(select(FeedbackFollower).where(col(FeedbackFollower.feedback_id) == from_id))
            ).scalars():
                if f.member_id not in following:
                    s.add(
                        FeedbackFollower(
                            feedback_id=into_id,
                            member_id=f.member_id,
                            platform=f.platform,
                            chat_id=f.chat_id,
                            thread_id=f.thread_id,
                            created_at=f.created_at,
                        )
                    )
                    following.add(f.member_id)
            await s.flush()
            into.votes = int(
                (
                    await s.execute(
                        select(func.count()).select_from(FeedbackVote).where(col(FeedbackVote.feedback_id) == into_id)
                    )
                ).scalar_one()
            )
            await s.commit()
            return moved

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
