"""The contract between the core and a platform adapter.

Adapters live in ``adapters/`` and implement :class:`Adapter`; the core only ever sees
this protocol, never a platform library.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bot.commands import CommandSpec, Role
from bot.events import Author, ChatRef, Event, Platform
from bot.replies import Reply

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SentRef:
    """Where a sent message landed, so it can be edited or linked to later."""

    platform: Platform
    chat_id: str
    message_ids: tuple[str, ...]
    #: the platform's id of the poll posted (a reply with ``poll``, on a platform with native polls)
    poll_id: str | None = None


class DeliveryError(Exception):
    """A send failed for good (bot removed, chat deleted, blocked). ``reason`` is for managers."""

    def __init__(self, reason: str, *, permanent: bool = True, unknown: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        #: the request went out and no answer came: the platform may have it (never resend blindly)
        self.unknown = unknown

    @property
    def outcome(self) -> str:
        """How the reply outbox records it: ``unknown`` (never sent again), ``failed`` (for good)
        or ``retry`` (send it again)."""
        return "unknown" if self.unknown else "failed" if self.permanent else "retry"


class AdapterFailure(Exception):
    """An adapter could not start or stopped, phrased for the operator: ``reason`` what happened,
    ``fix`` what to do. ``permanent`` failures (a rejected token, another poller on the token) are
    not retried; the others are, with backoff (``bot.supervisor``)."""

    def __init__(self, reason: str, *, fix: str = "", permanent: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.fix = fix
        self.permanent = permanent

    def describe(self) -> str:
        return f"{self.reason} — {self.fix}" if self.fix else self.reason


class Gate(Protocol):
    """Waits for a send's turn under a platform's rate limit (``bot.gates``)."""

    async def wait(self) -> None: ...


class EventSink(Protocol):
    """What an adapter hands its events to (the core's :class:`~bot.dispatcher.Dispatcher`)."""

    async def handle(self, event: Event) -> HandleResult: ...

    def commands(self) -> Sequence[CommandSpec]: ...

    def gate(self, key: str, rate: float) -> Gate:
        """The send gate for one bot token (``key``) at ``rate`` sends a second: shared by every
        process on a PostgreSQL database. Adapters wait on it before each send."""

    def waited(self, platform: str, seconds: float) -> None:
        """A platform rate limit (429) is being waited out (counted in ``/metrics``)."""

    async def last_handled(self, platform: str, chat_id: str) -> str | None:
        """The newest message id handled in a chat, for platforms with time-ordered ids (Discord):
        where an adapter catches up from history after downtime. None: never handled there."""

    async def delivered(self, reply_id: int, outcome: str, error: str | None = None) -> None:
        """Report how a reply of a :class:`HandleResult` went: ``sent``, ``failed`` (for good),
        ``unknown`` (the request went out, no answer came: never resent) or ``retry`` (let the
        outbox send it again). A reply never reported is sent again by another process only if
        this one dies; adapters report every reply."""


@dataclass(frozen=True, slots=True)
class HandleResult:
    """The core's answer to one event.

    ``outcome`` tells a delivery loop whether it may acknowledge the event to the platform:
    ``busy`` means another worker holds it, so leave it unacknowledged and retry later.
    """

    outcome: str  # handled | duplicate | busy | ignored
    replies: tuple[Reply, ...] = ()
    #: each reply's id in the durable outbox, None for one not kept (report with ``EventSink.delivered``)
    reply_ids: tuple[int | None, ...] = ()
    #: a :class:`~bot.events.JoinRequested`: approve (True), decline (False), or leave it to the
    #: chat's admins (None); its replies go to the requester privately
    admit: bool | None = None

    @property
    def may_acknowledge(self) -> bool:
        return self.outcome != "busy"

    def outgoing(self) -> list[tuple[Reply, int | None]]:
        """Each reply with its outbox id (None where none was kept)."""
        ids = self.reply_ids or (None,) * len(self.replies)
        return list(zip(self.replies, ids, strict=True))


class Adapter(Protocol):
    platform: Platform

    async def start(self, sink: EventSink) -> None:
        """Connect, publish the command list, and start delivering events to ``sink``. Raises
        :class:`AdapterFailure` for what the operator must fix; any other exception is taken as
        passing (network, platform outage) and the start is tried again after ``stop()``."""

    async def stop(self) -> None:
        """Stop taking new events, finish sending, disconnect. Idempotent."""

    async def wait_finished(self) -> None:
        """Return when the adapter has nothing more to do (console transcript end) or has failed
        for good (then its ``fatal`` attribute says why); else never."""

    async def send(self, chat: ChatRef, reply: Reply) -> SentRef:
        """Post to a chat (raises :class:`DeliveryError` on a permanent failure)."""

    async def reply(self, to: Event, reply: Reply) -> SentRef | None:
        """Answer an event where it happened (privately when ``reply.private``)."""

    async def edit(self, sent: SentRef, reply: Reply) -> None:
        """Replace the text of a message the bot sent."""

    async def send_direct(self, member: Author, reply: Reply) -> SentRef | None:
        """Direct-message a member; None when the platform will not let us (fall back)."""

    async def resolve_role(self, chat: ChatRef, author: Author) -> Role | None:
        """The role the platform gives this author in this chat (chat admin → manager)."""

    async def describe(self, chat: ChatRef, where: str = "en") -> list[str]:
        """Health lines for /status about this chat (e.g. "I can't see plain messages here"), in
        ``where``'s language (the core catalog, ``Domain("core")``, holds the adapters' lines too)."""


@runtime_checkable
class GradeRoles(Protocol):
    """An adapter that shows members' grades on its platform (Discord: a role per grade)."""

    def shows_grades(self) -> bool:
        """Whether grades are configured to show here (a role mapping is set)."""

    async def show_grade(self, user_id: str, grade: str) -> bool:
        """Give the member the platform's mark of ``grade`` wherever this process serves them, and
        take the other grades' marks away; True when anything changed. Raises :class:`DeliveryError`
        (``permanent`` when the bot lacks the permission: managers are told)."""

    async def grade_holders(self) -> dict[str, str]:
        """``{user_id: grade}`` of the members known to hold a grade's mark now (start-up repair)."""


@runtime_checkable
class InviteMaker(Protocol):
    """An adapter that can make a chat invite link named for one fan (Telegram's createChatInviteLink).
    The link asks for approval, so each join through it arrives as a join request naming the link."""

    async def create_invite(self, chat: ChatRef, name: str) -> str:
        """A new invite link to ``chat``; raises :class:`DeliveryError` when the bot may not."""


@runtime_checkable
class PollCloser(Protocol):
    """An adapter whose platform has native polls that can be stopped (Telegram's stopPoll)."""

    async def close_poll(self, sent: SentRef) -> None:
        """Stop the poll posted as ``sent``: no more votes there."""


async def report_delivery(sink: EventSink | None, reply_id: int | None, failure: DeliveryError | None = None) -> None:
    """Tell the outbox how a reply went (sent, or ``failure``'s outcome). If the database is away the
    outcome is lost, not the reply: the outbox sends it again once the lease has run out."""
    if reply_id is None or sink is None:
        return
    outcome, reason = (failure.outcome, failure.reason) if failure is not None else ("sent", None)
    try:
        await sink.delivered(reply_id, outcome, reason)
    except Exception:
        log.warning("reply outcome not recorded", extra={"reply": reply_id}, exc_info=True)
