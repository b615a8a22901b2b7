"""Turns platform-neutral events into handler calls, exactly once per platform event.

For every event: claim its (platform, chat, message id) in the database, make sure the
author is a member, route it (command, plain message, button, reaction, join), mark the
claim done, and hand the replies back to the adapter. A handler's exception is logged
with a short error id and answered with a one-line apology; it never stops the bot.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.adapter import Gate, HandleResult
from bot.clock import Clock
from bot.command_runner import CommandRunner
from bot.commands import (
    CommandError,
    CommandRegistry,
    CommandSpec,
    NeedsConfirmation,
    Result,
    Role,
    UsageError,
    split_command,
)
from bot.confirming import CONFIRM_ACTION, PendingCommands
from bot.context import (
    AdmissionListener,
    ButtonHandler,
    CommandContext,
    Context,
    MessageListener,
    PerkSource,
    ReactionListener,
    VoteListener,
)
from bot.events import (
    ButtonPressed,
    ChatMigrated,
    CommandInvocation,
    Event,
    IncomingMessage,
    JoinRequested,
    MemberJoined,
    PollVoted,
    ReactionAdded,
    cleaned,
)
from bot.gates import LocalGate, SharedGate
from bot.i18n import Domain, negotiate
from bot.messenger import Messenger
from bot.metrics import Metrics
from bot.replies import Outgoing, Reply, error, reply_to_json
from bot.roles import RoleResolver
from bot.settings import LimitsSettings
from bot.unclaimed import Unclaimed
from storage.repositories.chats import ChatRepo
from storage.repositories.confirmations import ConfirmationRepo
from storage.repositories.events import ClaimResult, EventRepo
from storage.repositories.members import MemberRepo
from storage.repositories.rates import RateRepo
from storage.repositories.replies import NewReply, ReplyRepo

log = logging.getLogger(__name__)
T = Domain("core")


_KINDS: dict[type, str] = {
    IncomingMessage: "message",
    CommandInvocation: "command",
    ButtonPressed: "button",
    ReactionAdded: "reaction",
    MemberJoined: "join",
    JoinRequested: "join_request",
    PollVoted: "poll_vote",
    ChatMigrated: "migration",
}


class Dispatcher:
    """Built once, with everything the installed features declared; nothing is added later."""

    def __init__(
        self,
        *,
        registry: CommandRegistry,
        roles: RoleResolver,
        members: MemberRepo,
        chats: ChatRepo,
        events: EventRepo,
        messenger: Messenger,
        clock: Clock,
        limits: LimitsSettings,
        worker_id: str,
        mentions: Sequence[re.Pattern[str]] = (),
        message_listeners: Sequence[MessageListener] = (),
        reaction_listeners: Sequence[ReactionListener] = (),
        join_listeners: Sequence[MessageListener] = (),
        admission_listeners: Sequence[AdmissionListener] = (),
        vote_listeners: Sequence[VoteListener] = (),
        buttons: Mapping[str, ButtonHandler] | None = None,
        perks: Sequence[PerkSource] = (),
        metrics: Metrics | None = None,
        language: str = "en",
    ) -> None:
        #: the community's default language (``language`` in the config)
        self.language = negotiate(language) or "en"
        self.metrics = metrics or Metrics()
        self.registry = registry
        self.roles = roles
        self.members = members
        self.chats = chats
        self.events = events
        self.replies = ReplyRepo(events.db)
        self._gates: dict[str, Gate] = {}
        self.messenger = messenger
        self.clock = clock
        self.limits = limits
        self.worker_id = worker_id
        #: runs commands: roles, rate limits, permissions, arguments, confirmations
        self.runner = CommandRunner(
            registry=registry,
            roles=roles,
            pending=PendingCommands(ConfirmationRepo(events.db)),
            clock=clock,
            limits=limits,
            mentions=mentions,
            perks=perks,
        )
        self.message_listeners = tuple(message_listeners)
        self.reaction_listeners = tuple(reaction_listeners)
        self.join_listeners = tuple(join_listeners)
        #: the events answered without a claim (chat migrations, join requests, native poll votes)
        self.unclaimed = Unclaimed(
            chats=chats,
            members=members,
            clock=clock,
            context=self._context,
            admission_listeners=admission_listeners,
            vote_listeners=vote_listeners,
        )
        self.buttons = dict(buttons or {})
        self._inflight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._closing = False

    def commands(self) -> Sequence[CommandSpec]:
        return self.registry.all()

    def gate(self, key: str, rate: float) -> Gate:
        if key not in self._gates:
            shared = not self.events.db.is_sqlite
            self._gates[key] = SharedGate(RateRepo(self.events.db), key, rate) if shared else LocalGate(rate)
        return self._gates[key]

    async def delivered(self, reply_id: int, outcome: str, error: str | None = None) -> None:
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown reply outcome {outcome!r}")
        if outcome == "retry":  # give it back at once: the next sweep, here or elsewhere, sends it
            await self.replies.outcome(reply_id, "sending", EPOCH, error)
        else:
            await self.replies.outcome(reply_id, outcome, self.clock.now(), error)
        self.metrics.replies.labels(outcome).inc()

    async def last_handled(self, platform: str, chat_id: str) -> str | None:
        return await self.events.latest_numeric(platform, chat_id)

    def waited(self, platform: str, seconds: float) -> None:
        self.metrics.rate_limited.labels(platform).inc()
        self.metrics.rate_limited_seconds.labels(platform).inc(max(0.0, seconds))

    # -- lifecycle ----------------------------------------------------------------
    async def forget_old_events(self) -> None:
        """Drop once-only claims older than any platform redelivers, and replies long delivered
        (scheduled hourly)."""
        await self.events.prune(self.clock.now() - timedelta(days=2))
        await self.replies.prune(self.clock.now() - timedelta(days=2))

    async def drain(self, grace: float = 30.0) -> None:
        """Stop taking events and wait for the ones in flight to finish."""
        self._closing = True
        try:
            await asyncio.wait_for(self._idle.wait(), grace)
        except TimeoutError:
            log.warning("shutdown: %d handler(s) still running after %.0fs", self._inflight, grace)

    # -- the one entry point ------------------------------------------------------
    async def handle(self, event: Event) -> HandleResult:
        started = time.perf_counter()
        result = await self._handle(event)
        platform = str(event.chat.platform)
        self.metrics.events.labels(platform, _KINDS.get(type(event), "other"), result.outcome).inc()
        if result.outcome == "handled":
            self.metrics.handle_seconds.labels(platform).observe(time.perf_counter() - started)
            queued = sum(1 for i in result.reply_ids if i is not None)
            if queued:
                self.metrics.replies.labels("queued").inc(queued)
        return result

    async def _handle(self, event: Event) -> HandleResult:
        event = cleaned(event)
        if self._closing:
            return HandleResult("busy")  # not acknowledged: the platform redelivers after restart
        if (answered := await self.unclaimed.handle(event)) is not None:  # answering twice changes nothing
            return answered
        platform = str(event.chat.platform)
        now = self.clock.now()
        lease = timedelta(seconds=self.limits.claim_lease_seconds)
        claim = await self.events.claim(platform, event.chat.chat_id, event.message_id, self.worker_id, now, lease)
        if claim is ClaimResult.DONE:
            log.info("duplicate delivery skipped", extra={"chat": event.chat.key, "message_id": event.message_id})
            return HandleResult("duplicate")
        if claim is ClaimResult.BUSY:
            return HandleResult("busy")
        self._inflight += 1
        self._idle.clear()
        finished = False
        try:
            replies = await self._route(event)
            stored = tuple(outbox_row(event, r) for r in replies if r.durable)
            ids = iter(
                await self.events.finish(
                    platform,
                    event.chat.chat_id,
                    event.message_id,
                    self.clock.now(),
                    owner=self.worker_id,
                    replies=stored,
                )
            )
            finished = True
            return HandleResult("handled", tuple(replies), tuple(next(ids) if r.durable else None for r in replies))
        finally:
            if not finished:  # cancelled mid-way: give the claim back so a redelivery is handled
                await asyncio.shield(
                    self.events.release(platform, event.chat.chat_id, event.message_id, self.worker_id)
                )
            self._inflight -= 1
            if self._inflight == 0:
                self._idle.set()

    async def _route(self, event: Event) -> list[Reply]:
        ctx_lang = self.language
        try:
            ctx = await self._context(event)
            ctx_lang = ctx.lang
            match event:
                case CommandInvocation():
                    result = await self.runner.run(ctx, event.name, event.args)
                case IncomingMessage() if (cmd := split_command(event.text)) is not None:
                    result = await self.runner.run(ctx, *cmd)
                case IncomingMessage():
                    result = await self._fan_out(ctx, self.message_listeners)
                case ButtonPressed():
                    result = await self._button(ctx, event)
                case ReactionAdded():
                    results = [await listener(ctx, event) for listener in self.reaction_listeners]
                    result = [r for res in results for r in _as_list(res)]
                case MemberJoined():
                    result = await self._fan_out(ctx, self.join_listeners)
                case _:
                    result = None
        except Exception as exc:  # every failure is answered in one line
            result = self._failed(exc, event, ctx_lang)
        replies: list[Reply] = []
        for item in _as_list(result):  # answers and errors alike: marked with the language they speak
            if isinstance(item, Outgoing):
                await self.messenger.deliver(item)
            else:
                replies.append(replace(item, lang=ctx_lang) if item.lang != ctx_lang else item)
        return replies

    def _failed(self, exc: Exception, event: Event, lang: str) -> Reply:
        """A handler's exception as its one-line answer: bad input says what was wrong; anything
        else is logged with a short id the fan can quote."""
        if isinstance(exc, UsageError):
            return error(exc.text(lang))
        if isinstance(exc, CommandError):
            return error(str(exc))
        error_id = secrets.token_hex(3)
        self.metrics.handler_errors.labels(_KINDS.get(type(event), "other")).inc()
        log.error("handler failed", exc_info=exc, extra={"error_id": error_id, "chat": event.chat.key})
        return error(
            T(
                lang,
                "Sorry, something went wrong on my side (error {error_id}). The team can look it up.",
                error_id=error_id,
            )
        )

    async def perform(self, ctx: CommandContext, text: str) -> tuple[list[Reply], bool]:
        """Run a command given outside a chat (the dashboard) as ``ctx``'s member, with ``ctx.role``
        as given: the same handler, checks and audit as typed in chat. What it would tell others
        is delivered; its answers come back, with True when they are a preview that waits for
        the same command with ``ctx.confirmed``."""
        found = split_command(text)
        if found is None:
            raise ValueError(f"not a command: {text[:40]!r}")
        preview = False
        try:
            result: Result = await self.runner.run(ctx, *found, resolved=True)
        except NeedsConfirmation as ask:
            result, preview = ask.preview, True
        except Exception as exc:
            result = self._failed(exc, ctx.event, ctx.lang)
        answers: list[Reply] = []
        for item in _as_list(result):
            if isinstance(item, Outgoing):
                await self.messenger.deliver(item)
            else:
                answers.append(replace(item, lang=ctx.lang))
        return answers, preview

    async def _context(self, event: Event) -> CommandContext:
        author = event.author
        now = self.clock.now()
        member = await self.members.ensure(
            str(author.platform), author.user_id, author.display_name, author.username, now
        )
        chat = await self.chats.ensure(
            str(event.chat.platform),
            event.chat.chat_id,
            title=event.chat.title,
            kind="private" if event.chat.is_private else "other",
            community_id=event.chat.community_id,
            now=now,
        )
        chat_lang = negotiate(chat.language) or self.language
        lang = negotiate(member.language) or negotiate(author.language) or chat_lang
        return CommandContext(
            event=event, member=member, role=Role.FAN, now=now, chat_kind=chat.kind, lang=lang, chat_lang=chat_lang
        )

    async def _fan_out(self, ctx: Context, listeners: Sequence[MessageListener]) -> list[Reply | Outgoing]:
        out: list[Reply | Outgoing] = []
        for listener in listeners:
            out.extend(_as_list(await listener(ctx)))
        return out

    async def _button(self, ctx: CommandContext, event: ButtonPressed) -> Result:
        if event.action == CONFIRM_ACTION:
            return await self.runner.confirm(ctx, event)
        handler = self.buttons.get(event.action)
        if handler is None:
            return error(T(ctx, "That button no longer works."))
        ctx.role = await self.roles.resolve(event.chat, event.author)
        return await handler(ctx, event)


OUTCOMES = ("sent", "failed", "unknown", "retry")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def outbox_row(event: Event, reply: Reply) -> NewReply:
    """What the outbox keeps of a reply: enough to send it again after a crash."""
    quote = event.message_id if isinstance(event, IncomingMessage) else None
    return NewReply(
        platform=str(event.chat.platform),
        chat_id=event.chat.chat_id,
        thread_id=event.chat.thread_id,
        quote_id=quote,
        author_id=event.author.user_id,
        author_name=event.author.display_name,
        chat_private=event.chat.is_private,
        payload=reply_to_json(reply),
    )


def _as_list(result: Result) -> list[Reply | Outgoing]:
    if result is None:
        return []
    if isinstance(result, Reply):
        return [result]
    return list(result)
