"""The release train: shipping a release credits the fans whose ideas made it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.contracts import ANNOUNCER
from bot.feature import Deps, Feature, Provide
from storage.repositories.feedback import FeedbackRepo
from storage.repositories.points import PointsRepo
from storage.repositories.releases import ReleaseRepo
from tests.conftest import ConsoleHarness, HarnessFactory

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)  # a Friday


async def tick(h: ConsoleHarness) -> None:
    """What the scheduler does every few seconds: ship due releases, deliver announcements."""
    await h.app.run_job("releases")
    await h.app.run_job("announcements")


async def setup(h: ConsoleHarness) -> None:
    h.app.clock.set(NOW)  # type: ignore[attr-defined]
    await h.app.chats.ensure("console", "news", title="news", kind="announcement", community_id=None, now=NOW)
    await h.say(
        "alice: /idea Dark mode for the settings app",
        "bob: /idea Show battery percentage in the status bar",
        "carol: /bug The camera crashes when switching lenses",
        "dan: /vote 1",
    )


async def test_ship_marks_ideas_shipped_notifies_pays_and_announces(harness: ConsoleHarness) -> None:
    await setup(harness)
    app = harness.app
    alice = await app.members.find("console", user_id="alice")
    assert alice is not None
    before = await PointsRepo(app.db).balance(alice.member_id)
    await harness.say(
        "mia@manager: /release new 3.2.0 Faster charging and a new camera app.",
        "mia: /release add 3.2.0 1",
        "mia: /status 3 shipped 3.2.0",
    )
    ask = await harness.say("mia: /release ship 3.2.0")
    assert ask[0].startswith(
        "bot> About to ship 3.2.0: #1 and #3 marked shipped (their followers are told) and the release announced in "
        "every announcement chat. Nothing happens until you confirm"
    )
    assert "🚀" not in harness.output()
    out = await harness.say(f"mia: [press {ask[1].split(': Confirm]')[0].rsplit('[', 1)[1]}]")
    text = "\n".join(out)
    # followers of #1 (alice, dan) are told in the chat where they followed it
    assert "bot> #1 “Dark mode for the settings app” shipped in 3.2.0 — thanks for the idea!\nbot> @alice @dan" in text
    # the announcement lists every fan idea in the release, crediting the submitters
    assert "bot> #news: 🚀 3.2.0 is out!" in text
    assert "bot> #news: • #1 Dark mode for the settings app — thanks alice!" in text
    assert "bot> #news: • #3 The camera crashes when switching lenses — thanks carol!" in text
    assert "#2" not in text.split("🚀", 1)[1].split("Shipped 3.2.0")[0]
    assert out[-1].startswith("bot> Shipped 3.2.0: announcement #1 is going out; #1 (shipped in 3.2.0) and #3")
    assert await PointsRepo(app.db).balance(alice.member_id) == before + 50
    # shipping twice does nothing twice
    assert await harness.say("mia: /release ship 3.2.0") == ["bot> ⚠ Release 3.2.0 is already shipped."]
    assert await PointsRepo(app.db).balance(alice.member_id) == before + 50
    assert harness.output().count("🚀 3.2.0 is out!") == 1


async def test_weekly_train_ships_the_draft_on_the_next_slot(harness: ConsoleHarness) -> None:
    await setup(harness)
    await harness.say("mia@manager: /release new 3.3.0", "mia: /release add 3.3.0 2")
    out = await harness.say("mia: /release schedule 3.3.0 every fri 17:00 UTC")
    assert out == ["bot> Release 3.3.0 ships on the next slot: Fri 2026-03-20 17:00 UTC."]
    assert "bot> release 3.3.0 [scheduled] ships Fri 2026-03-20 17:00 UTC · /release show 3.3.0" in (
        await harness.say("mia: /announce list")
    )  # the train is listed with the announcements
    berlin = await harness.say("mia: /release schedule 3.3.0 every fri 17:00 Europe/Berlin")
    assert berlin == ["bot> Release 3.3.0 ships on the next slot: Fri 2026-03-20 17:00 Europe/Berlin (16:00 UTC)."]
    await harness.say("mia: /release schedule 3.3.0 every fri 17:00 UTC")
    await tick(harness)
    assert "3.3.0 is out" not in harness.output()
    harness.app.clock.set(datetime(2026, 3, 20, 17, 0, 3, tzinfo=UTC))  # type: ignore[attr-defined]
    await tick(harness)
    assert "bot> #news: 🚀 3.3.0 is out!" in harness.output()
    assert "bot> #news: • #2 Show battery percentage in the status bar — thanks bob!" in harness.output()
    item = await FeedbackRepo(harness.app.db).get(2)
    assert item is not None and (item.status, item.version) == ("shipped", "3.3.0")
    harness.app.clock.advance(timedelta(days=7))  # type: ignore[attr-defined]
    await tick(harness)
    assert harness.output().count("3.3.0 is out!") == 1


async def test_release_bad_input(harness: ConsoleHarness) -> None:
    await setup(harness)
    assert await harness.say("alice: /release new 9.9") == ["bot> ⚠ /release new is for managers only."]
    assert await harness.say("mia@manager: /release ship 9.9") == [
        "bot> ⚠ There is no release 9.9. Create it with /release new 9.9."
    ]
    await harness.say("mia: /release new 4.0")
    assert await harness.say("mia: /release new 4.0") == ["bot> ⚠ Release 4.0 exists already."]
    assert await harness.say("mia: /release add 4.0 99") == ["bot> ⚠ There is no #99."]
    assert await harness.say("mia: /release new v/1") == ["bot> ⚠ “v/1” is not a version (letters, digits, . + - _)."]
    assert await harness.say("mia: /release schedule 4.0 tomorrow") == [
        "bot> ⚠ When? e.g. 'in 2h', '2026-12-04 17:00 Asia/Shanghai', 'every fri 17:00', 'cron \"0 9 * * *\"'."
    ]


async def test_commands_that_would_reach_no_one_say_so_before_accepting(make_harness: HarnessFactory) -> None:
    harness = await make_harness()
    await harness.say("alice: /idea Dark mode for the settings app", "mia@manager: /release new 3.2.0")
    assert await harness.say("mia: /release ship 3.2.0") == [
        "bot> ⚠ There is no announcement chat yet, so no one would hear about 3.2.0. Run /chat announcement in the "
        "chat that should get release news, then try again."
    ]
    assert await harness.say("mia: /announce at in 1h Hello") == [
        "bot> ⚠ There is no announcement chat yet, so this would reach no one. Run /chat announcement in the chat "
        "that should get announcements (or name one: /announce at WHEN to here TEXT)."
    ]


class BrokenAnnouncer:
    """The announcements feature's contract, failing the way a lost database would."""

    async def announce_now(self, text: str, actor_id: int | None) -> int:
        raise ConnectionError("the database went away")

    async def tick(self) -> int:
        return 0

    async def reach(self) -> int:
        return 1


def broken_announcements(deps: Deps) -> Feature:
    return Feature(name="announcements", provides=(Provide(ANNOUNCER, BrokenAnnouncer()),))


async def test_a_ship_that_fails_midway_can_be_shipped_again(make_harness: HarnessFactory) -> None:
    from bot.features import core, feedback, points, releases

    harness = await make_harness(only=[points.build, feedback.build, broken_announcements, releases.build, core.build])
    await harness.say("alice: /idea Dark mode for the settings app", "mia@manager: /release new 3.2.0")
    for _ in range(2):  # not "already shipping" the second time: the failed ship gave the release back
        out = await harness.say("mia: /release ship 3.2.0 confirm")
        assert out[-1].startswith("bot> ⚠ Sorry, something went wrong on my side")
        release = await ReleaseRepo(harness.app.db).get("3.2.0")
        assert release is not None and release.status == "draft"
