"""Status changes of feedback items (with their notification rows) and merges."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.feedback_tables import (
    FeedbackChange,
    FeedbackFollower,
    FeedbackItem,
    FeedbackMerge,
    FeedbackMergeMember,
    FeedbackVote,
    MemberPreference,
    Notification,
)
from storage.models import Identity
from storage.repositories.base import Repository
from storage.repositories.feedback_views import DECIDED, ChangeView


@dataclass(frozen=True, slots=True)
class MergeUndone:
    from_id: int
    into_id: int
    #: the status the merged item had before (what it goes back to)
    from_status: str
    votes_taken_back: int


class FeedbackChanges(Repository):
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

    async def merge(self, from_id: int, into_id: int, now: datetime) -> int:
        """Move FROM's votes and followers to INTO (one per member); returns votes moved. What was
        added to INTO is recorded (``feedback_merges``) so :meth:`undo_merge` can take it back.

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
            existing = set(have)  # what INTO had: an undo leaves these
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
            record = FeedbackMerge(from_id=from_id, into_id=into_id, from_status=from_item.status, merged_at=now)
            s.add(record)
            await s.flush()
            assert record.id is not None
            if from_item.submitter_id not in have:  # the duplicate's author backs the idea too
                s.add(
                    FeedbackVote(feedback_id=into_id, member_id=from_item.submitter_id, created_at=from_item.created_at)
                )
                have.add(from_item.submitter_id)
                moved += 1
            for member_id in have - existing:
                s.add(FeedbackMergeMember(merge_id=record.id, member_id=member_id, what="vote"))
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
                    s.add(FeedbackMergeMember(merge_id=record.id, member_id=f.member_id, what="follow"))
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

    async def undo_merge(self, from_id: int, now: datetime) -> MergeUndone | None:
        """Take back what the latest merge of FROM added to the item it went into (the votes and
        follows it copied there; FROM kept its own all along). None: FROM is not merged."""
        async with self.db.session() as s:
            record = (
                await s.execute(
                    select(FeedbackMerge)
                    .where(col(FeedbackMerge.from_id) == from_id, col(FeedbackMerge.undone_at).is_(None))
                    .order_by(col(FeedbackMerge.id).desc())
                    .limit(1)
                    .with_for_update()
                )
            ).scalar_one_or_none()
            if record is None:
                return None
            added = (
                (await s.execute(select(FeedbackMergeMember).where(col(FeedbackMergeMember.merge_id) == record.id)))
                .scalars()
                .all()
            )
            votes = [a.member_id for a in added if a.what == "vote"]
            follows = [a.member_id for a in added if a.what == "follow"]
            into_id = record.into_id
            if votes:
                await s.execute(
                    delete(FeedbackVote).where(
                        col(FeedbackVote.feedback_id) == into_id, col(FeedbackVote.member_id).in_(votes)
                    )
                )
            if follows:
                await s.execute(
                    delete(FeedbackFollower).where(
                        col(FeedbackFollower.feedback_id) == into_id, col(FeedbackFollower.member_id).in_(follows)
                    )
                )
            count = select(func.count()).select_from(FeedbackVote).where(col(FeedbackVote.feedback_id) == into_id)
            await s.execute(
                update(FeedbackItem).where(col(FeedbackItem.id) == into_id).values(votes=count.scalar_subquery())
            )
            record.undone_at = now
            await s.commit()
            return MergeUndone(from_id, into_id, record.from_status, len(votes))
