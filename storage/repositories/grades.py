"""The grade queues: platform roles to bring in step with members' grades, grade-up news to announce."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import col

from storage.models import Identity
from storage.points_tables import Balance
from storage.recognition_tables import GradeNews, GradeRoleSync
from storage.repositories.base import Repository, claim_rows, settle_rows


@dataclass(frozen=True, slots=True)
class NewsView:
    id: int
    member_id: int
    grade: str
    platform: str | None
    chat_id: str | None
    created_at: datetime


class GradeRepo(Repository):
    # -- platform roles ----------------------------------------------------------------------------
    async def claim_syncs(self, owner: str, now: datetime, lease: timedelta, limit: int = 200) -> dict[int, list[int]]:
        """Take pending role syncs: ``{member_id: [row ids]}`` (several changes of one member are
        one sync: their current grade is what the platforms get)."""
        async with self.db.session() as s:
            rows = await claim_rows(s, GradeRoleSync, owner=owner, now=now, lease=lease, limit=limit)
        members: dict[int, list[int]] = {}
        for r in rows:
            members.setdefault(r.member_id, []).append(r.id)
        return members

    async def mark_syncs(self, ids: Sequence[int], status: str, error: str | None = None) -> None:
        async with self.db.session() as s:
            await settle_rows(s, GradeRoleSync, ids, status, error)

    async def graded(self, platform: str, min_balance: int) -> dict[str, int]:
        """``{user_id: balance}`` of every identity on ``platform`` whose member has at least
        ``min_balance`` points (the start-up check of who should hold a grade role)."""
        async with self.db.session() as s:
            rows = await s.execute(
                select(col(Identity.user_id), col(Balance.balance))
                .join(Balance, col(Balance.member_id) == col(Identity.member_id))
                .where(col(Identity.platform) == platform, col(Balance.balance) >= min_balance)
            )
            return {str(u): int(b) for u, b in rows.all()}

    async def balances_of(self, platform: str, user_ids: Sequence[str]) -> dict[str, int]:
        """``{user_id: balance}`` of these identities on ``platform`` (0 for members with no points)."""
        if not user_ids:
            return {}
        async with self.db.session() as s:
            rows = await s.execute(
                select(col(Identity.user_id), func.coalesce(col(Balance.balance), 0))
                .outerjoin(Balance, col(Balance.member_id) == col(Identity.member_id))
                .where(col(Identity.platform) == platform, col(Identity.user_id).in_(list(user_ids)))
            )
            return {str(u): int(b) for u, b in rows.all()}

    # -- grade-up news -----------------------------------------------------------------------------
    async def pending_news(self, limit: int = 500) -> list[NewsView]:
        async with self.db.session() as s:
            rows = await s.execute(
                select(GradeNews).where(col(GradeNews.status) == "pending").order_by(col(GradeNews.id)).limit(limit)
            )
            return [_news(r) for r in rows.scalars()]

    async def claim_news(self, owner: str, now: datetime, lease: timedelta, ids: Sequence[int]) -> list[NewsView]:
        """Take these news rows (and any a crashed worker left 'sending' past ``lease``)."""
        async with self.db.session() as s:
            rows = await claim_rows(
                s, GradeNews, owner=owner, now=now, lease=lease, limit=len(ids) + 100,
                where=[col(GradeNews.id).in_(list(ids)) | (col(GradeNews.status) == "sending")],
            )  # fmt: skip
            return [_news(r) for r in rows]

    async def mark_news(self, ids: Sequence[int], status: str, error: str | None = None) -> None:
        async with self.db.session() as s:
            await settle_rows(s, GradeNews, ids, status, error)

    async def backlog(self) -> tuple[int, int]:
        """How many role syncs and grade-up announcements are waiting (for /status and health)."""
        async with self.db.session() as s:
            syncs = await s.execute(
                select(func.count()).select_from(GradeRoleSync).where(col(GradeRoleSync.status) == "pending")
            )
            news = await s.execute(
                select(func.count()).select_from(GradeNews).where(col(GradeNews.status) == "pending")
            )
            return int(syncs.scalar_one()), int(news.scalar_one())


def _news(r: GradeNews) -> NewsView:
    return NewsView(r.id or 0, r.member_id, r.grade, r.platform, r.chat_id, r.created_at)
