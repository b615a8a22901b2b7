from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Result, and_, func, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database


class Repository:
    """Base for repositories: holds the database; each method opens its own session."""

    def __init__(self, db: Database) -> None:
        self.db = db


def insert_for(session: AsyncSession, model: Any) -> Any:
    """An INSERT that can say ``ON CONFLICT`` on this session's database (SQLite or PostgreSQL).

    A Core INSERT into the model's table: these are the hot path's multi-row writes, and the ORM's
    bulk-insert layer costs more than the statement itself."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(getattr(model, "__table__", model))


def icontains(column: Any, text: str) -> ColumnElement[bool]:
    """``column`` holds ``text``, ignoring case; ``%`` and ``_`` in ``text`` are literal (the
    dashboard's search boxes)."""
    return func.lower(column).contains(text.lower(), autoescape=True)


#: the most keys :func:`keys_in` writes as equalities (SQLite's expression depth limit is 1000)
KEYS_IN_MAX = 512


def keys_in(columns: Sequence[Any], keys: Sequence[tuple[Any, ...]]) -> ColumnElement[bool]:
    """``(columns) IN keys``, written so the database finds each key through the unique index on
    ``columns``: SQLite scans the whole table for a row-value IN list (26 ms at 100,000 rows instead
    of 0.1 ms), so it is an OR of equalities, padded to a power of two keys so the compiled
    statement is one of a few shapes (the statement caches stay small)."""
    if not keys:
        raise ValueError("keys_in needs at least one key")
    if len(keys) > KEYS_IN_MAX:
        return tuple_(*columns).in_(keys)
    padded = [*keys, *[keys[-1]] * ((1 << (len(keys) - 1).bit_length()) - len(keys))]
    return or_(*(and_(*(c == v for c, v in zip(columns, key, strict=True))) for key in padded))


def is_unique_violation(exc: IntegrityError) -> bool:
    text = str(exc.orig).lower()
    return "unique" in text or "duplicate key" in text


async def saved_once(session: AsyncSession, *, flush: bool = False) -> bool:
    """Commit (or flush) what the session added; False, rolled back, when a uniqueness key says
    it is there already — the database, not a check beforehand, decides what is a duplicate."""
    try:
        await (session.flush() if flush else session.commit())
        return True
    except IntegrityError as exc:
        await session.rollback()
        if not is_unique_violation(exc):
            raise
        return False


async def claim_rows(
    session: AsyncSession,
    model: Any,
    *,
    owner: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    where: Sequence[ColumnElement[bool]] = (),
    values: dict[str, Any] | None = None,
) -> list[Any]:
    """Take up to ``limit`` rows of a work queue table (``id``, ``status``, ``claimed_by``,
    ``claimed_at``) that are 'pending', or 'sending' under a claim older than ``lease``; mark them
    'sending' for this claim and return them. The WHERE is re-checked under the row lock, so a
    row another worker took in between is skipped: each row goes to exactly one caller."""
    claimable = or_(
        model.status == "pending",
        (model.status == "sending") & (model.claimed_at < now - lease),
    )
    ids = list(
        (await session.execute(select(model.id).where(claimable, *where).order_by(model.id).limit(limit))).scalars()
    )
    if not ids:
        return []
    token = f"{owner[:40]}:{uuid.uuid4().hex[:12]}"  # identifies this claim, not just this worker
    await session.execute(
        update(model)
        .where(model.id.in_(ids), claimable)
        .values(status="sending", claimed_by=token, claimed_at=now, **(values or {}))
    )
    await session.commit()
    rows = await session.execute(select(model).where(model.claimed_by == token).order_by(model.id))
    return list(rows.scalars())


async def settle_rows(
    session: AsyncSession, model: Any, ids: Sequence[int], status: str, error: str | None = None, **values: Any
) -> None:
    """Record how claimed rows of a work queue table (:func:`claim_rows`) went: ``status`` (``pending``
    puts them back in the queue), with ``error`` cut to the column's 300 characters; committed."""
    if not ids:
        return
    await session.execute(
        update(model)
        .where(model.id.in_(list(ids)))
        .values(status=status, error=error[:300] if error else None, **values)
    )
    await session.commit()


def rowcount(result: Result[Any]) -> int:
    return int(cast(CursorResult[Any], result).rowcount or 0)
