"""Chats side by side, each chat in order.

Every chat gets a lane: work submitted for one chat runs one item at a time, in submission order;
different chats run concurrently, at most ``limit`` items at once across all lanes. A chat whose
work is slow (a flood wait, a slow LLM answer) holds back only itself. A lane's task ends when
its queue is empty, so idle chats cost nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


class Lanes:
    def __init__(self, limit: int = 64, name: str = "lanes") -> None:
        self._slots = asyncio.Semaphore(limit)
        self._queues: dict[Hashable, deque[tuple[Callable[[], Awaitable[Any]], asyncio.Future[Any]]]] = {}
        self._tasks: dict[Hashable, asyncio.Task[None]] = {}
        self._name = name

    def submit(self, key: Hashable, work: Callable[[], Awaitable[T]]) -> asyncio.Future[T]:
        """Queue ``work`` behind the chat's earlier work; the future has its result (or exception)."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queues.setdefault(key, deque()).append((work, future))
        if key not in self._tasks:
            self._tasks[key] = asyncio.create_task(self._drain(key), name=f"{self._name}:{key}")
        return future

    async def _drain(self, key: Hashable) -> None:
        queue = self._queues[key]
        try:
            while queue:
                work, future = queue[0]
                async with self._slots:
                    try:
                        result = await work()
                    except asyncio.CancelledError:
                        if not future.done():
                            future.cancel()
                        raise
                    except Exception as exc:
                        if not future.done():
                            future.set_exception(exc)
                    else:
                        if not future.done():
                            future.set_result(result)
                queue.popleft()
        finally:
            self._tasks.pop(key, None)
            if not queue:
                self._queues.pop(key, None)
            else:  # cancelled: whatever was still queued will not run
                for _, future in queue:
                    future.cancel()
                self._queues.pop(key, None)

    @property
    def busy(self) -> int:
        """How many chats have work queued or running."""
        return len(self._tasks)

    async def wait_idle(self, grace: float) -> None:
        """Wait (up to ``grace`` seconds) for the work queued so far to finish."""
        tasks = list(self._tasks.values())
        if tasks:
            await asyncio.wait(tasks, timeout=grace)

    async def close(self) -> None:
        """Cancel every lane (at shutdown, after the core has drained)."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
