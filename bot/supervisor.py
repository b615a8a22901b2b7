"""Each adapter starts, fails and retries on its own, so one platform's outage never stops another.

A :class:`Supervisor` runs one adapter: it starts it, and when the start fails for a reason that
may pass (network down, platform 5xx) it tries again after an exponential, jittered, capped delay;
when the reason will not pass by itself (a rejected token, another poller on the same token) it
gives up on that adapter with one line naming the adapter, the cause and the fix. It logs once per
change of state, never once per try, and remembers the state for ``/status`` and ``/healthz``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.adapter import Adapter, AdapterFailure, EventSink

log = logging.getLogger(__name__)

STARTING, RUNNING, RETRYING, FAILED, STOPPED = "starting", "running", "retrying", "failed", "stopped"


class Backoff:
    """Delays of ``first * 2**n`` seconds, capped at ``cap``, each jittered down to half (so N
    processes that lost the same server don't come back in step)."""

    def __init__(self, first: float = 1.0, cap: float = 300.0, rng: random.Random | None = None) -> None:
        self.first, self.cap = first, cap
        self.tries = 0
        self._rng = rng or random.Random()

    def next(self) -> float:
        delay = min(self.cap, self.first * 2 ** min(self.tries, 30))
        self.tries += 1
        return delay * self._rng.uniform(0.5, 1.0)

    def reset(self) -> None:
        self.tries = 0


class Trouble:
    """Logs a recurring problem once when it starts (or changes), and once when it is over."""

    def __init__(self, what: str, logger: logging.Logger = log) -> None:
        self.what = what
        self.reason: str | None = None
        self.since: float | None = None
        self._log = logger

    def failed(self, reason: str, retry_in: float) -> None:
        if reason != self.reason:
            self._log.warning("%s: %s; retrying with backoff (next in %.0f s)", self.what, reason, retry_in)
            if self.since is None:
                self.since = time.monotonic()
            self.reason = reason
        else:
            self._log.debug("%s: still failing (%s), next try in %.0f s", self.what, reason, retry_in)

    def recovered(self) -> None:
        if self.reason is not None:
            down = time.monotonic() - (self.since or time.monotonic())
            self._log.warning("%s: working again after %.0f s", self.what, down)
        self.reason = None
        self.since = None


@dataclass
class Status:
    state: str
    detail: str = ""
    since: float = 0.0


class Supervisor:
    def __init__(
        self,
        name: str,
        adapter: Adapter,
        sink: EventSink,
        *,
        backoff: Backoff | None = None,
        on_change: Callable[[str, Status], None] | None = None,
    ) -> None:
        self.name = name
        self.adapter = adapter
        self.sink = sink
        self.backoff = backoff or Backoff()
        self.status = Status(STARTING, since=time.monotonic())
        self.started = False  # started at least once: stop() it at shutdown
        self.settled = asyncio.Event()  # the first try is over (running, failed or retrying)
        self._trouble = Trouble(f"{name} adapter")
        self._on_change = on_change

    @property
    def problem(self) -> str | None:
        """What is wrong now, for /status and /healthz (None when the adapter runs well)."""
        if self.status.state in (FAILED, RETRYING):
            return self.status.detail
        if self.status.state == RUNNING:
            trouble: str | None = getattr(self.adapter, "trouble", None)
            return trouble
        return None

    def _set(self, state: str, detail: str = "") -> None:
        if (state, detail) == (self.status.state, self.status.detail):
            return
        self.status = Status(state, detail, time.monotonic())
        if self._on_change is not None:
            self._on_change(self.name, self.status)
        if state in (RUNNING, FAILED, RETRYING):
            self.settled.set()

    async def run(self, stopping: asyncio.Event) -> None:
        """Start the adapter, retrying transient failures, until it stops, fails for good, or the
        process is stopping."""
        while not stopping.is_set():
            if self.status.state != RETRYING:  # a retried start stays "retrying" until it works
                self._set(STARTING)
            try:
                await self.adapter.start(self.sink)
            except AdapterFailure as exc:
                if exc.permanent:
                    await self._stop_quietly()
                    self._give_up(exc.describe())
                    return
                reason = exc.describe()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # network down, 5xx, timeouts: worth another try
                reason = _describe(exc)
            else:
                self.started = True
                if self.backoff.tries:
                    self._trouble.recovered()
                self.backoff.reset()
                self._set(RUNNING)
                await wait_first(self.adapter.wait_finished(), stopping.wait())
                if stopping.is_set():
                    return
                fatal: str | None = getattr(self.adapter, "fatal", None)
                lost: str | None = getattr(self.adapter, "lost", None)
                if fatal:
                    self._give_up(fatal)
                    return
                if not lost:
                    self._set(STOPPED)
                    return
                reason = lost  # the connection went away for a reason that may pass: start again
            await self._stop_quietly()
            delay = self.backoff.next()
            self._trouble.failed(reason, delay)
            self._set(RETRYING, reason)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), delay)

    def _give_up(self, reason: str) -> None:
        log.error("%s adapter stopped: %s (the other adapters keep running)", self.name, reason)
        self._set(FAILED, reason)

    async def _stop_quietly(self) -> None:
        """Release what a failed start left open, so the next try starts clean."""
        try:
            await self.adapter.stop()
        except Exception:
            log.debug("%s adapter cleanup after a failed start", self.name, exc_info=True)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__


async def wait_first(*waits: object) -> None:
    """Wait until the first of ``waits`` is done; cancel the others."""
    tasks = [asyncio.ensure_future(w) for w in waits]  # type: ignore[call-overload]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
