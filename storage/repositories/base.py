from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Result
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database


class Repository:
    """Base for repositories: holds the database; each method opens its own session."""

    def __init__(self, db: Database) -> None:
        self.db = db


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


def rowcount(result: Result[Any]) -> int:
    return int(cast(CursorResult[Any], result).rowcount or 0)
