"""Send gates: every send to a platform waits for its turn under the bot's rate limit.

One gate per bot token. With PostgreSQL the gate is shared by every process on the database:
each send takes the next free slot in one atomic upsert (``rate_slots``) and sleeps until it, so
two processes broadcasting together stay evenly under the limit instead of each using all of it.
Sends of one process that wait at the same moment share one upsert (it reserves as many
consecutive slots as there are waiters): a busy process costs the database one round trip per
batch of sends, not one per send.
With SQLite (one process) the gate is in memory. Either way a broadcast holds at most a few slots
ahead of time (it sends a few messages at once), so a fan's reply waits a fraction of a second
behind it, never the whole broadcast.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta

from storage.repositories.rates import RateRepo

log = logging.getLogger(__name__)


class LocalGate:
    """Sends spaced evenly below ``rate`` a second, in this process."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            now = time.monotonic()
            if self._next > now:
                await asyncio.sleep(self._next - now)
                now = time.monotonic()
            self._next = max(now, self._next) + self.interval


#: shared slots leave this share of the rate unused: a slot whose reservation came back late is
#: sent at once, so sends bunch a little; without a margin a bunch overflows the platform's window
SHARED_MARGIN = 0.06


#: at most this many waiting sends share one reservation (a broadcast never books far ahead)
MAX_BATCH = 50


class SharedGate:
    """Sends spaced evenly below ``rate`` a second across every process sharing the database."""

    def __init__(self, repo: RateRepo, key: str, rate: float) -> None:
        self.repo, self.key = repo, key
        self.interval = timedelta(seconds=1.0 / (rate * (1 - SHARED_MARGIN)))
        self._fallback = LocalGate(rate)
        self._waiting: list[asyncio.Future[datetime | None]] = []
        self._reserver: asyncio.Task[None] | None = None

    async def wait(self) -> None:
        slot: asyncio.Future[datetime | None] = asyncio.get_running_loop().create_future()
        self._waiting.append(slot)
        if self._reserver is None or self._reserver.done():
            self._reserver = asyncio.create_task(self._reserve(), name=f"rate-slots:{self.key}")
        start = await slot
        if start is None:  # the database is away: pace this process alone rather than not at all
            await self._fallback.wait()
            return
        delay = (start - datetime.now(UTC)).total_seconds()
        if delay > 0:
            await asyncio.sleep(delay)

    async def _reserve(self) -> None:
        """Reserve consecutive slots for everyone waiting, one upsert per batch, until none wait."""
        while self._waiting:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            try:
                first = await self.repo.reserve(self.key, self.interval, datetime.now(UTC), count=len(batch))
            except Exception:
                log.warning("shared rate limit unavailable; pacing this process alone", exc_info=True)
                starts: list[datetime | None] = [None] * len(batch)
            else:
                starts = [first + i * self.interval for i in range(len(batch))]
            for future, start in zip(batch, starts, strict=True):
                if not future.done():
                    future.set_result(start)
