"""Polls on the console (buttons): asked, voted once per member and changed, closed with results;
polls of feedback items, whose pages show the result; bad input answered in one line."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import ConsoleHarness


def advance(h: ConsoleHarness, hours: float) -> None:
    h.app.clock.advance(timedelta(hours=hours))  # type: ignore[attr-defined]


async def closed(h: ConsoleHarness) -> list[str]:
    start = len(h.output())
    await h.app.run_job("polls")
    return [line for line in h.output()[start:].splitlines() if line]


async def test_a_poll_is_voted_once_per_fan_changed_and_closed_with_results(harness: ConsoleHarness) -> None:
    out = await harness.say(
        'mia@manager: /poll "What should we polish next?" Camera | Battery life | Widgets closes in 1d'
    )
    assert out == [
        "bot> 📊 What should we polish next?",
        "bot> 1. Camera",
        "bot> 2. Battery life",
        "bot> 3. Widgets",
        "bot> One vote each; you can change it for 24 h, then the results come.",
        "bot> [1: 1. Camera] [2: 2. Battery life] [3: 3. Widgets]  (type [press N])",
        "bot> 📊 Poll #1 is up in 1 chat; results in 24 h.",
    ]
    assert await harness.say("alice: [press 1]") == [
        "bot> @alice: 🗳 Your vote in poll #1: Camera. You can change it until the poll closes."
    ]
    await harness.say("bob: [press 2]", "carol: [press 2]", "alice: [press 2]")  # alice changes her mind
    advance(harness, 23)
    assert await closed(harness) == []
    advance(harness, 2)
    assert await closed(harness) == [
        "bot> 📊 Poll #1 has closed: What should we polish next?",
        "bot> Camera — 0 votes (0%)",
        "bot> 🏆 Battery life — 3 votes (100%)",
        "bot> Widgets — 0 votes (0%)",
        "bot> 3 fans voted.",
    ]
    assert await closed(harness) == []  # results once
    assert await harness.say("dan: [press 3]") == ["bot> @dan: Poll #1 has closed."]


async def test_a_poll_of_feedback_items_shows_on_the_items(harness: ConsoleHarness) -> None:
    await harness.say("alice: /idea Dark mode for the settings app", "bob: /idea Battery percentage in the bar")
    out = await harness.say("mia@manager: /poll items 1 2 closes in 2h")
    assert out[:3] == [
        "bot> 📊 Which of these should we build next?",
        "bot> 1. #1 Dark mode for the settings app",
        "bot> 2. #2 Battery percentage in the bar",
    ]
    await harness.say("carol: [press 2]", "dan: [press 2]", "erin: [press 1]")
    shown = await harness.say("erin: /feedback show 2")
    assert "bot> 📊 Poll #1 (open): 2 of 3 votes." in shown
    advance(harness, 3)
    await closed(harness)
    shown = await harness.say("erin: /feedback show 2")
    assert "bot> 📊 Poll #1: 2 of 3 votes (67%)." in shown


async def test_bad_polls_are_answered_in_one_line(harness: ConsoleHarness) -> None:
    assert await harness.say('alice: /poll "Yes?" a | b') == ["bot> ⚠ /poll is for managers only."]
    usage = 'bot> ⚠ Ask like this: /poll "Question?" option | option [to here|all|CHAT] [closes in 2d]'
    assert await harness.say("mia@manager: /poll what now") == [usage]
    assert (await harness.say('mia: /poll "Only one?" yes'))[0].startswith("bot> ⚠ A poll needs 2 to 10 options.")
    assert await harness.say('mia: /poll "Same?" Yes | yes') == ["bot> ⚠ Two options are the same."]
    assert await harness.say('mia: /poll "Long?" a | b closes in 90d') == [
        "bot> ⚠ A poll stays open between 5 minutes and 30 days."
    ]
    assert await harness.say("mia: /poll items 1 2") == ["bot> ⚠ There is no #1."]
    assert await harness.say('mia: /poll "Where?" a | b to all') == [
        "bot> ⚠ No announcement chat is set up: /chat announcement in one, or ask here."
    ]
    # "to Mars" is not a chat: it stays part of the option
    out = await harness.say('mia: /poll "Next trip?" Go to Mars | Stay home')
    assert out[1:3] == ["bot> 1. Go to Mars", "bot> 2. Stay home"]
