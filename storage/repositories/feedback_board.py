"""The dashboard's reading of the feedback backlog: filtered, sorted, paginated pages of items,
and one item's history, voters and followers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlmodel import col

from storage.feedback_tables import FeedbackChange, FeedbackFollower, FeedbackItem, FeedbackVote
from storage.models import Member
from storage.repositories.base import Repository, icontains
from storage.repositories.feedback_views import ItemView, item_view

ORDERS = {
    "votes": (col(FeedbackItem.votes).desc(), col(FeedbackItem.id).desc()),
    "newest": (col(FeedbackItem.id).desc(),),
    "oldest": (col(FeedbackItem.id),),
    "waiting": (col(FeedbackItem.status_changed_at), col(FeedbackItem.id)),
}


@dataclass(frozen=True, slots=True)
class BoardFilter:
    statuses: Sequence[str] | None = None
    kind: str | None = None
    platform: str | None = None
    text: str | None = None
    order: str = "votes"


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: datetime
    from_status: str
    to_status: str
    version: str | None
    comment: str | None
    actor: str | None


class FeedbackBoard(Repository):
    async def page(self, f: BoardFilter, *, limit: int, offset: int) -> tuple[list[ItemView], int]:
        """One page of the items matching ``f``, and how many match in all."""
        where: list[ColumnElement[bool]] = []
        if f.statuses is not None:
            where.append(col(FeedbackItem.status).in_(f.statuses))
        if f.kind:
            where.append(col(FeedbackItem.kind) == f.kind)
        if f.platform:
            where.append(col(FeedbackItem.platform) == f.platform)
        if f.text:
            where.append(
                or_(
                    icontains(col(FeedbackItem.title), f.text),
                    icontains(col(FeedbackItem.text), f.text),
                )
            )
        query = select(FeedbackItem).where(*where).order_by(*ORDERS[f.order]).limit(limit).offset(offset)
        async with self.db.session() as s:
            total = int((await s.execute(select(func.count()).select_from(FeedbackItem).where(*where))).scalar_one())
            items = [item_view(i) for i in (await s.execute(query)).scalars()]
            return items, total

    async def platforms(self) -> list[str]:
        async with self.db.session() as s:
            return sorted((await s.execute(select(col(FeedbackItem.platform)).distinct())).scalars())

    async def history(self, feedback_id: int) -> list[HistoryEntry]:
        query = (
            select(FeedbackChange, col(Member.display_name))
            .outerjoin(Member, col(Member.id) == col(FeedbackChange.actor_id))
            .where(col(FeedbackChange.feedback_id) == feedback_id)
            .order_by(col(FeedbackChange.at), col(FeedbackChange.id))
        )
        async with self.db.session() as s:
            return [
                HistoryEntry(c.at, c.from_status, c.to_status, c.version, c.comment, name)
                for c, name in (await s.execute(query)).all()
            ]

    async def voters(self, feedback_id: int, limit: int = 30) -> list[str]:
        """The first ``limit`` voters' names, earliest first."""
        query = (
            select(col(Member.display_name))
            .join(FeedbackVote, col(FeedbackVote.member_id) == col(Member.id))
            .where(col(FeedbackVote.feedback_id) == feedback_id)
            .order_by(col(FeedbackVote.created_at), col(FeedbackVote.id))
            .limit(limit)
        )
        async with self.db.session() as s:
            return list((await s.execute(query)).scalars())

    async def follower_count(self, feedback_id: int) -> int:
        query = (
            select(func.count()).select_from(FeedbackFollower).where(col(FeedbackFollower.feedback_id) == feedback_id)
        )
        async with self.db.session() as s:
            return int((await s.execute(query)).scalar_one())
