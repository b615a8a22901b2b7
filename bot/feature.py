"""What a feature is: everything it adds to the bot, declared in one value.

A feature lives in ``bot/features/<name>/`` and exports ``build(deps) -> Feature``. It never
registers anything itself and holds no globals: :class:`~bot.app.App` installs the features of
one explicit list, in order, and wires their declarations into the dispatcher (commands,
listeners, buttons, perks), the scheduler (jobs) and the data-rights registry (hooks).

What one feature needs from another is a constructor argument typed as a small Protocol
(``bot/contracts.py``); a feature offers such an object with :class:`Provide` and a later
feature asks for it with :meth:`Deps.need` or :meth:`Deps.optional`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from bot.clock import Clock
from bot.commands import CommandRegistry, CommandSpec
from bot.context import (
    AdmissionListener,
    ButtonHandler,
    MessageListener,
    PerkSource,
    ReactionListener,
    VoteListener,
)
from bot.dashboard.pages import Page, Panel
from bot.events import ChatRef
from bot.i18n import SOURCE, negotiate
from bot.llm import LLM
from bot.matching.embedders import SharedEmbedder
from bot.messenger import Messenger
from bot.notices import ManagerNotices
from bot.platforms import PlatformRegistry
from bot.settings import Settings
from storage.db import Database
from storage.rights import ExportHook, ForgetHook
from storage.rights import Forget as Forget  # what forget hooks receive, re-exported for features

T = TypeVar("T")

Hook = Callable[[], Awaitable[object]]


class FeatureError(Exception):
    """A feature list that cannot be installed (a missing dependency, a name used twice)."""


@dataclass(frozen=True, slots=True)
class Slot(Generic[T]):
    """A typed name for something one feature offers others (``POINTS: Slot[Awarder]``)."""

    name: str


@dataclass(frozen=True, slots=True)
class Provide(Generic[T]):
    slot: Slot[T]
    value: T


@dataclass(frozen=True, slots=True)
class Job:
    """A scheduled job: every ``every`` seconds, or weekly at ``weekly`` ("mon 09:00") in the
    community's time zone. ``at_start`` also runs it once when the bot starts (catch-up)."""

    name: str
    run: Hook
    every: float | None = None
    weekly: str | None = None
    at_start: bool = False

    def __post_init__(self) -> None:
        if (self.every is None) == (self.weekly is None):
            raise ValueError(f"job {self.name!r}: give exactly one of every= or weekly=")


@dataclass(frozen=True, slots=True)
class DataRights:
    """How a feature answers a member's data rights for the tables it owns.

    ``tables`` names every member-keyed table the hooks cover (a test walks the schema and
    fails on one nobody covers). ``export`` returns sections of the member's export;
    ``forget`` deletes or anonymises their rows inside the caller's transaction and returns
    counts. Forget hooks run in reverse install order, so a feature built on another's rows
    lets go of them before the owner deletes them."""

    tables: tuple[str, ...]
    forget: ForgetHook
    export: ExportHook | None = None


@dataclass(frozen=True, slots=True)
class Feature:
    name: str
    commands: tuple[CommandSpec, ...] = ()
    on_message: tuple[MessageListener, ...] = ()
    on_reaction: tuple[ReactionListener, ...] = ()
    on_join: tuple[MessageListener, ...] = ()
    #: asked in order about each request to join a chat (Telegram join requests); the first answer wins
    on_join_request: tuple[AdmissionListener, ...] = ()
    #: told of votes in platforms' native polls (Telegram poll answers)
    on_poll_vote: tuple[VoteListener, ...] = ()
    buttons: Mapping[str, ButtonHandler] = field(default_factory=dict)
    jobs: tuple[Job, ...] = ()
    #: perks a member has (from grades): a command with ``perk=`` is open to holders
    perks: PerkSource | None = None
    data_rights: tuple[DataRights, ...] = ()
    #: the dashboard: pages (templates in the feature's ``templates/`` folder) and overview panels
    pages: tuple[Page, ...] = ()
    panels: tuple[Panel, ...] = ()
    provides: tuple[Provide[Any], ...] = ()
    #: run when the bot starts (after migrations) and when it stops
    on_start: tuple[Hook, ...] = ()
    on_stop: tuple[Hook, ...] = ()
    #: run once every feature's ``on_start`` is done: for work that should not hold start-up up
    #: (each should return quickly and go on in the background)
    after_start: tuple[Hook, ...] = ()


class Deps:
    """What a feature's ``build`` receives: the core's services and what earlier features offer.

    Built by the App; features read it, never write it."""

    def __init__(
        self,
        *,
        settings: Settings,
        db: Database,
        clock: Clock,
        worker_id: str,
        llm: LLM,
        embedder: SharedEmbedder,
        messenger: Messenger,
        commands: CommandRegistry,
        data_rights: DataRightsRegistry,
        platforms: PlatformRegistry,
        health: Callable[[ChatRef, str], Awaitable[list[str]]],
        notices: ManagerNotices,
        provided: Mapping[Slot[Any], Any],
    ) -> None:
        self.settings = settings
        self.db = db
        self.clock = clock
        #: this process's id in row claims and leases
        self.worker_id = worker_id
        #: the optional LLM (a null one when none is configured: every call answers None)
        self.llm = llm
        #: the process's sentence embedder ([faq] semantic): None from ``get()`` when off or unavailable
        self.embedder = embedder
        self.messenger = messenger
        #: every installed command (read at call time, e.g. by /help)
        self.commands = commands
        #: every installed feature's data-rights hooks (read at call time by /mydata)
        self.data_rights = data_rights
        #: the platforms this bot knows: names, mention and chat-target syntax
        self.platforms = platforms
        #: the process's health lines for /status (version, platforms, database, this chat)
        self.health = health
        #: tells the managers (their chats, else kept for /setup): failures and flags never only logged
        self.notices = notices
        self._provided = provided

    @property
    def language(self) -> str:
        """The community's default language (``language`` in the config) as one the bot speaks:
        what a message to everyone, or to the managers, is written in."""
        return negotiate(self.settings.language) or SOURCE

    def need(self, slot: Slot[T], by: str) -> T:
        """What a feature cannot work without; a clear error names the missing feature."""
        value = self.optional(slot)
        if value is None:
            raise FeatureError(f"feature {by!r} needs {slot.name!r}: install the feature that offers it before it")
        return value

    def optional(self, slot: Slot[T]) -> T | None:
        value: T | None = self._provided.get(slot)
        return value


Builder = Callable[[Deps], Feature]


@dataclass(slots=True)
class DataRightsRegistry:
    """Every installed feature's data-rights hooks, in install order (read by /mydata)."""

    _hooks: list[tuple[str, DataRights]] = field(default_factory=list)

    def add(self, feature: str, hooks: Iterable[DataRights]) -> None:
        self._hooks += [(feature, h) for h in hooks]

    def hooks(self) -> list[tuple[str, DataRights]]:
        return list(self._hooks)

    def tables(self) -> set[str]:
        return {t for _, h in self._hooks for t in h.tables}
