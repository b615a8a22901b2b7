"""/award #N: the team's award for the week's best feedback — once per item, the fan told, the report."""

from __future__ import annotations

from storage.repositories.points import PointsRepo
from tests.conftest import ConsoleHarness


async def balance(h: ConsoleHarness, name: str) -> int:
    member = await h.app.members.find("console", user_id=name)
    assert member is not None
    return await PointsRepo(h.app.db).balance(member.member_id)


async def test_award_pays_once_tells_the_fan_and_shows_in_the_report(harness: ConsoleHarness) -> None:
    await harness.say("alice: /bug The camera app freezes when switching to video mode")
    out = await harness.say("mia@manager: /award #1 clear steps to reproduce, fixed the same day")
    assert out == [
        "bot> @alice: 🏆 @alice, the team gave your feedback #1 “The camera app freezes when switching to video "
        "mode” its award, +100 points: “clear steps to reproduce, fixed the same day”. Thank you!",
        "bot> 🏆 Awarded #1 “The camera app freezes when switching to video mode” to @alice (+100 points, balance "
        "105): clear steps to reproduce, fixed the same day",
    ]
    again = await harness.say("mia: /award 1 twice is nice")
    assert again == ["bot> ⚠ #1 already has an award (given 2026-01-05)."]
    assert await balance(harness, "alice") == 105
    report = await harness.say("mia: /report preview")
    assert (
        "bot> 🏆 Best feedback: #1 “The camera app freezes when switching to video mode” by alice — clear steps to "
        "reproduce, fixed the same day" in report
    )


async def test_award_refuses_what_it_cannot_do_in_one_line(harness: ConsoleHarness) -> None:
    await harness.say("mia@manager: /idea My own idea for the team")
    assert await harness.say("alice: /award 1 great") == ["bot> ⚠ /award is for managers only."]
    assert await harness.say("mia: /award 9 great") == ["bot> ⚠ There is no #9."]
    assert await harness.say("mia: /award 1 great") == ["bot> ⚠ You can't award your own feedback."]
    assert (await harness.say("mia: /award 1"))[0].startswith("bot> ⚠ ")  # the reason is required
