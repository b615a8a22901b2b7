"""Read-only figures across capabilities, for the weekly community report."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import col

from storage.faq_tables import FaqPost, Question
from storage.feedback_tables import FeedbackChange, FeedbackItem
from storage.points_tables import LedgerRow
from storage.repositories.awards import AwardRepo, AwardView
from storage.repositories.base import Repository

#: the ledger's kinds that are contribution (chat, grants and revocations are not)
CONTRIBUTION = ("feedback", "vote_received", "shipped", "answer", "award", "invite")


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

    async def contributors(self, since: datetime, limit: int) -> list[tuple[int, int]]:
        """``(member_id, points)`` earned since ``since`` by contributing — ideas, bug reports, answers,
        votes on their ideas, ideas shipped, awards, friends brought — never chat or grants; most first."""
        async with self.db.session() as s:
            total = func.sum(LedgerRow.amount)
            rows = await s.execute(
                select(col(LedgerRow.member_id), total)
                .where(col(LedgerRow.created_at) >= since, col(LedgerRow.kind).in_(CONTRIBUTION))
                .group_by(col(LedgerRow.member_id))
                .having(total > 0)
                .order_by(total.desc(), col(LedgerRow.member_id))
                .limit(limit)
            )
            return [(int(m), int(t)) for m, t in rows.all()]

    async def awards(self, since: datetime) -> list[AwardView]:
        """The team's awards for feedback since ``since`` (``/award``), oldest first."""
        return await AwardRepo(self.db).since(since)

    async def helpers(self, since: datetime, limit: int) -> list[tuple[int, int, int, int]]:
        """Who helped most since ``since``: ``(member_id, accepted answers, bug reports confirmed,
        ideas shipped)``, most first — what fans did for others, never how much they chatted."""
        answers = (
            select(col(Question.answerer_member_id), func.count())
            .where(
                col(Question.status) == "answered",
                col(Question.answered_at) >= since,
                col(Question.answerer_member_id).is_not(None),
            )
            .group_by(col(Question.answerer_member_id))
        )
        bugs = (  # a report the team acknowledged (or planned, fixed...), not declined or merged away
            select(col(FeedbackItem.submitter_id), func.count())
            .where(
                col(FeedbackItem.kind) == "bug",
                col(FeedbackItem.acknowledged_at) >= since,
                col(FeedbackItem.status).not_in(("declined", "duplicate")),
            )
            .group_by(col(FeedbackItem.submitter_id))
        )
        shipped = (
            select(col(FeedbackItem.submitter_id), func.count())
            .where(
                col(FeedbackItem.kind) == "idea",
                col(FeedbackItem.status) == "shipped",
                col(FeedbackItem.decided_at) >= since,
            )
            .group_by(col(FeedbackItem.submitter_id))
        )
        counts: dict[int, list[int]] = {}
        async with self.db.session() as s:
            for column, query in enumerate((answers, bugs, shipped)):
                for member_id, n in (await s.execute(query)).all():
                    if member_id is not None:
                        counts.setdefault(int(member_id), [0, 0, 0])[column] = int(n)
        ranked = sorted(counts.items(), key=lambda kv: (-sum(kv[1]), kv[0]))[:limit]
        return [(member_id, a, b, c) for member_id, (a, b, c) in ranked]

    async def moments(self, since: datetime) -> dict[str, list[datetime]]:
        """When things happened since ``since`` (for the weekly charts): feedback received, items
        shipped, questions answered by the FAQ and by fans."""
        queries = {
            "received": select(col(FeedbackItem.created_at)).where(col(FeedbackItem.created_at) >= since),
            "shipped": select(col(FeedbackChange.at)).where(
                col(FeedbackChange.to_status) == "shipped", col(FeedbackChange.at) >= since
            ),
            "faq": select(col(FaqPost.posted_at)).where(col(FaqPost.posted_at) >= since),
            "fans": select(col(Question.answered_at)).where(
                col(Question.status) == "answered", col(Question.answered_at) >= since
            ),
        }
        async with self.db.session() as s:
            found = {name: list((await s.execute(q)).scalars()) for name, q in queries.items()}
            return {name: [at for at in times if at is not None] for name, times in found.items()}
