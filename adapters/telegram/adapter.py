"""The Telegram adapter on python-telegram-bot 22, inside fanloop's own event loop.

Delivery is at-least-once: fanloop runs its own poll loop (PTB's Updater confirms updates
before handlers run) and advances the getUpdates offset only after an update was handled;
in webhook mode it answers 200 only after processing. The core's per-message claims turn
redelivery into no double processing.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import Sequence
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeDefault,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import InvalidToken, TelegramError
from telegram.ext import AIORateLimiter, Application

from adapters.lanes import Lanes
from adapters.telegram import delivery
from adapters.telegram.community import TelegramCommunity
from adapters.telegram.plugin import TelegramSettings
from adapters.telegram.receive import ALLOWED_UPDATES, Receiver
from adapters.telegram.render import keyboard, render_chunks
from adapters.telegram.request import AiohttpRequest
from adapters.telegram.translate import PLATFORM, chat_ref
from bot.adapter import AdapterFailure, DeliveryError, EventSink, Gate, HandleResult, SentRef, report_delivery
from bot.clock import Clock, SystemClock
from bot.commands import CommandSpec, Role
from bot.events import Author, ChatRef, Event, IncomingMessage, JoinRequested
from bot.gates import LocalGate
from bot.i18n import SOURCE, Domain, available, summary
from bot.replies import Reply
from bot.web import HttpServer

log = logging.getLogger(__name__)
T = Domain("core")  # the few lines the adapter writes for /status live in the core catalog
SEND_TIMEOUT = 30.0
ROLE_TTL = 300.0


class TelegramAdapter(TelegramCommunity):
    platform = PLATFORM

    def __init__(
        self,
        *,
        settings: TelegramSettings,
        clock: Clock | None = None,
        poll_timeout: int = 30,
        retry_delay: float = 1.0,
        send_timeout: float = SEND_TIMEOUT,
        receive: bool = True,
    ) -> None:
        if settings.token is None:
            raise ValueError("a Telegram token is required")
        self.settings = settings
        self.clock = clock or SystemClock()
        self.poll_timeout = poll_timeout
        #: False: a send-only worker (broadcasts, notifications) next to the one process that polls
        self.receive = receive
        self.retry_delay = retry_delay
        self.app: Application[Any, Any, Any, Any, Any, Any] = (
            Application.builder()
            .token(settings.token.get_secret_value())
            .base_url(settings.base_url)
            .updater(None)
            # PTB's httpx backend costs ~18x the CPU per call with many calls in flight (request.py);
            # getUpdates goes over the receiver's own one-connection client (updates.py), not PTB's
            .request(AiohttpRequest(read_timeout=send_timeout, write_timeout=send_timeout))
            # 429s come back to us (delivery.call), so a retry waits for a turn like any send instead of
            # pausing every chat; the limiter still keeps each group under 20 messages a minute
            .rate_limiter(AIORateLimiter(overall_max_rate=settings.messages_per_second, max_retries=0))
            .build()
        )
        self.username = ""
        self.can_read_all = True
        #: chats where the bot may not answer join requests (chat id -> title, Telegram's reason)
        self.join_trouble: dict[str, tuple[str, str]] = {}
        self.rate = settings.messages_per_second
        self.pacer: Gate = LocalGate(self.rate)  # until start(): then the bot token's shared gate
        self._sink: EventSink | None = None
        self.receiver: Receiver | None = None
        self.senders = Lanes(32, name="telegram-out")
        self._admins: dict[int, tuple[float, asyncio.Future[frozenset[int] | None]]] = {}
        self._task: asyncio.Task[None] | None = None
        self._web: web.AppRunner | None = None
        self._http: HttpServer | None = None  # the process's HTTP server, when it runs one
        self._finished = asyncio.Event()
        self.fatal: str | None = None

    # -- lifecycle ----------------------------------------------------------------------
    async def start(self, sink: EventSink) -> None:
        self._sink = sink
        self._finished = asyncio.Event()  # a start after a failed one begins afresh
        self.fatal = None
        token = self.settings.token.get_secret_value() if self.settings.token else ""
        self.pacer = sink.gate(f"telegram:{hashlib.sha256(token.encode()).hexdigest()[:16]}", self.rate)
        try:
            await self.app.initialize()
        except InvalidToken:
            raise AdapterFailure(
                "Telegram rejected the bot token (401 Unauthorized)",
                fix="set FANLOOP_TELEGRAM_TOKEN (or [telegram] token) to the token @BotFather gave you",
            ) from None
        me = self.app.bot
        self.username = me.username
        self.can_read_all = bool(me.can_read_all_group_messages)
        if not self.can_read_all:
            log.warning(
                "Telegram privacy mode is on: in groups where the bot is not an admin it only sees commands "
                "and replies. Make the bot an admin, or disable privacy with @BotFather /setprivacy and re-add it."
            )
        await self.publish_commands(sink.commands())
        self.receiver = Receiver(self.app.bot, sink, self._deliver, username=self.username, now=self.clock.now)
        if not self.receive:
            return
        if self.settings.webhook_url:
            await self._start_webhook()
        else:
            await delivery.call("deleteWebhook", self.app.bot.delete_webhook, {})
            poll = self.receiver.poll(
                poll_seconds=self.poll_timeout, retry_delay=self.retry_delay, on_fatal=self._fatal
            )
            self._task = asyncio.create_task(poll, name="telegram-poll")

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._web is not None:
            await self._web.cleanup()
            self._web = None
        if self.receiver is not None:
            await self.receiver.lanes.close()
            await self.receiver.source.aclose()
        await self._finish_sending(grace=10)
        with contextlib.suppress(TelegramError):
            await self.app.shutdown()
        self._finished.set()

    async def wait_finished(self) -> None:
        await self._finished.wait()

    # -- commands menu ------------------------------------------------------------------
    async def publish_commands(self, specs: Sequence[CommandSpec]) -> None:
        """Fan commands for everyone; every command in the menu of chat administrators — in each
        language fanloop speaks (Telegram shows a user the menu of their app's language)."""
        for locale in available():
            roots: dict[str, tuple[str, Role]] = {}
            for spec in specs:
                if spec.hidden:
                    continue
                text, role = roots.get(spec.root, (f"/{spec.root}", spec.min_role))
                if spec.sub is None:
                    text = summary(spec, locale)
                roots[spec.root] = (text, min(role, spec.min_role))
            fan = [BotCommand(name, text[:256]) for name, (text, role) in sorted(roots.items()) if role == Role.FAN]
            every = [BotCommand(name, text[:256]) for name, (text, _) in sorted(roots.items())]
            language = {} if locale == SOURCE else {"language_code": locale.split("_")[0]}  # ISO 639-1: "zh"
            for commands, scope in ((fan, BotCommandScopeDefault()), (every, BotCommandScopeAllChatAdministrators())):
                await delivery.call(
                    "setMyCommands",
                    self.app.bot.set_my_commands,
                    {"commands": commands[:100], "scope": scope, **language},
                )

    # -- receiving (adapters/telegram/receive.py) -----------------------------------------
    def _fatal(self, reason: str) -> None:
        self.fatal = reason  # the supervisor logs it once and keeps the other adapters running
        self._finished.set()

    @property
    def trouble(self) -> str | None:
        """What keeps this adapter from working right now, while it retries (for /healthz)."""
        return self.receiver.trouble.reason if self.receiver is not None else None

    async def process(self, update: Update) -> HandleResult | None:
        """One update through the core, in its chat's lane (what polling and webhooks both do)."""
        assert self.receiver is not None, "start() first"
        return await self.receiver.submit(update)

    def _deliver(self, event: Event, result: HandleResult) -> None:
        """Replies go out in their chat's send lane: a chat waiting out a flood limit holds back
        only its own replies, never another chat's, nor the intake of updates."""
        if isinstance(event, JoinRequested):
            self.senders.submit(event.chat.chat_id, partial(self._admit, event, result))
            return
        for reply, reply_id in result.outgoing():
            self.senders.submit(event.chat.chat_id, partial(self._answer, event, reply, reply_id))

    async def _answer(self, event: Event, reply: Reply, reply_id: int | None) -> None:
        try:
            await self.reply(event, reply)
        except DeliveryError as exc:
            log.warning("reply not delivered", extra={"chat": event.chat.key, "reason": exc.reason})
            await self._report(reply_id, exc)
        else:
            await self._report(reply_id)

    def _waited(self, seconds: float) -> None:
        if self._sink is not None:
            self._sink.waited(str(PLATFORM), seconds)

    async def _report(self, reply_id: int | None, failure: DeliveryError | None = None) -> None:
        await report_delivery(self._sink, reply_id, failure)

    async def _finish_sending(self, grace: float) -> None:
        await self.senders.wait_idle(grace)
        await self.senders.close()

    async def _migrated(self, old: str, new: str) -> None:
        if self._sink is not None and self.receiver is not None:
            await self._sink.handle(self.receiver.migration(old, new))

    # -- webhook mode -------------------------------------------------------------------
    def mount_http(self, server: HttpServer) -> None:
        """Serve the webhook on the process's HTTP server (``[http] listen``) instead of its own port."""
        self._http = server

    async def _start_webhook(self) -> None:
        assert self.settings.webhook_url is not None
        secret = self.settings.webhook_secret.get_secret_value() if self.settings.webhook_secret else None
        if not secret:
            raise AdapterFailure(
                "webhook mode needs a secret", fix="set [telegram] webhook_secret (FANLOOP_TELEGRAM_WEBHOOK_SECRET)"
            )
        path = urlsplit(self.settings.webhook_url).path or "/"
        if self._http is not None:
            self._http.unroute("POST", path)  # a restart after a failed start registers it again
            self._http.route("POST", path, self._webhook_handler(secret))
        else:
            app = web.Application()
            app.router.add_post(path, self._webhook_handler(secret))
            self._web = web.AppRunner(app)
            await self._web.setup()
            host, _, port = self.settings.webhook_listen.rpartition(":")
            await web.TCPSite(self._web, host or "127.0.0.1", int(port)).start()
        await delivery.call(
            "setWebhook",
            self.app.bot.set_webhook,
            {"url": self.settings.webhook_url, "secret_token": secret, "allowed_updates": ALLOWED_UPDATES},
        )

    def _webhook_handler(self, secret: str) -> Any:
        async def handle(request: web.Request) -> web.Response:
            if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != secret:
                return web.Response(status=403, text="forbidden")
            try:
                update = Update.de_json(await request.json(), self.app.bot)
            except ValueError:
                return web.Response(status=400, text="bad update")
            result = await self.process(update)
            if result is not None and not result.may_acknowledge:
                return web.Response(status=503, text="busy, retry")  # Telegram redelivers on non-2xx
            return web.Response(status=200, text="ok")

        return handle

    # -- sending ------------------------------------------------------------------------
    async def send(
        self, chat: ChatRef, reply: Reply, reply_to: str | None = None, markup: InlineKeyboardMarkup | None = None
    ) -> SentRef:
        if reply.poll is not None:
            return await self._send_poll(chat, reply.poll)
        ids: list[str] = []
        markup = markup or keyboard(reply.buttons)
        chunks = render_chunks(reply)
        for i, text in enumerate(chunks):
            kwargs: dict[str, Any] = {
                "chat_id": int(chat.chat_id),
                "text": text,
                "parse_mode": ParseMode.HTML,
                "link_preview_options": LinkPreviewOptions(is_disabled=True),
                "reply_markup": markup if i == len(chunks) - 1 else None,
            }
            if chat.thread_id is not None:
                kwargs["message_thread_id"] = int(chat.thread_id)
            if reply_to is not None and i == 0:
                kwargs["reply_parameters"] = ReplyParameters(int(reply_to), allow_sending_without_reply=True)
            send = self.app.bot.send_message
            msg = await delivery.call(
                "sendMessage", send, kwargs, self._migrated, turn=self.pacer.wait, on_wait=self._waited
            )
            ids.append(str(msg.message_id))
        return SentRef(PLATFORM, chat.chat_id, tuple(ids))

    async def reply(self, to: Event, reply: Reply) -> SentRef | None:
        if reply.private and not to.chat.is_private:
            sent = await self.send_direct(to.author, reply)
            if sent is not None:
                return sent
            # the fan never started the bot: answer in the group with a button to open the DM
            label = T(reply.lang, "Start a private chat")
            start = InlineKeyboardButton(label, url=f"https://t.me/{self.username}?start=dm")
            return await self.send(to.chat, reply, reply_to=_quote(to), markup=InlineKeyboardMarkup([[start]]))
        return await self.send(to.chat, reply, reply_to=_quote(to))

    async def edit(self, sent: SentRef, reply: Reply) -> None:
        chunks = render_chunks(reply)
        for message_id, text in zip(sent.message_ids, chunks, strict=False):
            await delivery.call(
                "editMessageText",
                self.app.bot.edit_message_text,
                {
                    "chat_id": int(sent.chat_id),
                    "message_id": int(message_id),
                    "text": text,
                    "parse_mode": ParseMode.HTML,
                },
            )

    async def send_direct(self, member: Author, reply: Reply) -> SentRef | None:
        try:
            return await self.send(ChatRef(PLATFORM, member.user_id, is_private=True), reply)
        except DeliveryError as exc:
            log.info("no DM possible", extra={"member": member.key, "reason": exc.reason})
            return None

    # -- roles and health ---------------------------------------------------------------
    async def resolve_role(self, chat: ChatRef, author: Author) -> Role | None:
        """Chat creators and administrators manage. One getChatAdministrators per chat and
        ROLE_TTL (not a getChatMember per member): a busy group costs one call every 5 minutes."""
        if chat.is_private:
            return None
        admins = await self._admins_of(int(chat.chat_id))
        return Role.MANAGER if admins is not None and int(author.user_id) in admins else None

    async def _admins_of(self, chat_id: int) -> frozenset[int] | None:
        cached = self._admins.get(chat_id)
        if cached is not None and cached[0] > time.monotonic():
            return await asyncio.shield(cached[1])
        lookup = asyncio.ensure_future(self._fetch_admins(chat_id))  # callers meanwhile share it
        self._admins[chat_id] = (time.monotonic() + ROLE_TTL, lookup)
        admins = await asyncio.shield(lookup)
        if admins is None:  # not known (no rights, Telegram down): ask again next time
            self._admins.pop(chat_id, None)
        return admins

    async def _fetch_admins(self, chat_id: int) -> frozenset[int] | None:
        try:
            members = await self.app.bot.get_chat_administrators(chat_id)
        except TelegramError as exc:
            log.info("role lookup failed", extra={"chat": chat_id, "error": str(exc)})
            return None
        return frozenset(m.user.id for m in members if m.status in (ChatMember.OWNER, ChatMember.ADMINISTRATOR))

    async def describe(self, chat: ChatRef, where: str = "en") -> list[str]:
        lines = [  # Telegram's reason is in the log
            "⚠ " + T(where, "I can't answer join requests in “{chat}”: make me an admin there who can add members.",
                     chat=title)
            for title, _ in self.join_trouble.values()
        ]  # fmt: skip
        return lines + await self._privacy(chat, where)

    async def _privacy(self, chat: ChatRef, where: str) -> list[str]:
        if chat.is_private or self.can_read_all:
            return []
        try:
            me = await self.app.bot.get_chat_member(int(chat.chat_id), self.app.bot.id)
        except TelegramError:
            return ["⚠ " + T(where, "I could not check my own permissions in this group.")]
        if me.status in (ChatMember.ADMINISTRATOR, ChatMember.OWNER):
            return []
        problem = T(
            where,
            "I can't see plain messages in this group (Telegram privacy mode), so FAQ answers and feedback offers "
            "won't work here. Make me an admin, or disable privacy with @BotFather (/setprivacy) and re-add me.",
        )
        return ["⚠ " + problem]


def _quote(event: Event) -> str | None:
    """Replies quote the fan's message (commands, chat); presses and joins have none to quote."""
    return event.message_id if isinstance(event, IncomingMessage) else None


__all__ = ["TelegramAdapter", "chat_ref"]
