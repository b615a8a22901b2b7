"""/setup: what a community lacks, each with its fix; what no manager chat received is kept for it."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import ConsoleHarness


async def test_setup_lists_what_is_missing_and_keeps_what_no_manager_chat_got(harness: ConsoleHarness) -> None:
    out = await harness.say("mia@manager: /setup")
    assert out == [
        "bot> Setup of Testers",
        "bot> ✗ No announcement chat: releases and /announce would reach no one. Run /chat announcement where news "
        "should go.",
        "bot> ✗ No manager chat: failed deliveries and flagged FAQ entries wait here in /setup. Run /chat manager in "
        "your team's chat.",
        "bot> ✓ Fan chats: 1 (console 1)",
    ]
    status = await harness.say("mia: /status")  # the same gaps, in /status
    assert [line for line in status if line.startswith("bot> ✗")] == out[1:3]

    # an announcement misses its run while the bot was down: no manager chat to tell, so it is kept
    await harness.say("mia: /announce at in 1h to here Hello fans")
    harness.app.clock.advance(timedelta(hours=3))  # type: ignore[attr-defined]
    await harness.app.run_job("announcements")
    out = await harness.say("mia: /setup")
    assert out[-2] == "bot> Kept for you (1 of 1, oldest first; no manager chat got them):"
    assert "Announcement #1 missed its run" in out[-1] and "it was not sent" in out[-1]
    assert not any("Kept for you" in line for line in await harness.say("mia: /setup"))  # seen: not again

    await harness.say("mia: /chat manager")  # from now on the managers' chat is told instead
    await harness.say("mia: /announce at in 1h to here Second try")
    harness.app.clock.advance(timedelta(hours=3))  # type: ignore[attr-defined]
    await harness.app.run_job("announcements")
    assert "Announcement #2 missed its run" in harness.output().split("/chat manager")[-1]
    out = await harness.say("mia: /setup")
    assert "bot> ✓ Manager chats: 1 (console 1)" in out and not any("Kept for you" in line for line in out)
