"""The ``fanloop`` command line: run, db upgrade, config check."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from sqlalchemy.exc import SQLAlchemyError

from bot import __version__
from bot.commands import Role
from bot.platforms import PlatformRegistry
from bot.settings import ConfigError, Settings, load_settings
from storage.db import Database

log = logging.getLogger("fanloop")
T = TypeVar("T")


#: exit codes (README "Running in production"): 0 stopped on request or the console transcript
#: ended; 1 every adapter failed for good, or a runtime failure; 2 the configuration is invalid;
#: 3 the database cannot be reached (a supervisor should retry later)
EXIT_FAILED, EXIT_CONFIG, EXIT_DATABASE = 1, 2, 3


def fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _platforms(ctx: click.Context) -> PlatformRegistry:
    obj: dict[str, Any] = ctx.ensure_object(dict)
    if "platforms" not in obj:
        obj["platforms"] = PlatformRegistry.discover()
    registry: PlatformRegistry = obj["platforms"]
    return registry


def _settings(ctx: click.Context) -> Settings:
    """The configuration, with every installed platform's section validated (one line per problem)."""
    obj: dict[str, Any] = ctx.ensure_object(dict)
    registry = _platforms(ctx)
    try:
        settings = load_settings(obj.get("config"), registry.names())
        registry.sections(settings)
    except ConfigError as exc:
        fail(str(exc), 2)
    roles = settings.roles
    problems = registry.check_identities([*roles.admins, *roles.managers, *roles.moderators])
    if problems:
        fail("\n".join(f"roles: {p}" for p in problems), 2)
    if obj.get("data_dir"):
        settings.data_dir = Path(obj["data_dir"])
    return settings


def _secrets(settings: Settings, registry: PlatformRegistry) -> list[str]:
    values = [settings.llm.api_key]
    for name, section in registry.sections(settings).items():
        plugin = registry.get(name)
        if plugin is not None:
            values += plugin.secrets(section)
    return [v.get_secret_value() for v in values if v is not None]


def _db_error(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    return f"database: {text[:200]}"


def with_database(ctx: click.Context, work: Callable[[Database], Awaitable[T]]) -> T:
    """Open the configured database, bring its schema up to date, run ``work`` on it and close it;
    a database the user can't reach is one ``error:`` line, not a traceback."""
    from bot.app import database_url
    from storage.migrate import upgrade

    settings = _settings(ctx)

    async def _run() -> T:
        database = Database(database_url(settings))
        try:
            await upgrade(database)
            return await work(database)
        finally:
            await database.dispose()

    try:
        return asyncio.run(_run())
    except (SQLAlchemyError, OSError) as exc:
        fail(_db_error(exc), EXIT_DATABASE)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="fanloop")
@click.option("--config", "config", type=click.Path(dir_okay=False), envvar="FANLOOP_CONFIG", help="TOML config file.")
@click.option("--data-dir", type=click.Path(file_okay=False), help="Where the SQLite database lives.")
@click.pass_context
def cli(ctx: click.Context, config: str | None, data_dir: str | None) -> None:
    """fanloop: run your product's fan community on Telegram and Discord."""
    ctx.ensure_object(dict).update(config=config, data_dir=data_dir)


@cli.command()
@click.option("--console", "force_console", is_flag=True, help="Run the console adapter (also with tokens set).")
@click.option(
    "--transcript",
    type=click.File("r", encoding="utf-8"),
    help="Replay NAME: TEXT lines from a file (- for stdin).",
)
@click.option(
    "--as", "as_user", default="you@admin", show_default=True, help="Who you are in the console: NAME[@ROLE]."
)
@click.option("--config", "run_config", type=click.Path(dir_okay=False), help="TOML config file.")
@click.option("--data-dir", "run_data_dir", type=click.Path(file_okay=False), help="Where the SQLite database lives.")
@click.option("--adapters", "only", help="Run only these configured adapters, e.g. 'telegram' or 'discord,telegram'.")
@click.option("--shards", help="Discord: the shard ids this process runs, e.g. 0-1 or 0,2 (with --shard-count).")
@click.option("--shard-count", type=click.IntRange(1, 10000), help="Discord: the bot's total number of shards.")
@click.option(
    "--send-only",
    is_flag=True,
    help="Telegram: don't poll or serve the webhook; only send (broadcasts, notifications) next to a poller.",
)
@click.pass_context
def run(
    ctx: click.Context,
    force_console: bool,
    transcript: io.TextIOBase | None,
    as_user: str,
    run_config: str | None,
    run_data_dir: str | None,
    only: str | None,
    shards: str | None,
    shard_count: int | None,
    send_only: bool,
) -> None:
    """Run the bot: Telegram/Discord when tokens are configured, else the console.

    Several processes may share one PostgreSQL database: one Telegram poller per token (or any
    number of webhook workers), Discord shard ranges, send-only workers; scheduled jobs and
    broadcasts are shared through the database."""
    # --config/--data-dir may also follow 'run' (python3 dev.py run --data-dir DIR)
    ctx.ensure_object(dict).update({k: v for k, v in (("config", run_config), ("data_dir", run_data_dir)) if v})
    settings = _settings(ctx)
    name, _, role_name = as_user.partition("@")
    try:
        role = Role.parse(role_name or "fan")
    except ValueError as exc:
        fail(f"--as: {exc}", 2)
    if transcript is not None:
        force_console = True
    from bot.logs import setup_logging

    quiet = transcript is not None or sys.stdin.isatty()
    setup_logging(
        "WARNING" if quiet and settings.log_level == "INFO" else settings.log_level,
        settings.log_format,
        _secrets(settings, _platforms(ctx)),
    )
    console_options: dict[str, Any] = {"default_user": name or "you", "default_role": role}
    if transcript is not None:
        console_options.update(stdin=transcript, transcript=True)
    options: dict[str, dict[str, Any]] = {"console": console_options}
    options.update(_role_options(shards, shard_count, send_only))
    names = [n.strip().lower() for n in only.split(",") if n.strip()] if only is not None else None
    if names is not None and not names:
        fail("--adapters: name at least one adapter, e.g. --adapters telegram", EXIT_CONFIG)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run(settings, _platforms(ctx), force_console, options, names))


def _role_options(shards: str | None, shard_count: int | None, send_only: bool) -> dict[str, dict[str, Any]]:
    """The deployment role's adapter options: Discord's shard range, Telegram's send-only mode."""
    options: dict[str, dict[str, Any]] = {}
    if shards is not None:
        if shard_count is None:
            fail("--shards needs --shard-count (the bot's total number of shards)", EXIT_CONFIG)
        try:
            ids = _parse_ids(shards)
        except ValueError:
            fail(f"--shards: {shards!r} must look like 0-1 or 0,2", EXIT_CONFIG)
        if any(not 0 <= i < shard_count for i in ids):
            fail(f"--shards: ids must be between 0 and {shard_count - 1}", EXIT_CONFIG)
        options["discord"] = {"shard_ids": ids, "shard_count": shard_count}
    elif shard_count is not None:
        options["discord"] = {"shard_count": shard_count}
    if send_only:
        options["telegram"] = {"receive": False}
    return options


def _parse_ids(text: str) -> list[int]:
    ids: list[int] = []
    for part in text.split(","):
        low, sep, high = part.strip().partition("-")
        ids += range(int(low), int(high) + 1) if sep else [int(low)]
    if not ids:
        raise ValueError(text)
    return sorted(set(ids))


async def _run(
    settings: Settings,
    registry: PlatformRegistry,
    force_console: bool,
    options: dict[str, dict[str, Any]],
    only: list[str] | None,
) -> None:
    from bot.app import App, StartupError

    app = App(settings, platforms=registry)
    try:
        app.build_adapters(console=force_console, options=options, only=only)
        await app.prepare()
    except ConfigError as exc:
        await app.db.dispose()
        fail(str(exc), EXIT_CONFIG)
    except StartupError as exc:
        await app.db.dispose()
        fail(str(exc))
    except (SQLAlchemyError, OSError) as exc:
        await app.db.dispose()
        fail(_db_error(exc), EXIT_DATABASE)
    try:
        await app.run()
    except StartupError as exc:
        fail(str(exc))


@cli.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Apply all pending migrations (also done automatically at start)."""
    from storage.migrate import current_revision

    revision = with_database(ctx, current_revision)
    click.echo(f"database is at revision {revision}")


@cli.group()
def config() -> None:
    """Configuration helpers."""


@config.command("check")
@click.pass_context
def config_check(ctx: click.Context) -> None:
    """Validate the configuration: prints 'ok' or what is wrong (exit 2)."""
    settings = _settings(ctx)
    registry = _platforms(ctx)
    platforms = registry.configured(registry.sections(settings))
    click.echo("ok")
    click.echo(f"platforms: {', '.join(platforms) or 'console only (no tokens configured)'}", err=True)


def _register() -> None:
    from bot.cli_backup import backup_command, restore_command
    from bot.cli_data import export_group, faq_group, points_group
    from bot.cli_web import dashboard_group, web_command

    cli.add_command(export_group)
    cli.add_command(points_group)
    cli.add_command(faq_group)
    cli.add_command(backup_command)
    cli.add_command(restore_command)
    cli.add_command(web_command)
    cli.add_command(dashboard_group)


_register()


def main() -> None:
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    cli(prog_name="fanloop")


if __name__ == "__main__":
    main()
