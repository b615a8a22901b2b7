"""``fanloop backup FILE`` and ``fanloop restore FILE``: a consistent copy of a live database, and
loading one into an empty database (README: Running in production → Backups)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import click

from storage.backup import BackupError, backup, restore, row_counts
from storage.db import Database


def _summary(counts: dict[str, int]) -> str:
    return f"{len(counts)} tables, {sum(counts.values())} rows"


def _run(ctx: click.Context, work: Callable[[Database], Awaitable[str]], done: str) -> None:
    """Run ``work`` on the configured database; its summary follows ``done`` on one line."""
    from bot.cli import fail, with_database

    try:
        summary = with_database(ctx, work)
    except BackupError as exc:
        fail(str(exc))
    click.echo(f"{done}: {summary}")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def backup_command(ctx: click.Context, file: Path) -> None:
    """Copy the database to FILE while the bot runs (SQLite: online backup; PostgreSQL: pg_dump)."""
    file = file.expanduser().absolute()

    async def work(db: Database) -> str:
        await backup(db, file)
        if db.is_sqlite:  # the copy is itself a database: count what it holds
            copy = Database(f"sqlite+aiosqlite:///{file}")
            try:
                return _summary(await row_counts(copy))
            finally:
                await copy.dispose()
        return _summary(await row_counts(db))

    _run(ctx, work, f"backed up to {file}")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
@click.pass_context
def restore_command(ctx: click.Context, file: Path, force: bool) -> None:
    """Load a backup FILE into the configured database (it must be empty unless --force).

    Stop the bot first: a restore replaces what a running bot is using."""
    from storage.migrate import upgrade

    file = file.expanduser().absolute()

    async def work(db: Database) -> str:
        await restore(db, file, force=force)
        await upgrade(db)  # a backup from an older fanloop is brought up to this version's schema
        return _summary(await row_counts(db))

    _run(ctx, work, f"restored {file}")
