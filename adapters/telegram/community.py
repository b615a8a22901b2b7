"""Telegram's community tools for the core: join requests answered (approve or decline, with the
reason told privately), its own polls sent and stopped, and invite links named for one fan."""

from __future__ import annotations

import logging
from typing import Any

from telegram.ext import Application

from adapters.telegram import delivery
from adapters.telegram.translate import PLATFORM
from bot.adapter import DeliveryError, Gate, HandleResult, SentRef
from bot.events import Author, ChatRef, JoinRequested
from bot.replies import PollSpec, Reply

log = logging.getLogger(__name__)

#: what Telegram answers for a join request someone answered already (an admin, or a redelivery)
ANSWERED = ("HIDE_REQUESTER_MISSING", "USER_ALREADY_PARTICIPANT")


class TelegramCommunity:
    """Mixed into the adapter, which provides the application, the pacer and private messages."""

    app: Application[Any, Any, Any, Any, Any, Any]
    pacer: Gate
    #: chat id -> (title, why): chats where Telegram refused the bot's answer to a join request
    join_trouble: dict[str, tuple[str, str]]

    async def send_direct(self, member: Author, reply: Reply) -> SentRef | None:
        raise NotImplementedError  # the adapter's

    def _waited(self, seconds: float) -> None:
        raise NotImplementedError  # the adapter's

    async def _migrated(self, old: str, new: str) -> None:
        raise NotImplementedError  # the adapter's

    async def _admit(self, event: JoinRequested, result: HandleResult) -> None:
        """Tell the requester why (privately: Telegram lets a bot message someone who asked to join,
        for a few minutes), then approve or decline. A request already answered (by an admin, or a
        redelivery) is no error."""
        for reply in result.replies:
            await self.send_direct(event.author, reply)
        if result.admit is None:
            return  # left to the chat's admins
        method = "approveChatJoinRequest" if result.admit else "declineChatJoinRequest"
        call = self.app.bot.approve_chat_join_request if result.admit else self.app.bot.decline_chat_join_request
        try:
            who = {"chat_id": int(event.chat.chat_id), "user_id": int(event.author.user_id)}
            await delivery.call(method, call, who, turn=self.pacer.wait, on_wait=self._waited)
        except DeliveryError as exc:
            if any(code in exc.reason for code in ANSWERED):
                log.info("join request already answered", extra={"chat": event.chat.key, "reason": exc.reason})
                return
            # the bot may not answer requests there: /status and /setup say so until it can
            log.warning("join request not answered", extra={"chat": event.chat.key, "reason": exc.reason})
            self.join_trouble[event.chat.chat_id] = (event.chat.title or event.chat.chat_id, exc.reason)
        else:
            self.join_trouble.pop(event.chat.chat_id, None)

    async def _send_poll(self, chat: ChatRef, poll: PollSpec) -> SentRef:
        """Telegram's own poll, not anonymous, so each vote arrives as a poll answer (the text is plain:
        Telegram shows a poll's question and options as written, no markup to escape)."""
        kwargs: dict[str, Any] = {
            "chat_id": int(chat.chat_id),
            "question": poll.question[:300],
            "options": [o[:100] for o in poll.options],
            "is_anonymous": False,
            "allows_revoting": True,  # a fan may change their vote until the poll closes
        }
        if chat.thread_id is not None:
            kwargs["message_thread_id"] = int(chat.thread_id)
        send = self.app.bot.send_poll
        msg = await delivery.call("sendPoll", send, kwargs, self._migrated, turn=self.pacer.wait, on_wait=self._waited)
        return SentRef(PLATFORM, chat.chat_id, (str(msg.message_id),), msg.poll.id if msg.poll else None)

    async def create_invite(self, chat: ChatRef, name: str) -> str:
        """A link named for one fan that asks for approval: each join through it is a join request
        carrying the link, which is how the inviter is known (and the bot approves it)."""
        kwargs = {"chat_id": int(chat.chat_id), "name": name[:32], "creates_join_request": True}
        made = await delivery.call(
            "createChatInviteLink", self.app.bot.create_chat_invite_link, kwargs, turn=self.pacer.wait,
            on_wait=self._waited,
        )  # fmt: skip
        return str(made.invite_link)

    async def close_poll(self, sent: SentRef) -> None:
        if not sent.message_ids:
            return
        kwargs = {"chat_id": int(sent.chat_id), "message_id": int(sent.message_ids[0])}
        try:
            await delivery.call("stopPoll", self.app.bot.stop_poll, kwargs, turn=self.pacer.wait, on_wait=self._waited)
        except DeliveryError as exc:  # already stopped, or the message is gone: nothing to stop
            log.info("poll not stopped", extra={"chat": sent.chat_id, "reason": exc.reason})
