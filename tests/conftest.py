"""Shared fixtures: a migrated database on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import asyncio
import io
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

from bot.app import App
from bot.clock import ManualClock
from bot.commands import CommandSpec
from bot.feature import Builder, Deps, Feature
from bot.features import DEFAULT_FEATURES
from bot.settings import Settings
from storage.db import Database, sqlite_url
from storage.migrate import upgrade

PG_ENV = "FANLOOP_TEST_DATABASE_URL"
REQUIRE_PG_ENV = "FANLOOP_TEST_REQUIRE_POSTGRES"
T = TypeVar("T")


def _run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion on its own loop, even from inside a running one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _pg_url() -> str | None:
    return os.environ.get(PG_ENV) or None


async def _pg_reachable(url: str) -> str | None:
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            await conn.execute(text("select 1"))
        return None
    except Exception as exc:
        return str(exc).splitlines()[0]
    finally:
        await db.dispose()


@pytest.fixture(scope="session")
def pg_schema() -> Iterator[str]:
    """A throwaway schema in the test PostgreSQL database, migrated once per session."""
    url = _pg_url()
    required = bool(os.environ.get(REQUIRE_PG_ENV))
    if url is None:
        if required:
            pytest.fail(f"{REQUIRE_PG_ENV} is set but {PG_ENV} is not")
        pytest.skip(f"{PG_ENV} not set")
    problem = _run_sync(_pg_reachable(url))
    if problem is not None:
        if required or os.environ.get("CI"):  # in CI an unreachable PostgreSQL is a failure
            pytest.fail(f"PostgreSQL unreachable: {problem}")
        pytest.skip(f"PostgreSQL unreachable: {problem}")
    schema = f"t_{uuid.uuid4().hex[:10]}"

    async def create() -> None:
        admin = Database(url)
        async with admin.engine.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        await admin.dispose()
        db = pg_database(url, schema)
        await upgrade(db)
        await db.dispose()

    async def drop() -> None:
        admin = Database(url)
        async with admin.engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()

    _run_sync(create())
    yield schema
    _run_sync(drop())


def pg_database(url: str, schema: str) -> Database:
    return Database(url, connect_args={"server_settings": {"search_path": schema}})


async def _truncate(db: Database) -> None:
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    async with db.engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated, empty database: every repository test runs on both backends."""
    if request.param == "sqlite":
        database = Database(sqlite_url(tmp_path / "data"))
        await upgrade(database)
    else:
        schema = request.getfixturevalue("pg_schema")
        url = _pg_url()
        assert url is not None
        database = pg_database(url, schema)
        await _truncate(database)
    yield database
    await database.dispose()


@pytest.fixture
async def new_pg_database(pg_schema: str) -> AsyncIterator[Callable[[str], Awaitable[str]]]:
    """Makes whole PostgreSQL databases (for tests that start fanloop processes, which migrate
    their own database); returns each one's URL; drops them all afterwards."""
    base = _pg_url()
    assert base is not None
    made: list[str] = []

    async def admin(statement: str) -> None:
        db = Database(base)
        try:
            async with db.engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text(statement))
        finally:
            await db.dispose()

    async def make(label: str) -> str:
        name = f"fanloop_{label}_{uuid.uuid4().hex[:8]}"
        await admin(f'CREATE DATABASE "{name}"')
        made.append(name)
        return base.rsplit("/", 1)[0] + "/" + name

    yield make
    for name in made:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(sqlite_url(tmp_path / "data"))
    await upgrade(database)
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


class ConsoleHarness:
    """An App with the console adapter fed line by line; output captured."""

    def __init__(self, app: App, out: io.StringIO) -> None:
        self.app = app
        self.out = out
        from adapters.console import ConsoleAdapter

        adapter = app.adapters["console"]
        assert isinstance(adapter, ConsoleAdapter)
        self.console = adapter

    async def say(self, *lines: str) -> list[str]:
        """Feed transcript lines; return the bot's output lines they produced."""
        start = len(self.out.getvalue())
        for line in lines:
            await self.console.feed(line)
        return [ln for ln in self.out.getvalue()[start:].splitlines() if ln]

    def output(self) -> str:
        return self.out.getvalue()


def settings_with(**sections: Any) -> Settings:
    """The tests' settings: scripted conversations run at one instant of the manual clock, so the
    command rate limit is lifted; ``sections`` override (``points={"daily_cap": 3}``)."""
    base: dict[str, Any] = {
        "community_name": "Testers",
        "roles": {"admins": ["console:root"]},
        "limits": {"commands_per_window": 1000},
    }
    return Settings(**{**base, **sections})


@pytest.fixture
def settings() -> Settings:
    return settings_with()


def with_commands(*specs: CommandSpec, name: str = "test-commands") -> Builder:
    """A feature holding only these commands, for tests that need a handler of their own."""

    def build(deps: Deps) -> Feature:
        return Feature(name=name, commands=specs)

    return build


HarnessFactory = Callable[..., Awaitable[ConsoleHarness]]


@pytest.fixture
async def make_harness(db: Database, clock: ManualClock, settings: Settings) -> AsyncIterator[HarnessFactory]:
    """Build a console harness; ``settings=``, ``features=`` (appended to the defaults) or ``only=``
    (instead of them) configure it."""
    from adapters.console import ConsoleAdapter
    from bot.commands import Role

    made: list[App] = []

    async def make(
        *, settings: Settings = settings, features: Sequence[Builder] = (), only: Sequence[Builder] | None = None
    ) -> ConsoleHarness:
        app = App(settings, clock=clock, db=db, features=[*DEFAULT_FEATURES, *features] if only is None else only)
        out = io.StringIO()
        app.add_adapter(
            ConsoleAdapter(stdin=io.StringIO(""), stdout=out, transcript=True, default_role=Role.FAN, clock=clock)
        )
        await app.prepare()
        await app.adapters["console"].start(app.dispatcher)
        made.append(app)
        return ConsoleHarness(app, out)

    yield make
    for app in made:
        await app.dispatcher.drain(1)
        await app.adapters["console"].stop()
        await app.llm.aclose()


@pytest.fixture
async def harness(make_harness: HarnessFactory) -> ConsoleHarness:
    return await make_harness()
