"""Grade-ups: announced once, several together after a short wait, where ``[points] grade_up`` says."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.contracts import POINTS
from storage.repositories.chats import ChatRepo
from storage.repositories.grades import GradeRepo
from tests.conftest import ConsoleHarness, HarnessFactory, settings_with


def advance(h: ConsoleHarness, seconds: float) -> None:
    h.app.clock.advance(timedelta(seconds=seconds))  # type: ignore[attr-defined]


async def news(h: ConsoleHarness) -> list[str]:
    """Run the grade-up job; the lines it printed."""
    start = len(h.output())
    await h.app.run_job("grade-news")
    return [line for line in h.output()[start:].splitlines() if line]


async def test_grade_ups_wait_for_each_other_and_are_announced_once(harness: ConsoleHarness) -> None:
    await harness.say("alice: hi", "bob: hi")
    await harness.say("mia@manager: /points grant @alice 49 welcome gift")
    out = await harness.say("alice: /idea Lock screen widgets")  # +5 crosses Regular (50)
    assert not any("reached" in line for line in out)  # not in the middle of the conversation
    assert await news(harness) == []  # the first grade-up waits for others (120 s)
    advance(harness, 60)
    await harness.say("mia: /points grant @bob 80 great bug reports")
    advance(harness, 61)
    assert await news(harness) == [
        "bot> 🎉 New grades:",
        "bot> • @alice reached Regular!",
        "bot> • @bob reached Regular!",
    ]
    # points taken and given back: Regular is not announced again
    await harness.say("mia: /points revoke @alice 10 oops confirm", "mia: /points grant @alice 10 fixed")
    advance(harness, 600)
    assert await news(harness) == []
    await harness.say("mia: /points grant @alice 200 great beta report")  # 254: Contributor
    advance(harness, 121)
    assert await news(harness) == ["bot> 🎉 @alice reached Contributor! Unlocked: beta testing."]
    assert await news(harness) == []
    # every grade change waits for a process serving a platform that shows grades (none here)
    assert await GradeRepo(harness.app.db).backlog() == (5, 0)


async def test_skipping_grades_announces_the_highest_once(harness: ConsoleHarness) -> None:
    await harness.say("alice: hi")
    await harness.say("mia@manager: /points grant @alice 700 launch party")  # Regular, Contributor, Expert at once
    advance(harness, 121)
    assert await news(harness) == ["bot> 🎉 @alice reached Expert! Unlocked: beta testing and read-only /triage."]


@pytest.mark.parametrize("mode", ["private", "announcements", "off"])
async def test_grade_up_goes_where_the_config_says(make_harness: HarnessFactory, mode: str) -> None:
    h = await make_harness(settings=settings_with(points={"grade_up": mode, "grade_up_wait_seconds": 0}))
    await ChatRepo(h.app.db).ensure("console", "news", title="news", kind="announcement", community_id=None,
                                    now=h.app.clock.now())  # fmt: skip
    await h.say("alice: hi", "bob: hi")
    await h.say("mia@manager: /points grant @alice 60 x", "mia: /points grant @bob 60 y")
    out = await news(h)
    expected = {
        "private": [
            "bot> @alice: 🎉 You reached Regular! /rank shows what's next.",
            "bot> @bob: 🎉 You reached Regular! /rank shows what's next.",
        ],
        "announcements": [
            "bot> #news: 🎉 New grades:",
            "bot> #news: • @alice reached Regular!",
            "bot> #news: • @bob reached Regular!",
        ],
        "off": [],
    }
    assert out == expected[mode]
    assert await news(h) == []


async def test_announcements_without_an_announcement_chat_fall_back_to_the_chat(make_harness: HarnessFactory) -> None:
    h = await make_harness(settings=settings_with(points={"grade_up": "announcements", "grade_up_wait_seconds": 0}))
    await h.say("alice: hi", "mia@manager: /points grant @alice 60 x")
    assert await news(h) == ["bot> 🎉 @alice reached Regular!"]


async def test_grade_up_is_worded_in_the_chat_language(make_harness: HarnessFactory) -> None:
    h = await make_harness(settings=settings_with(points={"grade_up_wait_seconds": 0}))
    await h.say("mia@manager: /chat language zh", "alice: hi", "mia: /points grant @alice 250 x")
    out = await news(h)
    assert out == ["bot> 🎉 @alice 升级为 Contributor！已解锁：内测资格。"]


async def test_a_grade_reached_outside_a_group_chat_is_told_privately(make_harness: HarnessFactory) -> None:
    h = await make_harness(settings=settings_with(points={"grade_up_wait_seconds": 0}))
    await h.say("alice: hi")
    alice = await h.app.members.find("console", user_id="alice")
    awarder = h.app.get(POINTS)
    assert alice is not None and awarder is not None
    # points given on the dashboard carry its pseudo-chat, which is no chat to post in
    await awarder.award(alice.member_id, 60, "grant", "from the dashboard", "d1", h.app.clock.now(),
                        platform="console", chat_id="dashboard")  # fmt: skip
    assert await news(h) == ["bot> @alice: 🎉 You reached Regular! /rank shows what's next."]
