"""Linking a fan's identities into one member (one balance, one vote) and splitting them back."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlmodel import col

from storage.feedback_tables import FeedbackFollower, FeedbackItem, FeedbackVote, MemberPreference
from storage.models import Identity
from storage.points_tables import Balance, GradeReached, IdentityLink, LedgerRow
from storage.poll_tables import PollVote
from storage.recognition_tables import GradeRoleSync
from storage.repositories.base import Repository
from storage.repositories.points import PointsRepo


class LinkRepo(Repository):
    async def merge(self, keep: int, merged: int, at: datetime) -> int:
        try:
            return await self._merge(keep, merged, at)
        finally:
            self.db.identity_cache.clear()  # identities now belong to another member

    async def _merge(self, keep: int, merged: int, at: datetime) -> int:
        """Move everything of member ``merged`` to ``keep`` in one transaction; returns identities moved.

        Votes and follows both members made on the same item count once; a vote on the
        kept member's own item is dropped (no self-votes); item vote counts are recomputed.
        """
        async with self.db.session() as s:
            identities = list((await s.execute(select(Identity).where(col(Identity.member_id) == merged))).scalars())
            for identity in identities:
                assert identity.id is not None
                s.add(IdentityLink(identity_id=identity.id, from_member_id=merged, into_member_id=keep, linked_at=at))
                identity.member_id = keep
            await s.execute(update(LedgerRow).where(col(LedgerRow.member_id) == merged).values(member_id=keep))
            own_items = select(col(FeedbackItem.id)).where(col(FeedbackItem.submitter_id).in_((keep, merged)))
            kept_votes = select(col(FeedbackVote.feedback_id)).where(col(FeedbackVote.member_id) == keep)
            touched = set(
                (
                    await s.execute(select(col(FeedbackVote.feedback_id)).where(col(FeedbackVote.member_id) == merged))
                ).scalars()
            )
            await s.execute(
                delete(FeedbackVote).where(
                    col(FeedbackVote.member_id) == merged,
                    col(FeedbackVote.feedback_id).in_(kept_votes) | col(FeedbackVote.feedback_id).in_(own_items),
                )
            )
            await s.execute(update(FeedbackVote).where(col(FeedbackVote.member_id) == merged).values(member_id=keep))
            kept_follows = select(col(FeedbackFollower.feedback_id)).where(col(FeedbackFollower.member_id) == keep)
            await s.execute(
                delete(FeedbackFollower).where(
                    col(FeedbackFollower.member_id) == merged, col(FeedbackFollower.feedback_id).in_(kept_follows)
                )
            )
            await s.execute(
                update(FeedbackFollower).where(col(FeedbackFollower.member_id) == merged).values(member_id=keep)
            )
            await s.execute(
                update(FeedbackItem).where(col(FeedbackItem.submitter_id) == merged).values(submitter_id=keep)
            )
            for item_id in touched:
                votes = select(func.count()).select_from(FeedbackVote).where(col(FeedbackVote.feedback_id) == item_id)
                await s.execute(
                    update(FeedbackItem).where(col(FeedbackItem.id) == item_id).values(votes=votes.scalar_subquery())
                )
            # one vote per poll: where both voted, the kept member's stands
            kept_polls = select(col(PollVote.poll_id)).where(col(PollVote.member_id) == keep)
            await s.execute(
                delete(PollVote).where(col(PollVote.member_id) == merged, col(PollVote.poll_id).in_(kept_polls))
            )
            await s.execute(update(PollVote).where(col(PollVote.member_id) == merged).values(member_id=keep))
            await s.execute(delete(GradeReached).where(col(GradeReached.member_id) == merged))
            await s.execute(delete(MemberPreference).where(col(MemberPreference.member_id) == merged))
            await s.execute(delete(Balance).where(col(Balance.member_id) == merged))
            await PointsRepo(self.db).recompute(s, keep)
            s.add(GradeRoleSync(member_id=keep, created_at=at))  # the merged identities take the grade
            await s.commit()
            return len(identities)

    async def unlink(self, platform: str, user_id: str, at: datetime) -> tuple[int, int] | None:
        try:
            return await self._unlink(platform, user_id, at)
        finally:
            self.db.identity_cache.clear()

    async def _unlink(self, platform: str, user_id: str, at: datetime) -> tuple[int, int] | None:
        """Move a linked identity back to the member it came from, with the points it earned
        before the link. Returns ``(from_member, back_to_member)`` or None if it was never linked."""
        async with self.db.session() as s:
            identity = (
                await s.execute(
                    select(Identity).where(col(Identity.platform) == platform, col(Identity.user_id) == user_id)
                )
            ).scalar_one_or_none()
            if identity is None or identity.id is None:
                return None
            link = (
                await s.execute(
                    select(IdentityLink)
                    .where(col(IdentityLink.identity_id) == identity.id, col(IdentityLink.unlinked_at).is_(None))
                    .order_by(col(IdentityLink.id).desc())
                    .limit(1)
                )
            ).scalar_one_or_none()
            if link is None:
                return None
            current, origin = identity.member_id, link.from_member_id
            identity.member_id = origin
            link.unlinked_at = at
            await s.execute(
                update(LedgerRow)
                .where(col(LedgerRow.member_id) == current, col(LedgerRow.origin_member_id) == origin)
                .values(member_id=origin)
            )
            repo = PointsRepo(self.db)
            await repo.recompute(s, current)
            await repo.recompute(s, origin)
            s.add_all(GradeRoleSync(member_id=m, created_at=at) for m in (current, origin))
            await s.commit()
            return current, origin
