"""`fanloop backup` of a running bot's database, `fanloop restore` into another, every table compared."""

from __future__ import annotations

import asyncio
import io
import os
import sqlite3
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import SQLModel

from adapters.console import ConsoleAdapter
from bot.app import App
from bot.clock import ManualClock
from bot.commands import Role
from storage.db import Database, sqlite_url
from storage.migrate import upgrade
from tests.conftest import ConsoleHarness, settings_with

REPO = Path(__file__).resolve().parents[2]

WEEK = [
    "alice: /idea A dark mode for the gallery app",
    "bob: /idea Dual SIM settings per app",
    "bob: /vote 1",
    "carol: /bug The camera app crashes when I switch to night mode",
    "carol: How do I take a screenshot on this phone?",
    "mia@manager: /status 1 planned thanks everyone",
    "alice: /points",
]


class Backend:
    """A database the CLI can be pointed at by environment, and a way to make another one."""

    def __init__(self, kind: str, tmp: Path, new_pg: Callable[[str], Awaitable[str]] | None = None) -> None:
        self.kind, self.tmp, self.new_pg = kind, tmp, new_pg

    async def new(self, name: str) -> tuple[Database, dict[str, str]]:
        if self.new_pg is None:
            data = self.tmp / name
            return Database(sqlite_url(data)), {"FANLOOP_DATA_DIR": str(data)}
        url = await self.new_pg(f"bk_{name}")
        return Database(url), {"FANLOOP_DATABASE_URL": url}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "postgres":
        return Backend("postgres", tmp_path, request.getfixturevalue("new_pg_database"))
    return Backend("sqlite", tmp_path)


async def running_bot(db: Database) -> ConsoleHarness:
    await upgrade(db)
    clock = ManualClock()
    app = App(settings_with(), clock=clock, db=db)
    out = io.StringIO()
    app.add_adapter(
        ConsoleAdapter(stdin=io.StringIO(""), stdout=out, transcript=True, default_role=Role.FAN, clock=clock)
    )
    await app.prepare()
    await app.adapters["console"].start(app.dispatcher)
    return ConsoleHarness(app, out)


async def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("FANLOOP_")} | env
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=REPO, env=full,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return subprocess.CompletedProcess(args, proc.returncode, out.decode(), err.decode())


async def every_row(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    rows = {}
    async with db.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            keys = list(table.primary_key.columns) or list(table.columns)
            result = await conn.execute(table.select().order_by(*keys))
            rows[table.name] = [tuple(r) for r in result.all()]
    return rows


async def test_a_running_bots_database_is_backed_up_and_restored_table_for_table(
    backend: Backend, tmp_path: Path
) -> None:
    source, source_env = await backend.new("src")
    bot = await running_bot(source)
    target, target_env = await backend.new("dst")
    try:
        await bot.say(*WEEK)
        file = tmp_path / "backups" / "fanloop.backup"
        made = await cli(source_env, "backup", str(file))  # while the bot holds its database open
        assert made.returncode == 0, made.stderr
        assert made.stdout.startswith(f"backed up to {file}: ") and file.exists()

        restored = await cli(target_env, "restore", str(file))
        assert restored.returncode == 0, restored.stderr
        live, copy = await every_row(source), await every_row(target)
        assert sum(map(len, live.values())) > 20 and live["feedback"] and live["questions"]
        assert copy == live  # every table, every row, every column

        again = await cli(target_env, "restore", str(file))
        assert again.returncode == 1 and again.stderr.startswith("error: the database is not empty (")
        assert len(again.stderr.splitlines()) == 1 and "--force" in again.stderr
        forced = await cli(target_env, "restore", "--force", str(file))
        assert forced.returncode == 0, forced.stderr
        assert await every_row(target) == live
    finally:
        await bot.app.adapters["console"].stop()
        await bot.app.llm.aclose()
        await source.dispose()
        await target.dispose()


async def test_a_backup_taken_while_fans_keep_writing_is_consistent(tmp_path: Path) -> None:
    backend = Backend("sqlite", tmp_path)
    source, env = await backend.new("src")
    bot = await running_bot(source)
    stop = asyncio.Event()

    async def fans() -> int:
        n = 0
        while not stop.is_set():
            n += 1
            await bot.say(f"fan{n % 40}: /idea Idea number {n} about the launcher and widgets")
        return n

    writer = asyncio.create_task(fans())
    try:
        await bot.say(*WEEK)
        made = await cli(env, "backup", str(tmp_path / "live.db"))
        stop.set()
        written = await writer
        assert made.returncode == 0, made.stderr
        copy = sqlite3.connect(tmp_path / "live.db")
        try:
            assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert copy.execute("PRAGMA foreign_key_check").fetchall() == []
            ideas = copy.execute("SELECT count(*) FROM feedback").fetchone()[0]
        finally:
            copy.close()
        assert 2 <= ideas <= written + 3  # a snapshot from within the run, whole
    finally:
        stop.set()
        await bot.app.adapters["console"].stop()
        await bot.app.llm.aclose()
        await source.dispose()


async def test_backup_and_restore_refuse_what_they_cannot_do_in_one_line(tmp_path: Path) -> None:
    backend = Backend("sqlite", tmp_path)
    _, env = await backend.new("empty")
    (tmp_path / "notes.txt").write_text("not a database")
    wrong = await cli(env, "restore", str(tmp_path / "notes.txt"))
    assert wrong.returncode == 1 and wrong.stderr.strip().endswith(
        "is not an SQLite backup (a PostgreSQL dump restores into PostgreSQL)"
    )
    missing = await cli(env, "restore", str(tmp_path / "nothing.db"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
