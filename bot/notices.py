"""Telling the managers: failed deliveries, flagged FAQ entries, missed announcements. Sent to every
manager chat; when there is none (or none could be reached) the notice is kept and shown by
/setup until a manager has seen it — it never reaches only the log."""

from __future__ import annotations

import logging

from bot.adapter import DeliveryError
from bot.clock import Clock
from bot.events import ChatRef, Platform
from bot.messenger import Messenger
from bot.replies import say
from storage.repositories.chats import ChatRepo
from storage.repositories.notices import NoticeRepo

log = logging.getLogger(__name__)


class ManagerNotices:
    def __init__(self, chats: ChatRepo, messenger: Messenger, repo: NoticeRepo, clock: Clock) -> None:
        self.chats = chats
        self.messenger = messenger
        self.repo = repo
        self.clock = clock
        #: what :meth:`tell_once` has told in this process
        self._told: set[str] = set()

    async def tell(self, text: str) -> bool:
        """Send ``text`` to the manager chats; returns whether at least one got it."""
        delivered = False
        for chat in await self.chats.by_kind("manager"):
            try:
                await self.messenger.send(ChatRef(Platform(chat.platform), chat.chat_id, title=chat.title), say(text))
                delivered = True
            except DeliveryError:
                continue
        if not delivered:
            log.warning("no manager chat got this; kept for /setup: %s", text)
        await self.repo.add(text, delivered, self.clock.now())
        return delivered

    async def tell_once(self, text: str) -> bool:
        """:meth:`tell`, once per process for the same text: a setup problem met for every member or
        on every retry is one notice, not a flood. False when it was told already."""
        if text in self._told:
            return False
        self._told.add(text)
        return await self.tell(text)
