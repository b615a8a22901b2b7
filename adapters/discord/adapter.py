"""The Discord adapter on discord.py 2.7, inside fanloop's event loop (login + connect task).

Slash commands come from the core's registry; interactions are answered within Discord's
3-second window (deferred when the core is slower); every message is sent with mentions
disabled except for the members it is meant to ping.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from functools import partial
from typing import Any

import discord
import yarl
from discord import app_commands

from adapters.discord import catchup
from adapters.discord import commands as slash
from adapters.discord.grades import DiscordGrades
from adapters.discord.interactions import DiscordInteractions
from adapters.discord.invites import DiscordInvites
from adapters.discord.plugin import DiscordSettings
from adapters.discord.render import allowed_mentions, render_chunks, view
from adapters.discord.roles import DiscordRoles
from adapters.lanes import Lanes
from bot.adapter import AdapterFailure, DeliveryError, EventSink, Gate, SentRef, report_delivery
from bot.clock import Clock, SystemClock
from bot.commands import Role
from bot.events import Author, ChatRef, Event, IncomingMessage, Platform
from bot.gates import LocalGate
from bot.replies import Reply

PLATFORM = Platform("discord")

log = logging.getLogger(__name__)
DEFER_AFTER = 2.0  # seconds: Discord invalidates an interaction not answered within 3
GLOBAL_RATE = 45.0  # requests/s we allow ourselves; Discord's global limit is 50


def point_at(api_base: str | None, gateway_url: str | None) -> None:
    """The one place that redirects discord.py (REST proxy such as nirn-proxy, or a local fake)."""
    if api_base:
        discord.http.Route.BASE = api_base.rstrip("/")
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


#: gateway close codes Discord documents as "do not reconnect": what the operator must fix
_FATAL_CLOSE = {
    4004: ("Discord rejected the bot token (gateway 4004)", "set a valid FANLOOP_DISCORD_TOKEN"),
    4010: ("invalid shard", "check [discord] shard_count / --shards"),
    4011: ("this bot needs sharding", "set [discord] shard_count (Discord requires it past 2,500 servers)"),
    4013: ("invalid gateway intents", "upgrade fanloop"),
    4014: (
        "a privileged intent is not enabled",
        "enable Message Content (and Server Members with members_intent) under Bot → Privileged Gateway Intents",
    ),
}


def _gateway_failure(exc: BaseException) -> AdapterFailure:
    code = getattr(exc, "code", None)
    if isinstance(exc, discord.PrivilegedIntentsRequired):
        code = 4014
    if code in _FATAL_CLOSE:
        reason, fix = _FATAL_CLOSE[code]
        return AdapterFailure(reason, fix=fix)
    if isinstance(exc, discord.LoginFailure):
        return AdapterFailure("Discord rejected the bot token", fix="set a valid FANLOOP_DISCORD_TOKEN")
    return AdapterFailure(f"Discord gateway connection failed: {type(exc).__name__}: {exc}"[:300], permanent=False)


class _Events:
    adapter: DiscordAdapter

    async def on_message(self, message: discord.Message) -> None:
        await self.adapter._on_message(message)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await self.adapter._on_component(interaction)

    async def on_ready(self) -> None:  # every new session: messages posted meanwhile are read back
        self.adapter._start_catch_up()
        if self.adapter.settings.members_intent:  # invites' use counts, to tell which one a joiner used
            for guild in self.adapter.client.guilds:
                await self.adapter._baseline_invites(guild)

    async def on_member_join(self, member: discord.Member) -> None:  # with the Server Members intent
        await self.adapter._on_member_join(member)


class _Client(_Events, discord.Client):
    pass


class _ShardedClient(_Events, discord.AutoShardedClient):
    pass


class DiscordAdapter(DiscordRoles, DiscordGrades, DiscordInvites, DiscordInteractions):
    platform = PLATFORM

    def __init__(
        self,
        *,
        settings: DiscordSettings,
        clock: Clock | None = None,
        defer_after: float = DEFER_AFTER,
        ready_timeout: float = 60.0,
        guild_ready_timeout: float = 2.0,
    ) -> None:
        if settings.token is None:
            raise ValueError("a Discord token is required")
        self.settings = settings
        self.clock = clock or SystemClock()
        self.defer_after = defer_after
        self.ready_timeout = ready_timeout
        self.guild_ready_timeout = guild_ready_timeout
        self.message_content = True
        self.pacer: Gate = LocalGate(GLOBAL_RATE)  # until start(): then the bot token's shared gate
        self.client = self._make_client(message_content=True)
        self.tree: app_commands.CommandTree[Any] = app_commands.CommandTree(self.client)
        self._sink: EventSink | None = None
        self.lanes = Lanes(64, name="discord-in")
        self.senders = Lanes(32, name="discord-out")
        self._task: asyncio.Task[None] | None = None
        self._catching_up: asyncio.Task[int] | None = None
        self._roles: dict[tuple[str, str], tuple[float, Role | None]] = {}
        self._shown: dict[str, str] = {}
        self._grade_lock = asyncio.Lock()
        self._invite_uses: dict[int, dict[str, int]] = {}
        self._invite_lock = asyncio.Lock()
        self._finished = asyncio.Event()
        self.fatal: str | None = None
        #: the gateway went away for a reason that may pass: the supervisor restarts the adapter
        self.lost: str | None = None
        self._used = False
        self.synced: list[str] = []
        #: configured guilds the bot cannot reach (id → why), skipped and shown in /status
        self.unreachable: dict[str, str] = {}

    def _make_client(self, *, message_content: bool) -> discord.Client:
        point_at(self.settings.api_base, self.settings.gateway_url)
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False  # fanloop has no voice features
        intents = discord.Intents.default()
        intents.message_content = message_content
        intents.members = self.settings.members_intent
        options: dict[str, Any] = {
            "intents": intents,
            "allowed_mentions": discord.AllowedMentions.none(),
            "max_ratelimit_timeout": 30.0,  # longer waits surface as RateLimited and are requeued by us
            "guild_ready_timeout": self.guild_ready_timeout,
        }
        client: discord.Client
        if self.settings.shard_count:
            if self.settings.shard_ids is not None:  # this process runs part of the bot's shards
                options["shard_ids"] = self.settings.shard_ids
            client = _ShardedClient(shard_count=self.settings.shard_count, **options)
        else:
            client = _Client(**options)
        client.adapter = self
        return client

    # -- lifecycle ----------------------------------------------------------------------
    async def start(self, sink: EventSink) -> None:
        self._sink = sink
        self._finished = asyncio.Event()  # a start after a failed one begins afresh
        self.fatal = self.lost = None
        if self._used:  # discord.py clients are not reusable once closed
            self.client = self._make_client(message_content=self.message_content)
            self.tree = app_commands.CommandTree(self.client)
        self._used = True
        assert self.settings.token is not None
        token = self.settings.token.get_secret_value()
        self.pacer = sink.gate(f"discord:{hashlib.sha256(token.encode()).hexdigest()[:16]}", GLOBAL_RATE)
        staff_by_role = bool(self.settings.manager_roles or self.settings.moderator_roles)
        for command in slash.build(sink.commands(), self._on_slash, staff_by_role=staff_by_role):
            self.tree.add_command(command)
        if self.tree.translator is None:  # command descriptions in the member's client language
            await self.tree.set_translator(slash.CatalogTranslator())
        try:
            await self.client.login(token)
        except discord.LoginFailure:
            raise AdapterFailure(
                "Discord rejected the bot token (401 Unauthorized)",
                fix="set FANLOOP_DISCORD_TOKEN (Developer Portal → your app → Bot → Reset Token)",
            ) from None
        self.synced, self.unreachable = await slash.sync_if_changed(self.client, self.tree, self.settings.guild_ids)
        await self._connect()

    async def _connect(self) -> None:
        self._task = asyncio.create_task(self.client.connect(), name="discord-gateway")
        ready = asyncio.create_task(self.client.wait_until_ready())
        done, _ = await asyncio.wait(
            {self._task, ready}, timeout=self.ready_timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if self._task in done and (exc := self._task.exception()) is not None:
            ready.cancel()
            if isinstance(exc, discord.PrivilegedIntentsRequired) and self.message_content:
                log.warning(
                    "Discord refused the Message Content intent: enable it under Bot → Privileged Gateway Intents "
                    "in the Developer Portal. Running without it: only slash commands and mentions work."
                )
                self.message_content = False
                await self.client.close()
                assert self._sink is not None
                await self.start(self._sink)
                return
            raise _gateway_failure(exc)
        if ready not in done:
            ready.cancel()
            raise AdapterFailure("the Discord gateway did not become ready in time", permanent=False)
        self._task.add_done_callback(self._gateway_ended)

    def _gateway_ended(self, task: asyncio.Task[None]) -> None:
        """discord.py reconnects by itself; its connect() ends only on what it won't retry."""
        if task.cancelled() or self._finished.is_set():
            return
        exc = task.exception()
        if exc is None:
            return  # closed by stop()
        failure = _gateway_failure(exc)
        if failure.permanent:
            self.fatal = failure.describe()
        else:
            self.lost = failure.describe()  # the supervisor starts us again after a pause
        self._finished.set()

    def _start_catch_up(self) -> None:
        if self._sink is None or (self._catching_up is not None and not self._catching_up.done()):
            return
        work = catchup.catch_up(self.client, self._sink, self._on_message, self.clock.now())
        self._catching_up = asyncio.create_task(work, name="discord-catch-up")

    async def stop(self) -> None:
        if self._catching_up is not None:
            self._catching_up.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._catching_up
        await self.lanes.close()
        await self.senders.wait_idle(10)  # replies already decided go out before we disconnect
        await self.senders.close()
        if not self.client.is_closed():
            await self.client.close()
        if self._task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(self._task, 10)
        self._finished.set()

    async def wait_finished(self) -> None:
        await self._finished.wait()

    # -- events in ---------------------------------------------------------------------------
    def _chat(self, channel: Any, guild: discord.Guild | None) -> ChatRef:
        channel_id = str(getattr(channel, "id", channel))
        title = getattr(channel, "name", None) or "direct messages"
        thread = str(channel.id) if isinstance(channel, discord.Thread) else None
        return ChatRef(
            PLATFORM,
            channel_id,
            title=title,
            is_private=guild is None,
            thread_id=thread,
            community_id=str(guild.id) if guild else None,
        )

    def _author(self, person: discord.User | discord.Member, guild: discord.Guild | None) -> Author:
        if isinstance(person, discord.Member) and guild is not None:
            self._remember_role(str(guild.id), person)
        return Author(PLATFORM, str(person.id), person.display_name, username=person.name, is_bot=person.bot)

    async def _on_message(self, message: discord.Message) -> None:
        if message.author.bot or self._sink is None:
            return
        ref = message.reference.resolved if message.reference else None
        replied = ref if isinstance(ref, discord.Message) else None
        event = IncomingMessage(
            chat=self._chat(message.channel, message.guild),
            author=self._author(message.author, message.guild),
            message_id=str(message.id),
            text=message.content,
            sent_at=message.created_at,
            reply_to_id=str(replied.id) if replied else None,
            reply_to_author=self._author(replied.author, message.guild) if replied else None,
            reply_to_text=replied.content if replied else None,
        )
        sink = self._sink
        # each channel in order, channels side by side; a channel's replies wait out its own rate
        # limit in its send lane without holding back the next message's handling
        result = await self.lanes.submit(event.chat.chat_id, lambda: sink.handle(event))
        for reply, reply_id in result.outgoing():
            self.senders.submit(event.chat.chat_id, partial(self._reply_in_channel, message, event, reply, reply_id))

    async def _reply_in_channel(
        self, message: discord.Message, event: Event, reply: Reply, reply_id: int | None
    ) -> None:
        try:
            await self._send(message.channel, reply, reference=message)
        except DeliveryError as exc:
            log.warning("reply not delivered", extra={"chat": event.chat.key, "reason": exc.reason})
            await self._report(reply_id, exc)
        else:
            await self._report(reply_id)

    async def _report(self, reply_id: int | None, failure: DeliveryError | None = None) -> None:
        await report_delivery(self._sink, reply_id, failure)

    # -- sending --------------------------------------------------------------------------------
    async def _channel(self, chat_id: str) -> discord.abc.Messageable:
        channel = self.client.get_channel(int(chat_id))
        if channel is None:
            try:
                channel = await self.client.fetch_channel(int(chat_id))
            except discord.NotFound:
                raise DeliveryError("the channel was deleted (or the bot cannot see it)") from None
            except discord.Forbidden:
                raise DeliveryError("the bot has no access to this channel") from None
        if not isinstance(channel, discord.abc.Messageable):
            raise DeliveryError("that channel cannot hold messages")
        return channel

    async def _send(
        self, channel: discord.abc.Messageable, reply: Reply, reference: discord.Message | None = None
    ) -> list[discord.Message]:
        sent: list[discord.Message] = []
        chunks = render_chunks(reply)
        components = view(reply.buttons)
        for i, content in enumerate(chunks):
            kwargs: dict[str, Any] = {"content": content, "allowed_mentions": allowed_mentions(reply)}
            if i == 0 and reference is not None:
                kwargs["reference"] = reference.to_reference(fail_if_not_exists=False)
                kwargs["mention_author"] = False
            if i == len(chunks) - 1 and components is not None:
                kwargs["view"] = components
            sent.append(await self._call(channel.send, kwargs))
        return sent

    async def _call(self, fn: Any, kwargs: dict[str, Any]) -> Any:
        failures = 0
        while True:
            await self.pacer.wait()
            try:
                return await fn(**kwargs)
            except discord.RateLimited as exc:  # a long wait: requeue instead of parking inside discord.py
                log.warning("Discord rate limit: waiting", extra={"seconds": exc.retry_after})
                if self._sink is not None:
                    self._sink.waited(str(PLATFORM), exc.retry_after)
                await asyncio.sleep(exc.retry_after)
            except discord.Forbidden as exc:
                reason = (
                    "the member's DMs are closed" if exc.code == 50007 else "missing permission to post in this channel"
                )
                raise DeliveryError(reason) from exc
            except discord.NotFound as exc:
                raise DeliveryError("the channel or message no longer exists") from exc
            except discord.HTTPException as exc:
                failures += 1
                if exc.status < 500 or failures >= 5:
                    raise DeliveryError(
                        f"Discord refused: {exc.text or exc.status}", permanent=exc.status < 500
                    ) from exc
                await asyncio.sleep(min(30.0, 2.0**failures))

    async def send(self, chat: ChatRef, reply: Reply) -> SentRef:
        channel = await self._channel(chat.chat_id)
        messages = await self._send(channel, reply)
        return SentRef(PLATFORM, chat.chat_id, tuple(str(m.id) for m in messages))

    async def reply(self, to: Event, reply: Reply) -> SentRef | None:
        """Answer an event outside its interaction (a reply taken over after a restart): a
        private answer goes by DM or not at all, never into the channel."""
        if reply.private and not to.chat.is_private:
            return await self.send_direct(to.author, reply)
        return await self.send(to.chat, reply)

    async def edit(self, sent: SentRef, reply: Reply) -> None:
        channel = await self._channel(sent.chat_id)
        if not isinstance(channel, discord.TextChannel | discord.Thread | discord.DMChannel):
            return
        for message_id, content in zip(sent.message_ids, render_chunks(reply), strict=False):
            partial = channel.get_partial_message(int(message_id))
            await self._call(partial.edit, {"content": content, "allowed_mentions": allowed_mentions(reply)})

    async def send_direct(self, member: Author, reply: Reply) -> SentRef | None:
        try:
            user = self.client.get_user(int(member.user_id)) or await self.client.fetch_user(int(member.user_id))
            dm = await user.create_dm()
            messages = await self._send(dm, reply)
        except (DeliveryError, discord.HTTPException) as exc:
            log.info("no DM possible", extra={"member": member.key, "reason": str(exc)})
            return None
        return SentRef(PLATFORM, str(dm.id), tuple(str(m.id) for m in messages))
