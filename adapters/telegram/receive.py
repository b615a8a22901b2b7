"""Telegram updates in: translated straight to core events, chats side by side, each chat in order.

Long polling keeps delivery at least once: getUpdates(offset) confirms every update below the
offset, so the offset is the lowest update not yet handled — a watermark. Updates above it that
are handled already, or still running in their chat's lane, are skipped when a poll returns
them again. A poll that brings nothing new waits for a running update to finish instead of
asking again at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError

from adapters.lanes import Lanes
from adapters.telegram.translate import (
    PLATFORM,
    button_event,
    join_request_event,
    joined_events,
    message_event,
    poll_vote_event,
)
from adapters.telegram.updates import UpdateSource
from bot.adapter import EventSink, HandleResult
from bot.events import Author, ChatMigrated, ChatRef, Event
from bot.supervisor import Backoff, Trouble

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member", "chat_join_request", "poll_answer"]
Deliver = Callable[[Event, HandleResult], None]


class Receiver:
    """Turns updates into events for the core and hands each result's replies to ``deliver``."""

    def __init__(
        self,
        bot: Bot,
        sink: EventSink,
        deliver: Deliver,
        *,
        username: str,
        now: Callable[[], datetime],
        concurrency: int = 64,
    ) -> None:
        self.bot = bot
        self.now = now
        self.sink = sink
        self.deliver = deliver
        self.username = username
        self.lanes = Lanes(concurrency, name="telegram-in")
        self._roots = {s.root for s in sink.commands()}
        self.source = UpdateSource(bot, allowed_updates=ALLOWED_UPDATES)
        #: getUpdates failing (Telegram or the network down): logged once, shown by /healthz
        self.trouble = Trouble("telegram getUpdates", log)

    # -- one update ---------------------------------------------------------------------
    def events(self, update: Update) -> list[Event]:
        """The core events an update carries (none for edits and other bots' commands)."""
        if update.callback_query is not None:
            press = button_event(update.callback_query)
            return [press] if press is not None else []
        if update.chat_join_request is not None:
            return [join_request_event(update.chat_join_request)]
        if update.poll_answer is not None:
            vote = poll_vote_event(update.poll_answer)
            return [vote] if vote is not None else []
        msg = update.message
        if msg is None:  # edited messages, member updates: nothing for the core
            return []
        if msg.migrate_to_chat_id:
            return [self.migration(str(msg.chat.id), str(msg.migrate_to_chat_id))]
        if msg.new_chat_members:
            return list(joined_events(msg))
        if not (msg.text or msg.caption):
            return []
        event = message_event(msg, self.username)
        if event is None:
            return []
        if event.text.startswith("/") and not event.chat.is_private:
            # in groups an unknown bare /command may belong to another bot: answer only ours
            name = event.text[1:].split(" ", 1)[0]
            if name not in self._roots and not _mentions_bot(msg.text or "", self.username):
                return []
        return [event]

    def migration(self, old: str, new: str) -> ChatMigrated:
        system = Author(PLATFORM, "0", "Telegram")
        return ChatMigrated(ChatRef(PLATFORM, old), system, f"migrate:{new}", new, self.now())

    async def process(self, update: Update) -> HandleResult | None:
        """Run one update through the core; None when it carried nothing for the core."""
        if update.callback_query is not None:
            with contextlib.suppress(TelegramError):
                await update.callback_query.answer()
        outcome: HandleResult | None = None
        for event in self.events(update):
            result = await self.sink.handle(event)
            self.deliver(event, result)
            if outcome is None or not result.may_acknowledge:
                outcome = result
        return outcome

    def submit(self, update: Update) -> asyncio.Future[HandleResult | None]:
        return self.lanes.submit(chat_key(update), lambda: self.process(update))

    # -- long polling -------------------------------------------------------------------
    async def poll(self, *, poll_seconds: int, retry_delay: float, on_fatal: Callable[[str], None]) -> None:
        watermark = 0  # every update below it is handled; Telegram may forget them
        order: deque[int] = deque()  # updates at or above the watermark, in Telegram's order
        running: dict[int, asyncio.Future[HandleResult | None]] = {}
        handled: set[int] = set()
        not_before: dict[int, float] = {}  # another worker holds it: ask again after this
        backoff = Backoff(first=retry_delay, cap=120.0)

        def seen(uid: int) -> bool:  # running, or handled above the watermark: not built again
            return uid in running or uid in handled

        while True:
            try:
                updates = await self.source.get(
                    offset=watermark or None, wait=0 if running else poll_seconds, seen=seen
                )
            except Conflict:
                on_fatal(
                    "another process is polling this bot token (409 Conflict) — run one poller per token, "
                    "or webhook mode ([telegram] webhook_url) for several workers"
                )
                return
            except InvalidToken:
                on_fatal("Telegram no longer accepts the bot token (401) — was it revoked? Set a new one")
                return
            except (NetworkError, TelegramError) as exc:
                delay = backoff.next()
                self.trouble.failed(f"{type(exc).__name__}: {exc}", delay)
                await asyncio.sleep(delay)
                continue
            if backoff.tries:
                backoff.reset()
                self.trouble.recovered()
            fresh = 0
            now = time.monotonic()
            for update in updates:
                uid = update.update_id
                if uid in running or uid in handled or not_before.get(uid, 0) > now:
                    continue
                if uid not in not_before:
                    order.append(uid)
                not_before.pop(uid, None)
                running[uid] = self.submit(update)
                fresh += 1
            if running and not fresh:  # ask again once a share of the window is free, not per update
                await _enough_done(list(running.values()), wait=retry_delay)
            for uid, future in list(running.items()):
                if not future.done():
                    continue
                del running[uid]
                if _acknowledged(future):
                    handled.add(uid)
                else:
                    not_before[uid] = time.monotonic() + retry_delay
            while order and order[0] in handled:
                uid = order.popleft()
                handled.discard(uid)
                watermark = uid + 1
            if not running and not fresh and not_before:
                await asyncio.sleep(retry_delay)  # only held updates are left: don't spin


def chat_key(update: Update) -> str:
    chat = update.effective_chat
    return str(chat.id) if chat is not None else "-"


def _acknowledged(future: asyncio.Future[HandleResult | None]) -> bool:
    if future.cancelled():
        return False
    exc = future.exception()
    if exc is not None:  # the core could not take it (database down): not handled, ask again
        log.warning("update not handled, will retry", exc_info=exc)
        return False
    result = future.result()
    return result is None or result.may_acknowledge


async def _enough_done(futures: Sequence[Awaitable[Any]], wait: float, linger: float = 0.02) -> None:
    """Until one of ``futures`` is done (at most ``wait`` s), then until a quarter of them are or
    ``linger`` s more have passed: each poll returns the whole window above the watermark again,
    so asking after every finished update would cost a poll (and its JSON) per update."""
    pending = [asyncio.ensure_future(f) for f in futures]
    done, rest = await asyncio.wait(pending, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
    if not done or not rest:
        return
    enough = max(1, len(pending) // 4)
    deadline = asyncio.get_running_loop().time() + linger
    while len(done) < enough and rest:
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0:
            return
        more, rest = await asyncio.wait(rest, timeout=left, return_when=asyncio.FIRST_COMPLETED)
        if not more:
            return
        done |= more


def _mentions_bot(text: str, username: str) -> bool:
    head = text.split(" ", 1)[0]
    return bool(username) and head.lower().endswith("@" + username.lower())
