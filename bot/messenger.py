"""Sends what the core decided to say somewhere other than a direct reply.

Routes each message to the adapter of its platform; a DM that cannot be delivered falls
back to the chat; a permanent failure marks the chat unreachable so managers see why.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Set

from bot.adapter import Adapter, DeliveryError, GradeRoles, InviteMaker, PollCloser, SentRef
from bot.events import Author, ChatRef, Event
from bot.replies import Outgoing, Reply
from storage.repositories.chats import ChatRepo

log = logging.getLogger(__name__)


class Messenger:
    def __init__(self, adapters: Mapping[str, Adapter], chats: ChatRepo, down: Set[str] = frozenset()) -> None:
        self._adapters = adapters
        self._chats = chats
        #: platforms whose adapter is (re)starting or failed: their sends wait, they don't fail for good
        self._down = down

    def _adapter(self, platform: object) -> Adapter | None:
        name = str(platform)
        return None if name in self._down else self._adapters.get(name)

    def platforms(self) -> list[str]:
        return list(self._adapters)

    def serving(self) -> list[str]:
        """The platforms this process can send to right now (its adapters that are up): shared
        queues claim only their rows, and leave the rest to the processes that serve them."""
        return [name for name in self._adapters if name not in self._down]

    def grade_platforms(self) -> list[str]:
        """The platforms this process serves that show grades (Discord roles, when configured)."""
        return [
            name
            for name in self.serving()
            if isinstance(self._adapters[name], GradeRoles) and self._adapters[name].shows_grades()  # type: ignore[attr-defined]
        ]

    async def show_grade(self, platform: str, user_id: str, grade: str) -> bool:
        adapter = self._adapter(platform)
        if not isinstance(adapter, GradeRoles):
            raise DeliveryError(f"{platform} is not connected", permanent=False)
        return await adapter.show_grade(user_id, grade)

    async def grade_holders(self, platform: str) -> dict[str, str]:
        adapter = self._adapter(platform)
        return await adapter.grade_holders() if isinstance(adapter, GradeRoles) else {}

    async def create_invite(self, chat: ChatRef, name: str) -> str | None:
        """A personal invite link to ``chat``; None where the platform has no such links."""
        adapter = self._adapter(chat.platform)
        if adapter is None:
            raise DeliveryError(f"{chat.platform} is not connected", permanent=False)
        return await adapter.create_invite(chat, name) if isinstance(adapter, InviteMaker) else None

    async def close_poll(self, sent: SentRef) -> None:
        """Stop a native poll (a platform without them has nothing to stop)."""
        adapter = self._adapter(sent.platform)
        if isinstance(adapter, PollCloser):
            await adapter.close_poll(sent)

    async def send(self, chat: ChatRef, reply: Reply) -> SentRef:
        adapter = self._adapter(chat.platform)
        if adapter is None:
            raise DeliveryError(f"{chat.platform} is not connected", permanent=False)
        try:
            return await adapter.send(chat, reply)
        except DeliveryError as exc:
            if exc.permanent:
                log.warning("chat unreachable", extra={"chat": chat.key, "reason": exc.reason})
                await self._chats.mark_unreachable(str(chat.platform), chat.chat_id, exc.reason)
            raise

    async def reply(self, to: Event, reply: Reply) -> SentRef | None:
        """Answer an event again (a reply taken over from a stopped process)."""
        adapter = self._adapter(to.chat.platform)
        if adapter is None:
            raise DeliveryError(f"{to.chat.platform} is not connected", permanent=False)
        return await adapter.reply(to, reply)

    async def edit(self, sent: SentRef, reply: Reply) -> None:
        adapter = self._adapter(sent.platform)
        if adapter is None:
            raise DeliveryError(f"{sent.platform} is not connected", permanent=False)
        await adapter.edit(sent, reply)

    async def send_direct(self, member: Author, reply: Reply) -> SentRef | None:
        adapter = self._adapter(member.platform)
        if adapter is None:
            return None
        try:
            return await adapter.send_direct(member, reply)
        except DeliveryError as exc:
            log.info("direct message not delivered", extra={"member": member.key, "reason": exc.reason})
            return None

    async def deliver(self, out: Outgoing) -> SentRef | None:
        """Deliver one outgoing message: DM first when asked, else (or on failure) the chat."""
        if out.direct_to is not None:
            sent = await self.send_direct(out.direct_to, out.reply)
            if sent is not None:
                return sent
        try:
            return await self.send(out.chat, out.reply)
        except DeliveryError as exc:
            log.warning("delivery failed", extra={"chat": out.chat.key, "reason": exc.reason})
            return None
