"""Events the dispatcher answers without claiming them first, because answering twice gives the same
result: a chat's new id, a join request (the same decision again) and a vote in a platform's own poll
(a vote set again changes nothing). Everything else is claimed once per event (``bot.dispatcher``)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace

from bot.adapter import HandleResult
from bot.clock import Clock
from bot.context import AdmissionListener, CommandContext, VoteListener
from bot.events import ChatMigrated, Event, JoinRequested, PollVoted
from storage.repositories.chats import ChatRepo
from storage.repositories.members import MemberRepo

log = logging.getLogger(__name__)


class Unclaimed:
    def __init__(
        self,
        *,
        chats: ChatRepo,
        members: MemberRepo,
        clock: Clock,
        context: Callable[[Event], Awaitable[CommandContext]],
        admission_listeners: Sequence[AdmissionListener] = (),
        vote_listeners: Sequence[VoteListener] = (),
    ) -> None:
        self.chats, self.members, self.clock, self._context = chats, members, clock, context
        self.admission_listeners = tuple(admission_listeners)
        self.vote_listeners = tuple(vote_listeners)

    async def handle(self, event: Event) -> HandleResult | None:
        """The answer to an event of these kinds; None for any other (it is claimed and routed)."""
        if isinstance(event, ChatMigrated):
            await self.chats.migrate(str(event.chat.platform), event.chat.chat_id, event.new_chat_id)
            return HandleResult("handled")
        if event.author.is_bot:
            return HandleResult("ignored")
        if isinstance(event, JoinRequested):
            return await self._admit(event)
        if isinstance(event, PollVoted):
            author = event.author
            member = await self.members.ensure(
                str(author.platform), author.user_id, author.display_name, author.username, self.clock.now()
            )
            for listener in self.vote_listeners:
                await listener(member, event)
            return HandleResult("handled")
        return None

    async def _admit(self, event: JoinRequested) -> HandleResult:
        """Ask the features guarding chats; the first that answers decides. A failure leaves the
        request to the chat's admins rather than refusing a fan for the bot's fault."""
        try:
            ctx = await self._context(event)
            for listener in self.admission_listeners:
                verdict = await listener(ctx)
                if verdict is not None:
                    told = () if verdict.reply is None else (replace(verdict.reply, private=True, lang=ctx.lang),)
                    return HandleResult("handled", told, admit=verdict.admit)
        except Exception:
            log.exception("join request not decided", extra={"chat": event.chat.key})
            return HandleResult("handled")
        return HandleResult("ignored")
