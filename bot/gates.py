"""Send gates: every send to a platform waits for its turn under the bot's rate limit.

One gate per bot token. With PostgreSQL the gate is shared by every process on the database:
each send takes the next free slot in one atomic upsert (``rate_slots``) and sleeps until it, so
two processes broadcasting together stay evenly under the limit instead of each using all of it.
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


class SharedGate:
    """Sends spaced evenly below ``rate`` a second across every process sharing the database."""

    def __init__(self, repo: RateRepo, key: str, rate: float) -> None:
        self.repo, self.key = repo, key
        self.interval = timedelta(seconds=1.0 / (rate * (1 - SHARED_MARGIN)))
        self._fallback = LocalGate(rate)

    async def wait(self) -> None:
        try:
            slot = await self.repo.reserve(self.key, self.interval, datetime.now(UTC))
        except Exception:  # the database is away: pace this process alone rather than not at all
            log.warning("shared rate limit unavailable; pacing this process alone", exc_info=True)
            await self._fallback.wait()
            return
        delay = (slot - datetime.now(UTC)).total_seconds()
        if delay > 0:
            await asyncio.sleep(delay)
