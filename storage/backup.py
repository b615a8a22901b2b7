"""Backups of a live database and restores into an empty one.

SQLite: the online backup API copies a consistent snapshot page by page while the bot keeps
writing (WAL), into a standalone file that is itself an SQLite database. PostgreSQL: ``pg_dump``
(custom format) and ``pg_restore``, when the client tools are installed; without them the
command says what to install instead of half-working.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

from sqlalchemy import func, inspect, make_url, select, table

from storage.db import Database

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


class BackupError(Exception):
    """Something the operator must fix, phrased as one line."""


def sqlite_path(db: Database) -> Path:
    path = make_url(db.url).database
    if not path or path == ":memory:":
        raise BackupError("this SQLite database lives in memory: there is nothing to back up")
    return Path(path)


def libpq_url(db: Database) -> str:
    """The configured URL as pg_dump/pg_restore take it (no SQLAlchemy driver suffix)."""
    url = make_url(db.url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client tools (Debian: apt install "
            f"postgresql-client) or run {name} yourself (README: Running in production → Backups)"
        )
    return found


async def row_counts(db: Database) -> dict[str, int]:
    """Rows per fanloop table (the schema's own bookkeeping left out)."""
    async with db.engine.connect() as conn:
        names = await conn.run_sync(lambda c: inspect(c).get_table_names())
        counts = {}
        for name in sorted(n for n in names if n != "alembic_version"):
            counts[name] = int((await conn.execute(select(func.count()).select_from(table(name)))).scalar_one())
        return counts


async def backup(db: Database, target: Path) -> None:
    """Write a consistent copy of the database to ``target`` (replaced if it exists)."""
    partial = target.with_name(target.name + ".partial")
    await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
    if db.is_sqlite:
        await asyncio.to_thread(_sqlite_copy, sqlite_path(db), partial)
    else:
        await _run(_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={partial}", libpq_url(db))
    await asyncio.to_thread(partial.replace, target)  # never a half-written file under the backup's name


async def restore(db: Database, source: Path, *, force: bool) -> None:
    """Load ``source`` into the database, which must be empty unless ``force``."""
    try:
        head = await asyncio.to_thread(_head, source)
    except OSError as exc:
        raise BackupError(f"cannot read {source}: {exc.strerror}") from None
    if not force:
        filled = {name: n for name, n in (await row_counts(db)).items() if n}
        if filled:
            sample = ", ".join(f"{name} ({n})" for name, n in list(filled.items())[:3])
            raise BackupError(f"the database is not empty ({sample}…): restore into an empty one, or pass --force")
    if db.is_sqlite:
        if not head.startswith(SQLITE_MAGIC):
            raise BackupError(f"{source} is not an SQLite backup (a PostgreSQL dump restores into PostgreSQL)")
        await db.engine.dispose()  # nothing of ours holds the file while it is replaced
        await asyncio.to_thread(_sqlite_copy, source, sqlite_path(db))
    else:
        if not head.startswith(PG_MAGIC):
            raise BackupError(f"{source} is not a pg_dump custom-format file (an SQLite backup restores into SQLite)")
        await _run(
            _tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
            "--exit-on-error", f"--dbname={libpq_url(db)}", str(source),
        )  # fmt: skip


def _head(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(16)


def _sqlite_copy(source: Path, target: Path) -> None:
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst, pages=1024)  # in steps: the bot's writes go on between them
        dst.execute("PRAGMA journal_mode=WAL")
        problem = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if problem != "ok":
            raise BackupError(f"the copy failed its integrity check: {problem}")
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite: {exc}") from None
    finally:
        dst.close()
        src.close()


async def _run(*argv: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    _, err = await proc.communicate()
    if proc.returncode != 0:
        lines = [line for line in err.decode(errors="replace").splitlines() if line.strip()]
        raise BackupError(f"{Path(argv[0]).name} failed: {lines[-1] if lines else f'exit {proc.returncode}'}")
