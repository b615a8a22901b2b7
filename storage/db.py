"""Engine and session factory for SQLite (embedded default) and PostgreSQL (at scale)."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Column, DateTime, event, make_url
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.types import TypeDecorator

from storage import sqlite_inline
from storage.batch import GroupCommit
from storage.cache import TTLCache

log = logging.getLogger(__name__)

#: connections per process to PostgreSQL (a 2-core server is busiest at about this many)
POOL_SIZE = 10
#: a pooled connection idle longer than this (seconds) is checked before it is used again
PING_IDLE_AFTER = 10.0

#: one unit of work, as data-rights hooks receive it (opaque to features: they pass it to storage)
Tx = AsyncSession


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_column(nullable: bool = False) -> Column[datetime]:
    """A timezone-aware UTC timestamp column (every table's ``*_at`` field)."""
    return Column(UTCDateTime(), nullable=nullable)


def sqlite_url(data_dir: Path) -> str:
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{data_dir / 'fanloop.db'}"


def normalise_url(url: str) -> str:
    """Accept the URLs people paste (``postgres://``, ``postgresql://``) and pick async drivers."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url[len("postgresql://") :]
    if url.startswith("sqlite:///") or url.startswith("sqlite://"):
        url = "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url


class Database:
    """Owns the engine; hands repositories a session factory."""

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        connect_args: dict[str, Any] | None = None,
        ping_idle_after: float = PING_IDLE_AFTER,
    ) -> None:
        self.url = normalise_url(url)
        self.connect_args = connect_args
        kwargs: dict[str, Any] = {"echo": echo}
        if connect_args:
            kwargs["connect_args"] = connect_args
        if self.url.startswith("sqlite"):
            kwargs.setdefault("connect_args", {})["timeout"] = 30
            if ":memory:" not in self.url and self.url.rstrip("/") != "sqlite+aiosqlite:":
                # SQLite has one writer: one connection, taken in turn, never waits in SQLite's busy
                # loop (which sleeps up to 100 ms a try) the way several connections would
                kwargs.update(pool_size=1, max_overflow=0, pool_timeout=120)
                path = make_url(self.url).database
                if path and os.environ.get("FANLOOP_SQLITE_THREAD") != "1":  # see storage/sqlite_inline.py
                    kwargs["async_creator"] = sqlite_inline.creator(path, timeout=30)
        else:
            # a fixed pool: overflow connections were opened and closed again all the time under load,
            # each one connecting and preparing its statements afresh; and no ping per checkout
            # (SQLAlchemy's pre-ping is three round trips) — only after a connection sat idle
            kwargs.update(pool_size=POOL_SIZE, max_overflow=0, pool_timeout=60)
            # each connection prepares a statement once and keeps it: the repositories hold ~230
            # statements, more than asyncpg's default cache of 100, so busy ones were prepared again
            kwargs.setdefault("connect_args", {}).setdefault("prepared_statement_cache_size", 500)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        else:
            _ping_when_idle(self.engine, ping_idle_after)
        self.sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        #: identities and chats as every event reads them (storage.cache; repositories keep them right)
        self.identity_cache: TTLCache[tuple[str, str], Any] = TTLCache()
        self.chat_cache: TTLCache[tuple[str, str], Any] = TTLCache()
        #: the hot path's small writes (event claims, chat points), committed together
        self.group = GroupCommit(self)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            yield session

    async def dispose(self) -> None:
        await self.group.close()
        await self.engine.dispose()


def _ping_when_idle(engine: AsyncEngine, idle_after: float) -> None:
    """Check a connection that sat idle for more than ``idle_after`` s before handing it out; a dead
    one is replaced (the server restarted, a firewall dropped it). One in use a moment ago is not
    checked: if the server went away since, the statement fails, SQLAlchemy drops every connection
    of the pool opened before that, and the event is handled again from its unacknowledged delivery."""
    sync = engine.sync_engine

    @event.listens_for(sync, "checkin")
    def idle_from(_dbapi: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(sync, "checkout")
    def alive(dbapi: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since <= idle_after:
            return
        try:
            sync.dialect.do_ping(dbapi)
        except Exception as exc:
            raise DisconnectionError("a pooled connection was dead") from exc


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA secure_delete=ON")  # a deleted fan leaves no bytes behind in free pages
    cur.close()
