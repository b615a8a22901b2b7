"""The composition root: storage, the core, the features of one list, and the configured adapters.

It holds no feature logic: each feature's declarations (commands, listeners, buttons, perks,
jobs, data-rights hooks, start/stop hooks) are installed from its ``Feature`` value. Adapters come
from the platform registry (``fanloop.adapters`` entry points). Only the CLI imports this module.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import platformdirs

from bot import __version__
from bot.adapter import Adapter
from bot.clock import Clock, SystemClock
from bot.commands import CommandRegistry
from bot.dashboard.auth import SignIn, base_url
from bot.dashboard.server import Dashboard
from bot.dispatcher import Dispatcher
from bot.events import ChatRef
from bot.feature import Builder, DataRightsRegistry, Deps, Feature, FeatureError, Slot
from bot.features import DEFAULT_FEATURES
from bot.health import AdapterHealth, Health
from bot.i18n import SOURCE, Domain
from bot.llm import make_llm
from bot.matching.embedders import SharedEmbedder
from bot.messenger import Messenger
from bot.metrics import Metrics
from bot.notices import ManagerNotices
from bot.platforms import PlatformRegistry
from bot.recovery import ReplyRecovery
from bot.roles import RoleResolver
from bot.scheduler import Job, Scheduler, once_a_week
from bot.settings import ConfigError, Settings, parse_weekly
from bot.supervisor import RUNNING, Status, Supervisor, wait_first
from bot.web import HttpServer
from storage.db import Database, sqlite_url
from storage.migrate import upgrade
from storage.repositories import ChatRepo, EventRepo, MemberRepo
from storage.repositories.dashboard import DashboardRepo
from storage.repositories.jobs import JobRunRepo
from storage.repositories.notices import NoticeRepo
from storage.repositories.replies import ReplyRepo

log = logging.getLogger(__name__)
V = TypeVar("V")
T = Domain("core")


class StartupError(Exception):
    """Something the user must fix before the bot can run; one clear line."""


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("fanloop", appauthor=False))


def database_url(settings: Settings) -> str:
    if settings.database_url:
        return settings.database_url
    return sqlite_url((settings.data_dir or default_data_dir()).expanduser())


class App:
    """Everything one fanloop process runs, wired together once, in the constructor."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        db: Database | None = None,
        features: Sequence[Builder] = DEFAULT_FEATURES,
        platforms: PlatformRegistry | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.db = db or Database(database_url(settings))
        self.platforms = platforms if platforms is not None else PlatformRegistry.discover()
        roles = settings.roles
        problems = self.platforms.check_identities([*roles.admins, *roles.managers, *roles.moderators])
        if problems:
            raise ConfigError("\n".join(f"roles: {p}" for p in problems))
        self.worker_id = uuid.uuid4().hex[:12]
        self.adapters: dict[str, Adapter] = {}
        self.chats = ChatRepo(self.db)
        self.members = MemberRepo(self.db)
        self.events = EventRepo(self.db)
        self.registry = CommandRegistry()
        self.roles = RoleResolver(settings.roles, fold_case=self.platforms.folds_case)
        #: platforms whose adapter is not running right now (starting, retrying, failed)
        self.down: set[str] = set()
        self.supervisors: dict[str, Supervisor] = {}
        self.messenger = Messenger(self.adapters, self.chats, self.down)
        self.notices = ManagerNotices(self.chats, self.messenger, NoticeRepo(self.db), self.clock)
        self.llm = make_llm(settings.llm)
        #: sentence embeddings for FAQ answers and feedback duplicate hints ([faq] semantic), made at first use
        self.embedder = SharedEmbedder(settings.faq, settings.llm)
        self.data_rights = DataRightsRegistry()
        self._provided: dict[Slot[Any], Any] = {}
        self.features = self._install(features)
        self.metrics = Metrics()
        self.dispatcher = Dispatcher(
            metrics=self.metrics,
            language=settings.language,
            registry=self.registry,
            roles=self.roles,
            members=self.members,
            chats=self.chats,
            events=self.events,
            messenger=self.messenger,
            clock=self.clock,
            limits=settings.limits,
            worker_id=self.worker_id,
            mentions=self.platforms.mention_patterns(),
            message_listeners=[m for f in self.features for m in f.on_message],
            reaction_listeners=[r for f in self.features for r in f.on_reaction],
            join_listeners=[j for f in self.features for j in f.on_join],
            admission_listeners=[a for f in self.features for a in f.on_join_request],
            vote_listeners=[v for f in self.features for v in f.on_poll_vote],
            buttons=_buttons(self.features),
            perks=[f.perks for f in self.features if f.perks is not None],
        )
        self.job_runs = JobRunRepo(self.db)
        self.recovery = ReplyRecovery(ReplyRepo(self.db), self.messenger, self.clock, self.worker_id)
        self.scheduler = Scheduler()
        self._stopping = asyncio.Event()
        #: /healthz, /metrics and adapters' webhooks, when ``[http] listen`` is set
        self.http = HttpServer(settings.http.listen) if settings.http.listen else None
        self.healthz = Health(
            db=self.db,
            clock=self.clock,
            metrics=self.metrics,
            adapters=self.adapter_health,
            stale_after=settings.http.stale_after_seconds,
            about={
                "version": __version__,
                "worker": self.worker_id,
                "database_backend": "sqlite" if self.db.is_sqlite else "postgresql",
            },
        )
        if self.http is not None:
            self.healthz.mount(self.http)
            self.dashboard(base_url(settings.http)).mount(self.http)

    def dashboard(self, url: str) -> Dashboard:
        """The web dashboard of this process's features (``url``: where browsers reach it)."""
        return Dashboard(
            features=self.features,
            signin=SignIn(DashboardRepo(self.db), self.clock, url),
            members=self.members,
            dispatcher=self.dispatcher,
            clock=self.clock,
            community=self.settings.community_name,
            language=self.settings.language,
            tz=self.settings.announcements.timezone,
        )

    def _install(self, builders: Iterable[Builder]) -> list[Feature]:
        provided = self._provided
        deps = Deps(
            settings=self.settings,
            db=self.db,
            clock=self.clock,
            worker_id=self.worker_id,
            llm=self.llm,
            embedder=self.embedder,
            messenger=self.messenger,
            commands=self.registry,
            data_rights=self.data_rights,
            platforms=self.platforms,
            health=self.health,
            notices=self.notices,
            provided=provided,
        )
        installed: list[Feature] = []
        for build in builders:
            feature = build(deps)
            if any(f.name == feature.name for f in installed):
                raise FeatureError(f"feature {feature.name!r} is installed twice")
            self.registry.extend(replace(spec, domain=feature.name) for spec in feature.commands)
            self.data_rights.add(feature.name, feature.data_rights)
            for offer in feature.provides:
                provided[offer.slot] = offer.value
            installed.append(feature)
        return installed

    def feature(self, name: str) -> Feature:
        return next(f for f in self.features if f.name == name)

    def get(self, slot: Slot[V]) -> V | None:
        """What an installed feature offers under ``slot`` (for the CLI and tests)."""
        value: V | None = self._provided.get(slot)
        return value

    async def health(self, chat: ChatRef, where: str = SOURCE) -> list[str]:
        backend = "SQLite" if self.db.is_sqlite else "PostgreSQL"
        lines = [
            f"fanloop {__version__}",
            T(where, "platforms: {names}", names=", ".join(self.adapters) or T(where, "none")),
            T(where, "database: {backend}", backend=backend),
        ]
        for name, state in self.adapter_health().items():
            if state.state != RUNNING or state.problem:
                lines.append(f"⚠ {name}: {state.state}" + (f" — {state.problem}" if state.problem else ""))
        adapter = self.adapters.get(str(chat.platform))
        if adapter is not None:
            lines += await adapter.describe(chat, where)
        return lines

    def adapter_health(self) -> dict[str, AdapterHealth]:
        """Each adapter's state (adapters started by hand, outside ``run()``, count as running)."""
        now = time.monotonic()
        out = {}
        for name in self.adapters:
            sup = self.supervisors.get(name)
            if sup is None:
                out[name] = AdapterHealth(RUNNING)
            else:
                out[name] = AdapterHealth(sup.status.state, sup.problem, now - sup.status.since)
        return out

    # -- adapters ---------------------------------------------------------------------------
    def add_adapter(self, adapter: Adapter) -> None:
        self.adapters[str(adapter.platform)] = adapter
        self.roles.register_platform(str(adapter.platform), adapter.resolve_role)

    def build_adapters(
        self,
        *,
        console: bool,
        options: Mapping[str, Mapping[str, Any]] | None = None,
        only: Sequence[str] | None = None,
    ) -> None:
        """Every platform whose section is configured (or those of ``only``: a deployment role such
        as ``--adapters telegram``); the fallback (console) when none is, or asked.

        ``options`` are per-platform constructor options (the console's transcript, ``--as``,
        Discord's shard range, Telegram's send-only mode)."""
        options = options or {}
        sections = self.platforms.sections(self.settings)
        names = self.platforms.configured(sections)
        if only is not None:
            for name in only:
                if self.platforms.get(name) is None:
                    known = ", ".join(self.platforms.names())
                    raise ConfigError(f"--adapters: there is no {name!r} adapter (installed: {known})")
                if name not in names and name != self.platforms.fallback():
                    raise ConfigError(f"--adapters: {name} is not configured (set its token, see README)")
            names = [n for n in names if n in only]
            console = console or (self.platforms.fallback() in only)
        if console or (not names and only is None):
            fallback = self.platforms.fallback()
            if fallback is None:
                raise StartupError("no platform is configured and no console adapter is installed")
            names.append(fallback)
        for name in names:
            plugin = self.platforms.get(name)
            assert plugin is not None
            self.add_adapter(plugin.create(sections[name], self.clock, options.get(name, {})))

    # -- running ----------------------------------------------------------------------------
    async def prepare(self) -> None:
        """Bring the database schema up to date, start the features, record platforms' fan channels."""
        await upgrade(self.db)
        for feature in self.features:
            for hook in feature.on_start:
                await hook()
        for feature in self.features:
            for hook in feature.after_start:
                await hook()
        for name in self.adapters:
            plugin = self.platforms.get(name)
            for chat_id in plugin.fan_channels if plugin else ():
                now = self.clock.now()
                await self.chats.ensure(name, chat_id, title=chat_id, kind="fan", community_id=name, now=now)

    async def run_job(self, name: str) -> object:
        """Run one feature's scheduled job now (what the scheduler does when it is due)."""
        job = next((j for f in self.features for j in f.jobs if j.name == name), None)
        if job is None:
            raise KeyError(f"no job {name!r}")
        return await job.run()

    async def run(self) -> None:
        """Run every adapter under its own supervisor (one platform's outage never stops another);
        stop on SIGINT/SIGTERM or when every adapter has finished or failed for good."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):  # not main thread / Windows
                loop.add_signal_handler(sig, self._stopping.set)
        self.supervisors = {
            name: Supervisor(name, adapter, self.dispatcher, on_change=self._adapter_changed)
            for name, adapter in self.adapters.items()
        }
        self.down.update(self.adapters)
        if self.http is not None:
            for adapter in self.adapters.values():
                mount = getattr(adapter, "mount_http", None)
                if mount is not None:
                    mount(self.http)  # e.g. the Telegram webhook, on the same port as /healthz
            await self.http.start()
        tasks = [asyncio.create_task(s.run(self._stopping), name=f"adapter-{n}") for n, s in self.supervisors.items()]
        everything = asyncio.gather(*tasks)
        try:
            # background work starts once every adapter had its first try (running, retrying or failed)
            settled = asyncio.gather(*(s.settled.wait() for s in self.supervisors.values()))
            await wait_first(settled, asyncio.shield(everything), self._stopping.wait())
            if not self._stopping.is_set():
                self._schedule()
                await self.recovery.sweep()  # replies a stopped process left (once their lease is over)
                for job in (j for f in self.features for j in f.jobs if j.at_start):
                    await job.run()
            await wait_first(asyncio.shield(everything), self._stopping.wait())
        finally:
            self._stopping.set()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(everything, 30)
            await self.shutdown([s.adapter for s in self.supervisors.values() if s.started])
        failed = [f"{n}: {s.status.detail}" for n, s in self.supervisors.items() if s.status.state == "failed"]
        if failed and len(failed) == len(self.supervisors):
            raise StartupError("; ".join(failed))

    def _adapter_changed(self, name: str, status: Status) -> None:
        if status.state == RUNNING:
            self.down.discard(name)
            log.info("adapter running", extra={"platform": name})
        else:
            self.down.add(name)

    def _schedule(self) -> None:
        tz = self.settings.announcements.timezone
        for job in (j for f in self.features for j in f.jobs):
            if job.every is not None:  # interval jobs run in every process: they claim their rows
                self.scheduler.every(job.name, job.every, job.run)
            else:
                assert job.weekly is not None
                day, hour, minute = parse_weekly(job.weekly)
                self.scheduler.weekly(job.name, day, hour, minute, tz, self.once_a_week(job.name, job.run, tz))
        self.scheduler.every("forget-old-events", 3600, self._forget_old)
        self.scheduler.every("reply-renew", 30, self.recovery.renew)
        self.scheduler.every("reply-sweep", 30, self.recovery.sweep)
        self.scheduler.start()

    def once_a_week(self, name: str, run: Job, tz: str) -> Job:
        """``run`` guarded so that, of every process on the database, one runs it per ISO week."""
        return once_a_week(self.job_runs, self.clock, self.worker_id, name, run, tz)

    async def _forget_old(self) -> None:
        await self.dispatcher.forget_old_events()
        await self.job_runs.prune(self.clock.now() - timedelta(days=60))
        await self.notices.repo.prune(self.clock.now() - timedelta(days=90))

    def stop(self) -> None:
        self._stopping.set()

    async def shutdown(self, adapters: list[Adapter] | None = None) -> None:
        """Finish in-flight handlers, stop adapters and features, close the database."""
        self.scheduler.shutdown()
        if self.http is not None:
            await self.http.stop()
        await self.dispatcher.drain(grace=30)
        for adapter in reversed(adapters if adapters is not None else list(self.adapters.values())):
            try:
                await adapter.stop()
            except Exception:
                log.exception("adapter failed to stop cleanly", extra={"platform": str(adapter.platform)})
        for feature in reversed(self.features):
            for hook in feature.on_stop:
                await hook()
        await self.llm.aclose()
        await self.db.dispose()


def _buttons(features: Iterable[Feature]) -> dict[str, Any]:
    buttons: dict[str, Any] = {}
    for feature in features:
        for action, handler in feature.buttons.items():
            if action in buttons:
                raise FeatureError(f"button action {action!r} is declared twice (feature {feature.name!r})")
            buttons[action] = handler
    return buttons
