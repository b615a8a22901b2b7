"""The beta programme: cohorts of fans invited to test, their answers, the waitlist that refills them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlmodel import col

from storage.models import Identity
from storage.points_tables import Balance, BetaCohort, BetaMember
from storage.repositories.base import Repository, rowcount

#: the statuses that hold a fan's place in an open cohort (they can't be picked for another)
ACTIVE = ("invited", "accepted", "waitlisted")
#: the statuses that fill one of a cohort's places
PLACED = ("invited", "accepted")


@dataclass(frozen=True, slots=True)
class CohortView:
    id: int
    created_at: datetime
    size: int
    min_grade: str | None
    status: str
    platform: str | None
    chat_id: str | None
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PlaceView:
    member_id: int
    status: str
    respond_by: datetime | None
    answered_at: datetime | None


class BetaRepo(Repository):
    async def candidates(self, min_balance: int, active_since: datetime, limit: int) -> list[int]:
        """The highest-ranked members with at least ``min_balance`` points, active since
        ``active_since``, who hold no place in an open cohort — best first."""
        active = select(col(Identity.member_id)).where(col(Identity.last_seen) >= active_since)
        taken = (
            select(col(BetaMember.member_id))
            .join(BetaCohort, col(BetaCohort.id) == col(BetaMember.cohort_id))
            .where(col(BetaCohort.status) == "open", col(BetaMember.status).in_(ACTIVE))
        )
        async with self.db.session() as s:
            rows = await s.execute(
                select(col(Balance.member_id))
                .where(
                    col(Balance.balance) >= min_balance,
                    col(Balance.member_id).in_(active),
                    col(Balance.member_id).not_in(taken),
                )
                .order_by(col(Balance.balance).desc(), col(Balance.member_id))
                .limit(limit)
            )
            return [int(m) for m in rows.scalars()]

    async def create(
        self,
        invited: Sequence[int],
        waitlist: Sequence[int],
        *,
        actor_id: int,
        min_grade: str | None,
        at: datetime,
        respond_by: datetime,
        platform: str | None,
        chat_id: str | None,
    ) -> int:
        async with self.db.session() as s:
            cohort = BetaCohort(
                created_at=at, actor_id=actor_id, size=len(invited), min_grade=min_grade,
                platform=platform, chat_id=chat_id,
            )  # fmt: skip
            s.add(cohort)
            await s.flush()
            assert cohort.id is not None
            for position, member_id in enumerate([*invited, *waitlist]):
                first = position < len(invited)
                s.add(
                    BetaMember(
                        cohort_id=cohort.id,
                        member_id=member_id,
                        position=position,
                        status="invited" if first else "waitlisted",
                        invited_at=at if first else None,
                        respond_by=respond_by if first else None,
                    )
                )
            await s.commit()
            return cohort.id

    async def _update_place(self, cohort_id: int, member_id: int, only_if: Any, **values: Any) -> bool:
        """Change a member's place in a cohort when ``only_if`` holds for it; whether it did (the
        condition is checked by the UPDATE itself, so two callers never both succeed)."""
        async with self.db.session() as s:
            result = await s.execute(
                update(BetaMember)
                .where(col(BetaMember.cohort_id) == cohort_id, col(BetaMember.member_id) == member_id, only_if)
                .values(**values)
            )
            await s.commit()
            return rowcount(result) == 1

    async def claim_invitation(self, cohort_id: int, member_id: int, now: datetime, until: datetime) -> datetime | None:
        """Claim sending a place's invitation until ``until``; returns its answer-by time, or None when
        it is not to be sent (sent already, being sent by another process, answered or expired). A
        claim that ran out without :meth:`mark_notified` (a crash mid-send) can be taken again."""
        async with self.db.session() as s:
            result = await s.execute(
                update(BetaMember)
                .where(col(BetaMember.cohort_id) == cohort_id, col(BetaMember.member_id) == member_id, _unsent(now))
                .values(notify_until=until)
                .returning(col(BetaMember.respond_by))
            )
            respond_by = result.scalar_one_or_none()
            await s.commit()
            return respond_by

    async def mark_notified(self, cohort_id: int, member_ids: Sequence[int], at: datetime) -> None:
        """These places' invitations went out (or can't go anywhere): never sent again."""
        if not member_ids:
            return
        async with self.db.session() as s:
            await s.execute(
                update(BetaMember)
                .where(col(BetaMember.cohort_id) == cohort_id, col(BetaMember.member_id).in_(list(member_ids)))
                .values(notified_at=at, notify_until=None)
            )
            await s.commit()

    async def unsent(self, now: datetime) -> dict[int, list[int]]:
        """Open invitations in open cohorts whose message never went out and nobody is sending now
        (a process stopped mid-send): cohort -> members, in pick order."""
        async with self.db.session() as s:
            rows = await s.execute(
                select(col(BetaMember.cohort_id), col(BetaMember.member_id))
                .join(BetaCohort, col(BetaCohort.id) == col(BetaMember.cohort_id))
                .where(col(BetaCohort.status) == "open", _unsent(now))
                .order_by(col(BetaMember.cohort_id), col(BetaMember.position))
            )
            out: dict[int, list[int]] = {}
            for cohort_id, member_id in rows.all():
                out.setdefault(int(cohort_id), []).append(int(member_id))
            return out

    async def get(self, cohort_id: int) -> CohortView | None:
        found = await self.cohorts(ids=[cohort_id])
        return found[0] if found else None

    async def cohorts(self, *, ids: Sequence[int] | None = None, open_only: bool = False) -> list[CohortView]:
        """Cohorts newest first, each with how many places are in each status."""
        query = select(BetaCohort).order_by(col(BetaCohort.id).desc())
        if ids is not None:
            query = query.where(col(BetaCohort.id).in_(list(ids)))
        if open_only:
            query = query.where(col(BetaCohort.status) == "open")
        async with self.db.session() as s:
            cohorts = list((await s.execute(query.limit(50))).scalars())
            counts: dict[int, Counter[str]] = {c.id or 0: Counter() for c in cohorts}
            rows = await s.execute(
                select(col(BetaMember.cohort_id), col(BetaMember.status), func.count())
                .where(col(BetaMember.cohort_id).in_(list(counts)))
                .group_by(col(BetaMember.cohort_id), col(BetaMember.status))
            )
            for cohort_id, status, n in rows.all():
                counts[int(cohort_id)][str(status)] = int(n)
        return [
            CohortView(
                c.id or 0, c.created_at, c.size, c.min_grade, c.status, c.platform, c.chat_id, dict(counts[c.id or 0])
            )
            for c in cohorts
        ]

    async def places(self, cohort_id: int) -> list[PlaceView]:
        async with self.db.session() as s:
            rows = await s.execute(
                select(BetaMember).where(col(BetaMember.cohort_id) == cohort_id).order_by(col(BetaMember.position))
            )
            return [PlaceView(r.member_id, r.status, r.respond_by, r.answered_at) for r in rows.scalars()]

    async def answer(self, cohort_id: int, member_id: int, status: str, at: datetime) -> str | None:
        """A fan accepts or declines (``status``) an invitation still open in an open cohort. Returns
        None when it was taken, else what the place is now (answered before, expired, removed...)."""
        open_cohort = select(col(BetaCohort.id)).where(col(BetaCohort.status) == "open")
        invited = and_(
            col(BetaMember.status) == "invited",
            col(BetaMember.cohort_id).in_(open_cohort),
            (col(BetaMember.respond_by).is_(None)) | (col(BetaMember.respond_by) > at),
        )
        if await self._update_place(cohort_id, member_id, invited, status=status, answered_at=at):
            return None
        async with self.db.session() as s:
            place = (
                await s.execute(
                    select(col(BetaMember.status), col(BetaCohort.status))
                    .join(BetaCohort, col(BetaCohort.id) == col(BetaMember.cohort_id))
                    .where(col(BetaMember.cohort_id) == cohort_id, col(BetaMember.member_id) == member_id)
                )
            ).first()
            if place is None:
                return "none"
            if place[1] != "open":
                return "closed"
            return "expired" if place[0] == "invited" else str(place[0])

    async def expire(self, now: datetime) -> list[int]:
        """Invitations past their answer-by time become 'expired'; returns the cohorts touched."""
        async with self.db.session() as s:
            overdue = (
                await s.execute(
                    select(col(BetaMember.id), col(BetaMember.cohort_id)).where(
                        col(BetaMember.status) == "invited", col(BetaMember.respond_by) <= now
                    )
                )
            ).all()
            if not overdue:
                return []
            await s.execute(
                update(BetaMember)
                .where(col(BetaMember.id).in_([i for i, _ in overdue]), col(BetaMember.status) == "invited")
                .values(status="expired", answered_at=now)
            )
            await s.commit()
            return sorted({int(c) for _, c in overdue})

    async def refill(self, cohort_id: int, at: datetime, respond_by: datetime) -> list[int]:
        """Invite waitlisted fans, in pick order, into the places declines and expiries left free;
        returns who was invited. The cohort row is locked meanwhile (PostgreSQL), so two processes
        refilling at once never invite more than the places."""
        async with self.db.session() as s:
            cohort = (
                await s.execute(select(BetaCohort).where(col(BetaCohort.id) == cohort_id).with_for_update())
            ).scalar_one_or_none()
            if cohort is None or cohort.status != "open":
                return []
            placed = (
                await s.execute(
                    select(func.count()).where(
                        col(BetaMember.cohort_id) == cohort_id, col(BetaMember.status).in_(PLACED)
                    )
                )
            ).scalar_one()
            free = cohort.size - int(placed)
            if free <= 0:
                return []
            chosen = list(
                (
                    await s.execute(
                        select(col(BetaMember.id), col(BetaMember.member_id))
                        .where(col(BetaMember.cohort_id) == cohort_id, col(BetaMember.status) == "waitlisted")
                        .order_by(col(BetaMember.position))
                        .limit(free)
                    )
                ).all()
            )
            if chosen:
                await s.execute(
                    update(BetaMember)
                    .where(col(BetaMember.id).in_([i for i, _ in chosen]))
                    .values(status="invited", invited_at=at, respond_by=respond_by)
                )
            await s.commit()
            return [int(m) for _, m in chosen]

    async def remove(self, cohort_id: int, member_id: int, at: datetime) -> bool:
        return await self._update_place(
            cohort_id, member_id, col(BetaMember.status).in_(ACTIVE), status="removed", answered_at=at
        )

    async def close(self, cohort_id: int, at: datetime) -> bool:
        async with self.db.session() as s:
            result = await s.execute(
                update(BetaCohort)
                .where(col(BetaCohort.id) == cohort_id, col(BetaCohort.status) == "open")
                .values(status="closed", closed_at=at)
            )
            await s.commit()
            return rowcount(result) == 1

    async def testing(self, member_id: int) -> int | None:
        """The open cohort a member accepted a place in (the newest), if any: their feedback is tagged."""
        async with self.db.session() as s:
            found = await s.execute(
                select(col(BetaMember.cohort_id))
                .join(BetaCohort, col(BetaCohort.id) == col(BetaMember.cohort_id))
                .where(
                    col(BetaMember.member_id) == member_id,
                    col(BetaMember.status) == "accepted",
                    col(BetaCohort.status) == "open",
                )
                .order_by(col(BetaMember.cohort_id).desc())
                .limit(1)
            )
            value = found.scalar()
            return int(value) if value is not None else None


def _unsent(now: datetime) -> ColumnElement[bool]:
    """A place whose invitation is still to go out and nobody is sending now: invited and still
    open to answer, never sent, and unclaimed (or its claim ran out)."""
    return and_(
        col(BetaMember.status) == "invited",
        col(BetaMember.respond_by) > now,
        col(BetaMember.notified_at).is_(None),
        col(BetaMember.notify_until).is_(None) | (col(BetaMember.notify_until) <= now),
    )
