"""Delivers queued feedback notifications: one message per chat per change, DMs on opt-in.

Rows are claimed atomically, so two processes never send the same one; a crash between
claim and send leaves rows 'sending' until the lease runs out, then they are retried
(at most one duplicate message per chat, never a lost one).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import timedelta

from bot.adapter import DeliveryError
from bot.clock import Clock
from bot.events import Author, ChatRef, Platform
from bot.features.feedback.text import change_message
from bot.i18n import SOURCE, negotiate
from bot.messenger import Messenger
from bot.replies import BR, Reply, Segment, mention_line
from storage.repositories.chats import ChatRepo
from storage.repositories.feedback import FeedbackRepo
from storage.repositories.members import MemberRepo
from storage.repositories.outbox import NotificationRepo, NotificationView

log = logging.getLogger(__name__)


class Notifier:
    def __init__(
        self,
        outbox: NotificationRepo,
        items: FeedbackRepo,
        messenger: Messenger,
        clock: Clock,
        worker_id: str,
        lease: timedelta = timedelta(minutes=5),
        *,
        chats: ChatRepo | None = None,
        members: MemberRepo | None = None,
        language: str = SOURCE,
    ) -> None:
        #: notices to a chat speak the chat's language, private ones the member's
        self.chats, self.members, self.language = chats, members, language
        self.outbox = outbox
        self.items = items
        self.messenger = messenger
        self.clock = clock
        self.worker_id = worker_id
        self.lease = lease

    async def flush(self, change_id: int | None = None) -> int:
        """Send what is pending (for one change, or all); returns how many members were told."""
        told, _ = await self.flush_here(change_id)
        return told

    async def flush_here(self, change_id: int | None = None, here: ChatRef | None = None) -> tuple[int, Reply | None]:
        """Like :meth:`flush`, but the notice for the chat ``here`` (where a manager made the change)
        is returned instead of sent: it becomes the command's one answer there, not a second message."""
        rows = await self.outbox.claim(
            self.worker_id, self.clock.now(), self.lease, change_id=change_id, platforms=self.messenger.serving()
        )
        connected = set(self.messenger.serving())
        waiting = [r.id for r in rows if r.platform not in connected]
        if waiting:  # that platform is not running in this process: leave them for one that is
            await self.outbox.mark(waiting, "pending", self.clock.now(), "platform not connected")
        groups: dict[tuple[int, str, str, str | None], list[NotificationView]] = defaultdict(list)
        told = 0
        for row in rows:
            if row.platform not in connected:
                continue
            if row.channel == "dm":
                body = await self._body(row.change_id, await self._member_lang(row.member_id))
                if body is None:
                    await self.outbox.mark([row.id], "failed", self.clock.now(), "item gone")
                    continue
                member = Author(Platform(row.platform), row.user_id, row.display_name)
                if await self.messenger.send_direct(member, Reply(tuple(body))) is not None:
                    await self.outbox.mark([row.id], "sent", self.clock.now())
                    told += 1
                    continue
                # DMs closed / never started the bot: fall back to a mention in the chat
            groups[(row.change_id, row.platform, row.chat_id, row.thread_id)].append(row)
        local: Reply | None = None
        for (change_id_, platform, chat_id, thread_id), group in groups.items():
            chat = ChatRef(Platform(platform), chat_id, thread_id=thread_id)
            if (
                here is not None
                and local is None
                and (platform, chat_id, thread_id) == (str(here.platform), here.chat_id, here.thread_id)
            ):
                local = await self._render(change_id_, group)
                if local is not None:
                    await self.outbox.mark([r.id for r in group], "sent", self.clock.now())  # goes as the reply
                    told += len(group)
                    continue
            told += await self._send_group(change_id_, chat, group)
        return told, local

    async def _render(self, change_id: int, group: list[NotificationView]) -> Reply | None:
        body = await self._body(change_id, await self._chat_lang(group[0].platform, group[0].chat_id))
        if body is None:
            return None
        people = [(r.platform, r.user_id, r.display_name) for r in group]
        return Reply((*body, BR, *mention_line(people)), mentions=tuple(f"{p}:{u}" for p, u, _ in people))

    async def _chat_lang(self, platform: str, chat_id: str) -> str:
        chat = await self.chats.get(platform, chat_id) if self.chats is not None else None
        return negotiate(chat.language if chat else None) or self.language

    async def _member_lang(self, member_id: int) -> str:
        chosen = await self.members.language(member_id) if self.members is not None else None
        return negotiate(chosen) or self.language

    async def _body(self, change_id: int, lang: str = SOURCE) -> list[Segment] | None:
        change = await self.items.change(change_id)
        if change is None:
            return None
        item = await self.items.get(change.feedback_id)
        if item is None:
            return None
        into = (
            await self.items.get(item.duplicate_of) if change.to_status == "duplicate" and item.duplicate_of else None
        )
        return change_message(item, change, into, lang)

    async def _send_group(self, change_id: int, chat: ChatRef, group: list[NotificationView]) -> int:
        ids = [r.id for r in group]
        reply = await self._render(change_id, group)
        if reply is None:
            await self.outbox.mark(ids, "failed", self.clock.now(), "item gone")
            return 0
        try:
            await self.messenger.send(chat, reply)
        except DeliveryError as exc:
            status = "failed" if exc.permanent else "pending"
            log.warning("notification not delivered", extra={"chat": chat.key, "reason": exc.reason})
            await self.outbox.mark(ids, status, self.clock.now(), exc.reason[:300])
            return 0
        await self.outbox.mark(ids, "sent", self.clock.now())
        return len(group)
