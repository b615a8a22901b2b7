"""``fanloop web`` serves the dashboard alone; ``fanloop dashboard link IDENTITY`` prints a sign-in
link for the operator and ``fanloop dashboard revoke IDENTITY`` signs a member out everywhere."""

from __future__ import annotations

import asyncio
import contextlib
import signal

import click
from sqlalchemy.exc import SQLAlchemyError

from bot.clock import SystemClock
from bot.commands import Role
from bot.dashboard.auth import DEFAULT_PORT, SignIn, base_url
from bot.events import Author, Platform
from bot.roles import RoleResolver
from bot.settings import Settings
from storage.db import Database
from storage.repositories.dashboard import DashboardRepo
from storage.repositories.members import MemberRepo, MemberView


@click.command("web")
@click.option("--port", type=click.IntRange(1, 65535), default=DEFAULT_PORT, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="0.0.0.0 to be reached from other machines.")
@click.pass_context
def web_command(ctx: click.Context, port: int, host: str) -> None:
    """Serve the web dashboard (and /healthz) without running any platform adapter.

    Any number of these may run next to `fanloop run` on one PostgreSQL; what a manager changes
    here is told to fans by the processes that run the platforms."""
    from bot.cli import EXIT_DATABASE, _db_error, _settings, fail
    from bot.logs import setup_logging

    settings = _settings(ctx)
    setup_logging(settings.log_level, settings.log_format, [])
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_serve(settings, ctx, host, port))
    except (SQLAlchemyError, OSError) as exc:
        fail(_db_error(exc) if isinstance(exc, SQLAlchemyError) else f"web: {exc}", EXIT_DATABASE)


async def _serve(settings: Settings, ctx: click.Context, host: str, port: int) -> None:
    from bot.app import App
    from bot.cli import _platforms
    from bot.web import HttpServer

    app = App(settings, platforms=_platforms(ctx))
    try:
        await app.prepare()
        server = HttpServer(f"{host}:{port}")
        app.healthz.mount(server)
        app.dashboard(base_url(settings.http, port)).mount(server)
        await server.start()
        click.echo(
            f"dashboard: {base_url(settings.http, port)}/dashboard/ (sign in with /dashboard in chat, or "
            "fanloop dashboard link IDENTITY)",
            err=True,
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await server.stop()
    finally:
        await app.shutdown([])


@click.group("dashboard")
def dashboard_group() -> None:
    """Sign-in links and sessions of the web dashboard."""


def _identity(ctx: click.Context, identity: str) -> tuple[str, str]:
    from bot.cli import EXIT_CONFIG, _platforms, fail

    registry = _platforms(ctx)
    problems = registry.check_identities([identity])
    if problems:
        fail(problems[0], EXIT_CONFIG)
    platform, _, user_id = identity.partition(":")
    return platform, user_id.lower() if registry.folds_case(platform) else user_id


async def _member(db: Database, platform: str, user_id: str) -> MemberView:
    members = MemberRepo(db)
    found = await members.find(platform, user_id=user_id)
    return found or await members.ensure(platform, user_id, user_id, None, SystemClock().now())


@dashboard_group.command("link")
@click.argument("identity")
@click.option("--port", type=click.IntRange(1, 65535), help="The port of `fanloop web` (default: [http] listen's).")
@click.pass_context
def link_command(ctx: click.Context, identity: str, port: int | None) -> None:
    """Print a one-time sign-in link for IDENTITY (e.g. telegram:123, console:mia), with the role
    the config gives it ([roles]); it works once, for 10 minutes."""
    from bot.cli import _platforms, _settings, with_database

    platform, user_id = _identity(ctx, identity)
    settings = _settings(ctx)
    resolver = RoleResolver(settings.roles, fold_case=_platforms(ctx).folds_case)
    role = resolver.allowlisted(Author(Platform(platform), user_id, user_id))

    async def work(db: Database) -> str:
        member = await _member(db, platform, user_id)
        signin = SignIn(DashboardRepo(db), SystemClock(), base_url(settings.http, port))
        return await signin.link(member.member_id, f"{platform}:{user_id}", role, settings.language)

    url = with_database(ctx, work)
    click.echo(url)
    if role < Role.MODERATOR:
        click.echo(
            f"note: {platform}:{user_id} is not a moderator, manager or admin in [roles]: this link opens no "
            "manager page (platform admins ask for theirs with /dashboard in chat)",
            err=True,
        )


@dashboard_group.command("revoke")
@click.argument("identity")
@click.pass_context
def revoke_command(ctx: click.Context, identity: str) -> None:
    """Sign IDENTITY's member out of the dashboard in every browser and void their unused links."""
    from bot.cli import with_database

    platform, user_id = _identity(ctx, identity)

    async def work(db: Database) -> int:
        member = await MemberRepo(db).find(platform, user_id=user_id)
        if member is None:
            return 0
        return await SignIn(DashboardRepo(db), SystemClock(), "").sign_out_everywhere(member.member_id)

    ended = with_database(ctx, work)
    click.echo(f"signed out of {ended} session{'s' if ended != 1 else ''}")
