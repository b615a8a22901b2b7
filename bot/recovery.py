"""Replies survive a crash: every reply is in the outbox from the moment its event is done.

The process that decided a reply sends it and reports the outcome; while it holds replies it
renews its claim on them (``renew``, every 30 s). A process that died stops renewing: after the
lease (90 s) any process running that platform takes its replies over (``sweep``) and sends them
in order. The one window in which a reply can arrive twice is a crash after the platform accepted
a message and before the outcome was recorded; a send whose answer never came (a read timeout
after the request went out) is recorded as ``unknown`` and never sent again.
"""

from __future__ import annotations

import logging

from bot.adapter import DeliveryError
from bot.clock import Clock
from bot.events import Author, ButtonPressed, ChatRef, Event, IncomingMessage, Platform
from bot.messenger import Messenger
from bot.replies import reply_from_json
from storage.repositories.replies import MAX_ATTEMPTS, ReplyRepo, StoredReply

log = logging.getLogger(__name__)


class ReplyRecovery:
    def __init__(self, repo: ReplyRepo, messenger: Messenger, clock: Clock, worker_id: str) -> None:
        self.repo = repo
        self.messenger = messenger
        self.clock = clock
        self.worker_id = worker_id

    async def renew(self) -> int:
        return await self.repo.renew(self.worker_id, self.clock.now())

    async def sweep(self) -> int:
        """Send the replies a dead process left behind; returns how many went out."""
        sent = 0
        rows = await self.repo.take_over(self.worker_id, self.clock.now(), self.messenger.platforms())
        for row in rows:
            sent += await self._send(row)
        if rows:
            log.info("replies taken over from a stopped process", extra={"count": len(rows), "sent": sent})
        return sent

    async def _send(self, row: StoredReply) -> int:
        try:
            await self.messenger.reply(_event_of(row, self.clock), reply_from_json(row.payload))
        except DeliveryError as exc:
            outcome = "failed" if exc.outcome == "retry" and row.attempts >= MAX_ATTEMPTS else exc.outcome
            if outcome != "retry":  # a transient failure stays ours: retried when the lease runs out
                await self.repo.outcome(row.id, outcome, self.clock.now(), exc.reason)
            return 0
        await self.repo.outcome(row.id, "sent", self.clock.now())
        return 1


def _event_of(row: StoredReply, clock: Clock) -> Event:
    """The event a reply answers, as far as sending needs it: where, to whom, what to quote."""
    platform = Platform(row.platform)
    chat = ChatRef(platform, row.chat_id, thread_id=row.thread_id, is_private=row.chat_private)
    author = Author(platform, row.author_id, row.author_name)
    if row.quote_id is not None:
        return IncomingMessage(chat, author, row.quote_id, "", clock.now())
    return ButtonPressed(chat, author, f"outbox:{row.id}", "", "", clock.now())
