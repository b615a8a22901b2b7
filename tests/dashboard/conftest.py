"""A console community with the dashboard served on a free local port."""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator

import pytest

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


@pytest.fixture
async def site(make_harness: HarnessFactory) -> AsyncIterator[Site]:
    port = free_port()
    settings = settings_with(
        http={"listen": f"127.0.0.1:{port}"},
        roles={"admins": ["console:root"], "managers": ["console:mia"], "moderators": ["console:max"]},
    )
    harness = await make_harness(settings=settings)
    http = harness.app.http
    assert http is not None
    await http.start()
    yield Site(harness, f"http://127.0.0.1:{port}")
    await http.stop()
