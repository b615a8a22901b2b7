"""/invite where the platform has no personal invite links (the console): one clear line."""

from __future__ import annotations

from tests.conftest import ConsoleHarness


async def test_invite_says_where_it_works(harness: ConsoleHarness) -> None:
    assert await harness.say("alice: /invite") == [
        "bot> ⚠ Personal invite links work on Telegram and Discord, not here."
    ]
    assert await harness.say("mia@manager: /invite list") == ["bot> Nobody has joined through a fan's invite link yet."]
