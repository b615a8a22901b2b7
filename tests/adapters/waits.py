"""Waiting in adapter tests for what the bot does on its own time: poll a condition, never sleep and
hope."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.app import App

V = TypeVar("V")


async def eventually(check: Callable[[], Awaitable[V | None]], wait: float = 10.0) -> V:
    """The first truthy value ``check`` gives (awaited every 20 ms), failing after ``wait`` seconds."""
    deadline = asyncio.get_running_loop().time() + wait
    while not (value := await check()):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)
    return value


async def until(check: Callable[[], V | None], wait: float = 10.0) -> V:
    """:func:`eventually` for a plain check (state the test reads directly: what a fake recorded)."""

    async def checked() -> V | None:
        return check()

    return await eventually(checked, wait)


async def member_id(app: App, platform: str, user_id: str) -> int:
    """The member fanloop made of ``platform:user_id`` once the bot handled something they said."""

    async def found() -> int | None:
        member = await app.members.find(platform, user_id=user_id)
        return member.member_id if member is not None else None

    return await eventually(found)
