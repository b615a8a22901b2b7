"""The points ledger (append-only, the truth), balances, grades reached and link codes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.db import Database
from storage.points_tables import Balance, GradeReached, LedgerRow, LinkCode
from storage.recognition_tables import GradeNews, GradeRoleSync
from storage.repositories.base import Repository, insert_for, rowcount


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
    RETURNING, balances in one upsert of each member's total, then one read of the new balances.

    With a grade ladder (``(name, threshold)``, lowest first) a member whose grade changes gets a
    row in ``grade_role_syncs`` (platform roles follow), and one reaching a grade for the first time
    a row in ``grade_history`` and in ``grade_news`` — in the same transaction as the points."""

    def __init__(self, ladder: Sequence[tuple[str, int]] = ()) -> None:
        self.ladder = tuple(ladder)

    def grade_index(self, balance: int) -> int:
        return max(0, sum(1 for _, threshold in self.ladder if threshold <= balance) - 1)

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
        start = dict(running)
        results: list[tuple[bool, int, int]] = []
        last: dict[int, int] = {}  # member -> index of their last paid award in this batch
        for i, (a, ok) in enumerate(zip(items, paid, strict=True)):
            before = running[a.member_id]
            if ok:
                running[a.member_id] = before + a.amount
                results.append((True, before, before + a.amount))
                last[a.member_id] = i
            else:
                results.append((False, balance.get(a.member_id, 0), balance.get(a.member_id, 0)))
        if self.ladder:
            await self._grades(s, items, start, running, last)
        return results

    async def _grades(
        self,
        s: AsyncSession,
        items: list[Award],
        start: dict[int, int],
        end: dict[int, int],
        last: dict[int, int],
    ) -> None:
        changed = [m for m in last if self.grade_index(start[m]) != self.grade_index(end[m])]
        if not changed:
            return
        at = items[last[changed[0]]].at
        await s.execute(
            insert_for(s, GradeRoleSync), [{"member_id": m, "created_at": at, "status": "pending"} for m in changed]
        )
        for m in changed:
            low, high = self.grade_index(start[m]), self.grade_index(end[m])
            if high <= low or self.ladder[high][1] <= 0:
                continue
            a = items[last[m]]
            reached = insert_for(s, GradeReached).on_conflict_do_nothing(index_elements=["member_id", "grade"])
            rows = [{"member_id": m, "grade": name, "reached_at": a.at} for name, _ in self.ladder[low + 1 : high + 1]]
            new = set((await s.execute(reached.returning(GradeReached.__table__.c.grade), rows)).scalars())  # type: ignore[attr-defined]
            top = next((name for name, _ in reversed(self.ladder[low + 1 : high + 1]) if name in new), None)
            if top is None:
                continue  # reached before (points taken and earned back): announced then
            s.add(GradeNews(member_id=m, grade=top, platform=a.platform, chat_id=a.chat_id, created_at=a.at))


class PointsRepo(Repository):
    def __init__(self, db: Database, ladder: Sequence[tuple[str, int]] = ()) -> None:
        super().__init__(db)
        #: one per repository: the group commit batches the awards of one operation together
        self._awards = _Awards(ladder)

    async def award(self, a: Award) -> tuple[bool, int, int]:
        """Append a ledger row and move the balance in one transaction, shared with the other
        awards in flight (group commit: one multi-row statement each for ledger and balances).

        Returns ``(paid, old_balance, new_balance)``; an already-paid ``source_key`` pays nothing (a
        replayed or redelivered event). A grade reached is queued for the grades feature in the same
        transaction.
        """
        return await self.db.group.bulk(self._awards, a)

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

    async def balances(self, member_ids: Iterable[int]) -> dict[int, int]:
        ids = list(member_ids)
        async with self.db.session() as s:
            rows = await s.execute(
                select(col(Balance.member_id), col(Balance.balance)).where(col(Balance.member_id).in_(ids))
            )
            found = {int(m): int(b) for m, b in rows.all()}
        return {m: found.get(m, 0) for m in ids}

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
        """Every member's points earned since ``since`` (one grouped read of the window's rows)."""
        # grouped by an expression, not the column: SQLite otherwise walks the whole ledger in
        # member order (ix_points_member_time) to save a sort; this way it reads only the window's
        # rows through ix_points_time (at 300k rows over 70 days, a week: 11 ms instead of 39 ms)
        member = col(LedgerRow.member_id) + 0
        async with self.db.session() as s:
            rows = await s.execute(
                select(member, func.sum(LedgerRow.amount)).where(col(LedgerRow.created_at) >= since).group_by(member)
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
