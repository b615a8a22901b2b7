"""The team's awards for feedback (``/award #N``): one per item."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import col

from storage.feedback_tables import FeedbackItem
from storage.recognition_tables import FeedbackAward
from storage.repositories.base import Repository, saved_once


@dataclass(frozen=True, slots=True)
class AwardView:
    feedback_id: int
    title: str
    member_id: int
    reason: str
    points: int
    created_at: datetime


class AwardRepo(Repository):
    async def create(
        self, feedback_id: int, member_id: int, actor_id: int, reason: str, points: int, at: datetime
    ) -> datetime | None:
        """Record the award; None when recorded, else when the item's award was given before (the
        item's uniqueness key decides, so two managers awarding at once give one award)."""
        async with self.db.session() as s:
            s.add(
                FeedbackAward(
                    feedback_id=feedback_id, member_id=member_id, actor_id=actor_id, reason=reason[:300],
                    points=points, created_at=at,
                )
            )  # fmt: skip
            if await saved_once(s):
                return None
            earlier = await s.execute(
                select(col(FeedbackAward.created_at)).where(col(FeedbackAward.feedback_id) == feedback_id)
            )
            return earlier.scalar_one()

    async def since(self, since: datetime) -> list[AwardView]:
        """The awards given since ``since``, oldest first (the weekly report)."""
        async with self.db.session() as s:
            rows = await s.execute(
                select(FeedbackAward, col(FeedbackItem.title))
                .join(FeedbackItem, col(FeedbackItem.id) == col(FeedbackAward.feedback_id))
                .where(col(FeedbackAward.created_at) >= since)
                .order_by(col(FeedbackAward.created_at))
            )
            return [
                AwardView(a.feedback_id, title, a.member_id, a.reason, a.points, a.created_at)
                for a, title in rows.all()
            ]
