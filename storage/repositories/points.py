"""The points ledger (append-only, the truth), balances, grades and beta cohorts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import Identity
from storage.points_tables import Balance, BetaCohort, BetaMember, GradeReached, LedgerRow, LinkCode
from storage.repositories.base import Repository, insert_for, rowcount, saved_once


@dataclass(frozen=True, slots=True)
class LedgerView:
    amount: int
    kind: str
    reason: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Award:
    member_id: int
    amount: int
    kind: str
    reason: str
    source_key: str
    at: datetime
    fingerprint: str | None = None
    actor_id: int | None = None
    platform: str | None = None
    chat_id: str | None = None


class _Awards:
    """Every award waiting: ledger rows in one INSERT … ON CONFLICT (source_key) DO NOTHING
    RETURNING, balances in one upsert of each member's total, then one read of the new balances."""

    async def apply(self, s: AsyncSession, items: list[Award]) -> list[tuple[bool, int, int]]:
        ledger = LedgerRow.__table__.c  # type: ignore[attr-defined]
        rows, keys = [], set()
        for a in items:
            if a.source_key[:200] not in keys:
                keys.add(a.source_key[:200])
                rows.append(
                    {
                        "member_id": a.member_id,
                        "origin_member_id": a.member_id,
                        "amount": a.amount,
                        "kind": a.kind,
                        "reason": a.reason[:300],
                        "source_key": a.source_key[:200],
                        "fingerprint": a.fingerprint,
                        "actor_id": a.actor_id,
                        "platform": a.platform,
                        "chat_id": a.chat_id,
                        "created_at": a.at,
                    }
                )
        # executemany, not one multi-VALUES statement: SQLAlchemy caches its compiled form and
        # batches the rows into multi-row VALUES itself ("insertmanyvalues")
        new = insert_for(s, LedgerRow).on_conflict_do_nothing(index_elements=["source_key"])
        paid_keys = set((await s.execute(new.returning(ledger.source_key), rows)).scalars())
        totals: dict[int, int] = {}
        paid: list[bool] = []
        for a in items:
            ok = a.source_key[:200] in paid_keys
            paid_keys.discard(a.source_key[:200])  # a source key pays once, also within one batch
            paid.append(ok)
            if ok:
                totals[a.member_id] = totals.get(a.member_id, 0) + a.amount
        if totals:
            upsert = insert_for(s, Balance)
            add = {"balance": Balance.__table__.c.balance + upsert.excluded.balance}  # type: ignore[attr-defined]
            await s.execute(
                upsert.on_conflict_do_update(index_elements=["member_id"], set_=add),
                [{"member_id": m, "balance": n} for m, n in totals.items()],
            )
        members = {a.member_id for a in items}
        query = select(col(Balance.member_id), col(Balance.balance)).where(col(Balance.member_id).in_(members))
        balance = {m: int(b) for m, b in (await s.execute(query)).all()}
        running = {m: balance.get(m, 0) - totals.get(m, 0) for m in members}  # before this batch
        results = []
        for a, ok in zip(items, paid, strict=True):
            before = running[a.member_id]
            if ok:
                running[a.member_id] = before + a.amount
                results.append((True, before, before + a.amount))
            else:
                results.append((False, balance.get(a.member_id, 0), balance.get(a.member_id, 0)))
        return results


AWARDS = _Awards()


class PointsRepo(Repository):
    async def award(self, a: Award) -> tuple[bool, int, int]:
        """Append a ledger row and move the balance in one transaction, shared with the other
        awards in flight (group commit: one multi-row statement each for ledger and balances).

        Returns ``(paid, old_balance, new_balance)``; an already-paid ``source_key`` pays
        nothing (a replayed or redelivered event).
        """
        return await self.db.group.bulk(AWARDS, a)

    async def _add_to_balance(self, s: AsyncSession, member_id: int, amount: int) -> None:
        dialect = postgresql if self.db.engine.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(Balance).values(member_id=member_id, balance=amount)
        await s.execute(
            stmt.on_conflict_do_update(index_elements=["member_id"], set_={"balance": col(Balance.balance) + amount})
        )

    async def balance(self, member_id: int) -> int:
        async with self.db.session() as s:
            value = (await s.execute(select(col(Balance.balance)).where(col(Balance.member_id) == member_id))).scalar()
            return int(value or 0)

    async def record_grade(self, member_id: int, grade: str, at: datetime) -> bool:
        """True the first time a member reaches ``grade`` (so it is announced once)."""
        async with self.db.session() as s:
            s.add(GradeReached(member_id=member_id, grade=grade, reached_at=at))
            return await saved_once(s)

    async def count_kind(self, member_id: int, kind: str, since: datetime) -> int:
        """How many awards of ``kind`` a member got since ``since``."""
        query = select(func.count()).where(
            col(LedgerRow.member_id) == member_id, col(LedgerRow.kind) == kind, col(LedgerRow.created_at) >= since
        )
        async with self.db.session() as s:
            return int((await s.execute(query)).scalar_one())

    async def activity(
        self, member_id: int, *, day: datetime, capped: Sequence[str], chat_since: datetime, recent: int = 5
    ) -> tuple[int, list[tuple[datetime, str | None]]]:
        """What a member earned since ``day`` from ``capped`` kinds, and their latest chat awards
        since ``chat_since`` (newest first, with fingerprints) — one session, two reads."""
        async with self.db.session() as s:
            total = await s.execute(
                select(func.coalesce(func.sum(LedgerRow.amount), 0)).where(
                    col(LedgerRow.member_id) == member_id,
                    col(LedgerRow.created_at) >= day,
                    col(LedgerRow.kind).in_(capped),
                    col(LedgerRow.amount) > 0,
                )
            )
            rows = await s.execute(
                select(col(LedgerRow.created_at), col(LedgerRow.fingerprint))
                .where(
                    col(LedgerRow.member_id) == member_id,
                    col(LedgerRow.kind) == "message",
                    col(LedgerRow.created_at) >= chat_since,
                )
                .order_by(col(LedgerRow.created_at).desc())
                .limit(recent)
            )
            return int(total.scalar_one()), [(at, f) for at, f in rows.all()]

    async def history(self, member_id: int, limit: int = 10) -> list[LedgerView]:
        async with self.db.session() as s:
            rows = (
                await s.execute(
                    select(LedgerRow)
                    .where(col(LedgerRow.member_id) == member_id)
                    .order_by(col(LedgerRow.created_at).desc(), col(LedgerRow.id).desc())
                    .limit(limit)
                )
            ).scalars()
            return [LedgerView(r.amount, r.kind, r.reason, r.created_at) for r in rows]

    async def leaderboard(self, limit: int = 10) -> list[tuple[int, int]]:
        """(member_id, balance) best first, of all time (weekly and monthly boards are
        :meth:`window_totals`, summed by the points feature)."""
        async with self.db.session() as s:
            q = select(col(Balance.member_id), col(Balance.balance)).where(col(Balance.balance) > 0)
            q = q.order_by(col(Balance.balance).desc(), col(Balance.member_id)).limit(limit)
            return [(int(r[0]), int(r[1])) for r in (await s.execute(q)).all()]

    async def window_totals(self, since: datetime) -> dict[int, int]:
        """Every member's points earned since ``since`` (one grouped read of the ledger)."""
        async with self.db.session() as s:
            rows = await s.execute(
                select(col(LedgerRow.member_id), func.sum(LedgerRow.amount))
                .where(col(LedgerRow.created_at) >= since)
                .group_by(col(LedgerRow.member_id))
            )
            return {int(m): int(t) for m, t in rows.all()}

    async def position(self, member_id: int) -> tuple[int, int]:
        """(rank, balance) of a member of all time (rank counts members strictly ahead, plus one)."""
        async with self.db.session() as s:
            mine = int(
                (await s.execute(select(col(Balance.balance)).where(col(Balance.member_id) == member_id))).scalar() or 0
            )
            ahead = (
                await s.execute(select(func.count()).select_from(Balance).where(col(Balance.balance) > mine))
            ).scalar_one()
            return int(ahead) + 1, mine

    async def mismatches(self) -> list[tuple[int, int, int]]:
        """(member_id, ledger sum, stored balance) wherever the two disagree."""
        async with self.db.session() as s:
            sums = dict(
                (
                    await s.execute(
                        select(col(LedgerRow.member_id), func.sum(LedgerRow.amount)).group_by(col(LedgerRow.member_id))
                    )
                ).all()
            )
            stored = dict((await s.execute(select(col(Balance.member_id), col(Balance.balance)))).all())
        return sorted(
            (int(m), int(sums.get(m, 0) or 0), int(stored.get(m, 0) or 0))
            for m in set(sums) | set(stored)
            if int(sums.get(m, 0) or 0) != int(stored.get(m, 0) or 0)
        )

    async def ledger_count(self) -> int:
        async with self.db.session() as s:
            return int((await s.execute(select(func.count()).select_from(LedgerRow))).scalar_one())

    async def recompute(self, s: AsyncSession, member_id: int) -> None:
        total = (
            await s.execute(
                select(func.coalesce(func.sum(LedgerRow.amount), 0)).where(col(LedgerRow.member_id) == member_id)
            )
        ).scalar_one()
        dialect = postgresql if self.db.engine.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(Balance).values(member_id=member_id, balance=int(total))
        await s.execute(stmt.on_conflict_do_update(index_elements=["member_id"], set_={"balance": int(total)}))

    # -- beta programme -------------------------------------------------------------------------
    async def beta_candidates(self, min_balance: int, active_since: datetime, limit: int) -> list[tuple[int, int]]:
        """(member_id, balance) of the highest-ranked members active since ``active_since``."""
        active = select(col(Identity.member_id)).where(col(Identity.last_seen) >= active_since)
        async with self.db.session() as s:
            rows = await s.execute(
                select(col(Balance.member_id), col(Balance.balance))
                .where(col(Balance.balance) >= min_balance, col(Balance.member_id).in_(active))
                .order_by(col(Balance.balance).desc(), col(Balance.member_id))
                .limit(limit)
            )
            return [(int(r[0]), int(r[1])) for r in rows.all()]

    async def create_cohort(self, member_ids: Sequence[int], actor_id: int, min_grade: str | None, at: datetime) -> int:
        async with self.db.session() as s:
            cohort = BetaCohort(created_at=at, actor_id=actor_id, size=len(member_ids), min_grade=min_grade)
            s.add(cohort)
            await s.flush()
            assert cohort.id is not None
            for member_id in member_ids:
                s.add(BetaMember(cohort_id=cohort.id, member_id=member_id))
            await s.commit()
            return cohort.id

    async def mark_notified(self, cohort_id: int, member_id: int, at: datetime) -> bool:
        """Claim the one notification of a cohort member (False if already sent)."""
        async with self.db.session() as s:
            result = await s.execute(
                update(BetaMember)
                .where(
                    col(BetaMember.cohort_id) == cohort_id,
                    col(BetaMember.member_id) == member_id,
                    col(BetaMember.notified_at).is_(None),
                )
                .values(notified_at=at)
            )
            await s.commit()
            return rowcount(result) == 1

    # -- link codes -------------------------------------------------------------------------------
    async def create_code(self, code: str, member_id: int, platform: str, at: datetime, expires: datetime) -> None:
        async with self.db.session() as s:
            s.add(LinkCode(code=code, member_id=member_id, platform=platform, created_at=at, expires_at=expires))
            await s.commit()

    async def redeem_code(self, code: str, at: datetime) -> tuple[int, str] | None:
        """(member_id, platform) of a valid code, used up atomically; None if unknown/expired/used."""
        async with self.db.session() as s:
            result = await s.execute(
                update(LinkCode)
                .where(col(LinkCode.code) == code, col(LinkCode.used_at).is_(None), col(LinkCode.expires_at) > at)
                .values(used_at=at)
            )
            if rowcount(result) != 1:
                await s.rollback()
                return None
            row = (await s.execute(select(LinkCode).where(col(LinkCode.code) == code))).scalar_one()
            await s.commit()
            return row.member_id, row.platform
