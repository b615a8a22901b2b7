"""A pacer that spaces requests evenly below a platform's global rate limit.

Neither discord.py nor python-telegram-bot's limiter stops a broadcast from bursting: a leaky
bucket lets a full bucket out at once and then earns 429s. Spacing sends evenly keeps
fan-out just under the limit with no flood waits.
"""

from __future__ import annotations

import asyncio
import time


class Pacer:
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
