"""Each adapter starts, fails and retries on its own (bot/supervisor.py)."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Sequence

import pytest

from bot.adapter import AdapterFailure, EventSink
from bot.commands import CommandSpec
from bot.supervisor import FAILED, RUNNING, STOPPED, Backoff, Status, Supervisor


def test_backoff_doubles_up_to_the_cap_with_jitter_below_each_step() -> None:
    backoff = Backoff(first=1.0, cap=60.0, rng=random.Random(7))
    delays = [backoff.next() for _ in range(10)]
    ceilings = [1, 2, 4, 8, 16, 32, 60, 60, 60, 60]
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    assert len({round(d, 6) for d in delays[6:]}) > 1  # jittered: processes don't retry in step
    backoff.reset()
    assert backoff.next() <= 1.0


class Flaky:
    """An adapter whose start fails ``failures`` times with ``error``, then runs until stopped."""

    platform = "flaky"

    def __init__(self, failures: int, error: Exception) -> None:
        self.failures, self.error = failures, error
        self.starts = self.stops = 0
        self.finished = asyncio.Event()
        self.fatal: str | None = None
        self.lost: str | None = None

    async def start(self, sink: EventSink) -> None:
        self.starts += 1
        self.finished = asyncio.Event()
        self.lost = None
        if self.starts <= self.failures:
            raise self.error

    async def stop(self) -> None:
        self.stops += 1

    async def wait_finished(self) -> None:
        await self.finished.wait()


class NoSink:
    def commands(self) -> Sequence[CommandSpec]:
        return ()


class Watch:
    """The supervisor's changes of state, awaitable."""

    def __init__(self) -> None:
        self.states: list[str] = []
        self.changed = asyncio.Condition()

    def __call__(self, _: str, status: Status) -> None:
        self.states.append(status.state)
        asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    async def reach(self, check: Callable[[], bool]) -> None:
        async with asyncio.timeout(5), self.changed:
            await self.changed.wait_for(check)


def supervise(adapter: Flaky, watch: Watch) -> Supervisor:
    return Supervisor(
        "flaky",
        adapter,  # type: ignore[arg-type]
        NoSink(),  # type: ignore[arg-type]
        backoff=Backoff(first=0.01, cap=0.02),
        on_change=watch,
    )


async def test_a_passing_outage_is_retried_and_logged_once_per_change(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.supervisor")
    adapter, watch = Flaky(5, ConnectionRefusedError("connect call failed")), Watch()
    sup, stopping = supervise(adapter, watch), asyncio.Event()
    task = asyncio.create_task(sup.run(stopping))
    await watch.reach(lambda: sup.status.state == RUNNING)
    assert adapter.starts == 6 and adapter.stops == 5  # each failed start cleaned up before the next
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 2, warnings  # "failing, retrying" once, "working again" once — not per try
    assert "ConnectionRefusedError: connect call failed" in warnings[0] and "working again" in warnings[1]
    assert watch.states == ["retrying", "running"]  # changes of state only: the retries repeat none
    stopping.set()
    await task
    assert sup.status.state == RUNNING and sup.problem is None


async def test_a_permanent_failure_gives_up_with_the_cause_and_the_fix(caplog: pytest.LogCaptureFixture) -> None:
    failure = AdapterFailure("rejected the bot token (401)", fix="set FANLOOP_X_TOKEN")
    adapter = Flaky(99, failure)
    sup = supervise(adapter, Watch())
    await asyncio.wait_for(sup.run(asyncio.Event()), 5)
    assert adapter.starts == 1 and sup.status.state == FAILED
    assert sup.problem == "rejected the bot token (401) — set FANLOOP_X_TOKEN"
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [
        "flaky adapter stopped: rejected the bot token (401) — set FANLOOP_X_TOKEN (the other adapters keep running)"
    ]


async def test_a_connection_lost_mid_run_is_started_again_and_a_finished_adapter_stops() -> None:
    adapter, watch = Flaky(0, RuntimeError()), Watch()
    sup, stopping = supervise(adapter, watch), asyncio.Event()
    task = asyncio.create_task(sup.run(stopping))
    await watch.reach(lambda: sup.status.state == RUNNING)
    adapter.lost = "gateway closed (1006)"
    adapter.finished.set()
    await watch.reach(lambda: adapter.starts == 2 and sup.status.state == RUNNING)
    assert watch.states == ["running", "retrying", "running"]
    adapter.finished.set()  # finished with nothing wrong (a console transcript's end)
    await asyncio.wait_for(task, 5)
    assert sup.status.state == STOPPED
