"""PostgreSQL connections: kept in a fixed pool under load, checked only after sitting idle."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError

from storage.db import POOL_SIZE, Database
from tests.adapters.waits import eventually
from tests.conftest import _pg_url, pg_database

pytestmark = pytest.mark.postgres


def _database(schema: str, ping_idle_after: float | None = None) -> Database:
    url = _pg_url()
    assert url is not None
    db = pg_database(url, schema)
    if ping_idle_after is not None:
        db = Database(url, connect_args=db.connect_args, ping_idle_after=ping_idle_after)
    return db


async def _backend_pid(db: Database) -> int:
    async with db.session() as s:
        return int((await s.execute(text("select pg_backend_pid()"))).scalar_one())


async def _terminate(db: Database, pid: int) -> None:
    """End that server process, and wait until the server no longer lists it."""
    async with db.session() as s:
        await s.execute(text("select pg_terminate_backend(:pid)"), {"pid": pid})

    async def gone() -> bool | None:
        async with db.session() as s:
            listed = await s.execute(text("select count(*) from pg_stat_activity where pid = :pid"), {"pid": pid})
            return True if listed.scalar_one() == 0 else None

    await eventually(gone)


async def test_a_burst_of_work_reuses_the_pool_instead_of_opening_connections(pg_schema: str) -> None:
    db = _database(pg_schema)
    opened: list[object] = []
    event.listen(db.engine.sync_engine, "connect", lambda conn, record: opened.append(conn))
    checks: list[str] = []
    event.listen(db.engine.sync_engine, "before_cursor_execute", lambda *a: checks.append(a[2]))

    async def work() -> None:
        async with db.session() as s:
            await s.execute(text("select pg_sleep(0.01)"))

    try:
        for _ in range(3):  # bursts with lulls between them, as a busy chat's traffic comes
            await asyncio.gather(*(work() for _ in range(4 * POOL_SIZE)))
        assert len(opened) == POOL_SIZE  # overflow connections were opened and closed per burst
        assert len(checks) == 3 * 4 * POOL_SIZE  # no ping statement before each use
    finally:
        await db.dispose()


async def test_a_connection_that_died_while_idle_is_replaced_before_it_is_used(pg_schema: str) -> None:
    db, admin = _database(pg_schema, ping_idle_after=0.0), _database(pg_schema)
    try:
        pid = await _backend_pid(db)
        await _terminate(admin, pid)  # the server restarted, or a firewall dropped the connection
        assert await _backend_pid(db) != pid  # no error: the dead one was found and replaced
    finally:
        await db.dispose()
        await admin.dispose()


async def test_a_connection_that_died_in_use_fails_one_statement_and_the_pool_recovers(pg_schema: str) -> None:
    db, admin = _database(pg_schema), _database(pg_schema)  # used a moment ago: not checked
    try:
        pid = await _backend_pid(db)
        await _terminate(admin, pid)
        with pytest.raises(DBAPIError) as failed:
            await _backend_pid(db)
        assert failed.value.connection_invalidated
        assert await _backend_pid(db) != pid  # the next one works, on a new connection
    finally:
        await db.dispose()
        await admin.dispose()
