"""The composition root: builds storage, services and the configured adapters, and runs them.

This is the one module in ``bot/`` that may load adapters (by name, with importlib, only
when configured); only the CLI imports it.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import signal
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import platformdirs

from bot import __version__
from bot.adapter import Adapter
from bot.audit import Auditor
from bot.clock import Clock, SystemClock
from bot.commands import CommandRegistry, Role
from bot.dispatcher import Dispatcher
from bot.events import ChatRef
from bot.handlers.announcements import AnnouncementCommands
from bot.handlers.core import CoreCommands
from bot.handlers.faq import FaqCommands
from bot.handlers.feedback import FeedbackCommands
from bot.handlers.mydata import DataRightsCommands
from bot.handlers.points import PointsCommands
from bot.handlers.releases import ReleaseCommands
from bot.llm import make_llm
from bot.messenger import Messenger
from bot.roles import RoleResolver
from bot.scheduler import Scheduler
from bot.services.announcements import AnnouncementService
from bot.services.faq import FaqService
from bot.services.feedback import FeedbackService
from bot.services.notifier import Notifier
from bot.services.points import PointsService
from bot.services.releases import ReleaseService
from bot.services.report import build_report
from bot.settings import Settings, parse_weekly
from storage.db import Database, sqlite_url
from storage.migrate import upgrade
from storage.repositories import AuditRepo, ChatRepo, EventRepo, MemberRepo
from storage.repositories.announcements import AnnouncementRepo
from storage.repositories.faq import FaqRepo
from storage.repositories.feedback import FeedbackRepo
from storage.repositories.linking import LinkRepo
from storage.repositories.outbox import NotificationRepo, OfferRepo
from storage.repositories.points import PointsRepo
from storage.repositories.privacy import PrivacyRepo
from storage.repositories.releases import ReleaseRepo
from storage.repositories.stats import StatsRepo

log = logging.getLogger(__name__)

ADAPTERS = {
    "console": "adapters.console:ConsoleAdapter",
    "telegram": "adapters.telegram:TelegramAdapter",
    "discord": "adapters.discord:DiscordAdapter",
}


class StartupError(Exception):
    """Something the user must fix before the bot can run; one clear line."""


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("fanloop", appauthor=False))


def database_url(settings: Settings) -> str:
    if settings.database_url:
        return settings.database_url
    return sqlite_url((settings.data_dir or default_data_dir()).expanduser())


def load_adapter_class(name: str) -> Callable[..., Adapter]:
    module_name, _, cls = ADAPTERS[name].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise StartupError(f"the {name} adapter cannot be loaded: {exc}") from None
    factory: Callable[..., Adapter] = getattr(module, cls)
    return factory


class App:
    """Everything one fanloop process runs, wired together."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None, db: Database | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.db = db or Database(database_url(settings))
        self.members = MemberRepo(self.db)
        self.chats = ChatRepo(self.db)
        self.events = EventRepo(self.db)
        self.audit = AuditRepo(self.db)
        self.registry = CommandRegistry()
        self.roles = RoleResolver(settings.roles)
        self.adapters: dict[str, Adapter] = {}
        self.messenger = Messenger(self.adapters, self.chats)
        self.dispatcher = Dispatcher(
            registry=self.registry,
            roles=self.roles,
            members=self.members,
            chats=self.chats,
            events=self.events,
            messenger=self.messenger,
            clock=self.clock,
            limits=settings.limits,
        )
        core = CoreCommands(
            self.registry, self.members, self.chats, self.audit, self.status_lines, settings.community_name
        )
        self.registry.extend(core.specs())

        self.feedback_items = FeedbackRepo(self.db)
        self.notifier = Notifier(
            NotificationRepo(self.db),
            self.feedback_items,
            self.messenger,
            self.clock,
            self.dispatcher.worker_id,
        )
        self.feedback = FeedbackService(
            self.feedback_items,
            OfferRepo(self.db),
            self.members,
            self.chats,
            Auditor(self.audit),
            settings.feedback,
        )
        self.feedback_commands = FeedbackCommands(self.feedback, self.notifier, self.messenger, self.chats)
        self.feedback_commands.install(self.dispatcher)
        core.item_status = self.feedback_commands.status_change

        self.points_repo = PointsRepo(self.db)
        self.points = PointsService(self.points_repo, self.members, settings.points)
        self.feedback.points = self.points
        PointsCommands(self.points, LinkRepo(self.db), Auditor(self.audit), self.messenger).install(self.dispatcher)

        self.faq = FaqService(FaqRepo(self.db), self.members, self.chats, settings.faq)
        self.faq.points = self.points
        self.faq.llm = make_llm(settings.llm)
        self.faq.llm_settings = settings.llm
        self.feedback.llm = self.faq.llm if settings.llm.base_url else None
        FaqCommands(self.faq, Auditor(self.audit)).install(self.dispatcher)

        self.announcements = AnnouncementService(
            AnnouncementRepo(self.db),
            self.chats,
            self.messenger,
            self.clock,
            settings.announcements,
            self.dispatcher.worker_id,
        )
        AnnouncementCommands(self.announcements, Auditor(self.audit)).install(self.dispatcher)
        self.releases = ReleaseService(
            ReleaseRepo(self.db), self.feedback_items, self.members, self.announcements, self.notifier, self.clock
        )
        self.releases.points = self.points
        ReleaseCommands(self.releases, Auditor(self.audit), settings.announcements.timezone).install(self.dispatcher)
        self.stats = StatsRepo(self.db)
        DataRightsCommands(
            PrivacyRepo(self.db),
            self.stats,
            self.feedback_items,
            self.members,
            Auditor(self.audit),
            settings.privacy.keep_voted_feedback,
        ).install(self.dispatcher)
        self.scheduler = Scheduler()
        self._stopping = asyncio.Event()

    async def status_lines(self, chat: ChatRef) -> list[str]:
        backend = "SQLite" if self.db.is_sqlite else "PostgreSQL"
        lines = [
            f"fanloop {__version__}",
            f"platforms: {', '.join(self.adapters) or 'none'}",
            f"database: {backend}",
        ]
        adapter = self.adapters.get(str(chat.platform))
        if adapter is not None:
            lines += await adapter.describe(chat)
        return lines

    def add_adapter(self, adapter: Adapter) -> None:
        self.adapters[str(adapter.platform)] = adapter
        self.roles.register_platform(str(adapter.platform), adapter.resolve_role)

    async def prepare(self) -> None:
        """Bring the database schema up to date and record the console's fan channel."""
        await upgrade(self.db)
        await self.faq.load()
        if "console" in self.adapters:
            await self.chats.ensure(
                "console", "fans", title="fans", kind="fan", community_id="console", now=self.clock.now()
            )

    async def run(self) -> None:
        """Start every adapter; stop on SIGINT/SIGTERM or when all adapters are finished."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):  # not main thread / Windows
                loop.add_signal_handler(sig, self._stopping.set)
        started: list[Adapter] = []
        try:
            for name, adapter in self.adapters.items():
                await adapter.start(self.dispatcher)
                started.append(adapter)
                log.info("adapter started", extra={"platform": name})
            self._schedule()
            await self.notifier.flush()  # notifications a crash left pending
            finished: asyncio.Future[Any] = asyncio.gather(*(a.wait_finished() for a in started))
            stopping: asyncio.Future[Any] = asyncio.create_task(self._stopping.wait())
            await asyncio.wait([finished, stopping], return_when=asyncio.FIRST_COMPLETED)
            for waiter in (stopping, finished):
                waiter.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await waiter
        finally:
            await self.shutdown(started)
        failures = [f"{a.platform}: {reason}" for a in started if (reason := getattr(a, "fatal", None))]
        if failures:
            raise StartupError("; ".join(failures))

    def _schedule(self) -> None:
        day, hour, minute = parse_weekly(self.settings.feedback.digest_at)
        tz = self.settings.announcements.timezone
        self.scheduler.weekly("feedback-digest", day, hour, minute, tz, self.feedback_commands.post_digest)
        self.scheduler.every("notification-sweep", 60, self.notifier.flush)
        self.scheduler.every("announcements", 5, self.broadcast_tick)
        day, hour, minute = parse_weekly(self.settings.announcements.report_at)
        self.scheduler.weekly("community-report", day, hour, minute, tz, self.post_report)
        self.scheduler.every("forget-old-events", 3600, self._prune_events)
        self.scheduler.start()

    async def post_report(self) -> None:
        """The weekly community report, delivered once per announcement chat like any announcement."""
        report = await build_report(self.stats, self.feedback_items, self.members, self.clock.now())
        await self.announcements.announce_now(report.plain(), None)
        await self.announcements.tick()

    async def broadcast_tick(self) -> None:
        """Ship releases whose slot has come, then start due announcements and deliver."""
        await self.releases.ship_due(self.clock.now())
        await self.announcements.tick()

    async def _prune_events(self) -> None:
        await self.events.prune(self.clock.now() - timedelta(days=2))

    def stop(self) -> None:
        self._stopping.set()

    async def shutdown(self, adapters: list[Adapter] | None = None) -> None:
        """Finish in-flight handlers, stop adapters, close the database."""
        self.scheduler.shutdown()
        await self.dispatcher.drain(grace=30)
        for adapter in reversed(adapters if adapters is not None else list(self.adapters.values())):
            try:
                await adapter.stop()
            except Exception:
                log.exception("adapter failed to stop cleanly", extra={"platform": str(adapter.platform)})
        await self.faq.llm.aclose()
        await self.db.dispose()


def build_adapters(app: App, *, console: bool, console_options: dict[str, Any]) -> None:
    """Choose adapters by which tokens are configured; the console when none is (or asked)."""
    s = app.settings
    if s.has_telegram:
        app.add_adapter(load_adapter_class("telegram")(settings=s.telegram, clock=app.clock))
    if s.has_discord:
        app.add_adapter(load_adapter_class("discord")(settings=s.discord, clock=app.clock))
    if console or not app.adapters:
        options = {"default_role": Role.ADMIN, **console_options}
        app.add_adapter(load_adapter_class("console")(clock=app.clock, **options))
