"""A console community with the dashboard served on a free local port."""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from bot.web import HttpServer
from tests.conftest import ConsoleHarness, HarnessFactory, settings_with

LINK = re.compile(r"(http://127\.0\.0\.1:\d+/dashboard/login\?t=[\w\-%]+)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Site:
    def __init__(self, harness: ConsoleHarness, base: str) -> None:
        self.h, self.base = harness, base

    async def link(self, who: str = "mia") -> str:
        """What ``/dashboard`` sends ``who`` in the console: their sign-in link."""
        out = await self.h.say(f"{who}: /dashboard")
        found = LINK.search("\n".join(out))
        assert found, out
        return found.group(1)


SiteFactory = Callable[..., Awaitable[Site]]


@pytest.fixture
async def make_site(make_harness: HarnessFactory) -> AsyncIterator[SiteFactory]:
    """Sites whose settings add ``sections`` (``feedback={"roadmap": True}``) to the tests' own."""
    started: list[HttpServer] = []

    async def make(**sections: Any) -> Site:
        port = free_port()
        settings = settings_with(
            http={"listen": f"127.0.0.1:{port}"},
            roles={"admins": ["console:root"], "managers": ["console:mia"], "moderators": ["console:max"]},
            **sections,
        )
        harness = await make_harness(settings=settings)
        http = harness.app.http
        assert http is not None
        await http.start()
        started.append(http)
        return Site(harness, f"http://127.0.0.1:{port}")

    yield make
    for http in started:
        await http.stop()


@pytest.fixture
async def site(make_site: SiteFactory) -> Site:
    return await make_site()
