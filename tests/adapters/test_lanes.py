"""Chats side by side, each chat in order, at most N at once."""

from __future__ import annotations

import asyncio

import pytest

from adapters.lanes import Lanes


async def test_one_chat_in_order_while_another_chat_runs_past_it() -> None:
    lanes = Lanes(limit=8)
    gate = asyncio.Event()
    order: list[str] = []

    async def work(name: str, wait: asyncio.Event | None = None) -> str:
        if wait is not None:
            await wait.wait()
        order.append(name)
        return name

    a1 = lanes.submit("A", lambda: work("a1", gate))  # chat A is stuck (a flood wait, a slow LLM)
    a2 = lanes.submit("A", lambda: work("a2"))
    b1 = lanes.submit("B", lambda: work("b1"))
    assert await b1 == "b1" and order == ["b1"]  # B did not wait for A
    assert not a2.done()  # A's second message waits for A's first
    gate.set()
    assert await asyncio.gather(a1, a2) == ["a1", "a2"]
    assert order == ["b1", "a1", "a2"]
    assert lanes.busy == 0  # idle lanes are gone


async def test_at_most_limit_run_at_once_and_errors_reach_the_caller() -> None:
    lanes = Lanes(limit=2)
    running, peak = 0, 0
    release, two_running = asyncio.Event(), asyncio.Event()

    async def work() -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        if running == 2:
            two_running.set()
        await release.wait()
        running -= 1

    futures = [lanes.submit(chat, work) for chat in "ABCDE"]
    await two_running.wait()
    for _ in range(10):  # give the other three every chance to start: they must not
        await asyncio.sleep(0)
    assert running == 2
    release.set()
    await asyncio.gather(*futures)
    assert peak == 2

    async def boom() -> None:
        raise RuntimeError("database down")

    with pytest.raises(RuntimeError, match="database down"):
        await lanes.submit("A", boom)
    assert await lanes.submit("A", lambda: asyncio.sleep(0, result="next")) == "next"  # the lane goes on
