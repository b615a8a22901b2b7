"""Read-only figures across capabilities, for the weekly community report."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import col

from storage.faq_tables import FaqPost, Question
from storage.feedback_tables import FeedbackChange
from storage.points_tables import LedgerRow
from storage.repositories.base import Repository


class StatsRepo(Repository):
    async def shipped_since(self, since: datetime) -> int:
        async with self.db.session() as s:
            q = select(func.count(func.distinct(FeedbackChange.feedback_id))).where(
                col(FeedbackChange.to_status) == "shipped", col(FeedbackChange.at) >= since
            )
            return int((await s.execute(q)).scalar_one())

    async def answers_since(self, since: datetime) -> tuple[int, int]:
        """(answered by the FAQ, answered by fans) since ``since``."""
        async with self.db.session() as s:
            faq = (
                await s.execute(select(func.count()).select_from(FaqPost).where(col(FaqPost.posted_at) >= since))
            ).scalar_one()
            fans = (
                await s.execute(
                    select(func.count())
                    .select_from(Question)
                    .where(col(Question.status) == "answered", col(Question.answered_at) >= since)
                )
            ).scalar_one()
            return int(faq), int(fans)

    async def top_contributors(self, since: datetime, kinds: Sequence[str], limit: int) -> list[tuple[int, int]]:
        total = func.sum(LedgerRow.amount).label("total")
        async with self.db.session() as s:
            rows = await s.execute(
                select(col(LedgerRow.member_id), total)
                .where(col(LedgerRow.created_at) >= since, col(LedgerRow.kind).in_(kinds), col(LedgerRow.amount) > 0)
                .group_by(col(LedgerRow.member_id))
                .order_by(total.desc(), col(LedgerRow.member_id))
                .limit(limit)
            )
            return [(int(r[0]), int(r[1])) for r in rows.all()]
