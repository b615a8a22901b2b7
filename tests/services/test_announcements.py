"""Announcements with a controllable clock, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta

import pytest

from adapters.console import ConsoleAdapter
from bot.adapter import DeliveryError, SentRef
from bot.app import App
from bot.clock import ManualClock
from bot.commands import Role
from bot.events import ChatRef
from bot.replies import Reply
from bot.settings import Settings
from bot.when import WhenError, parse_when, shown
from storage.db import Database
from storage.repositories.announcements import AnnouncementRepo
from storage.repositories.audit import AuditRepo
from tests.conftest import ConsoleHarness

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)  # a Friday, nine days before Europe's DST change


def test_schedules_across_a_dst_change() -> None:
    weekly, rest = parse_when("every sun 09:00 Europe/Berlin Weekly news", NOW, "UTC")
    assert rest == "Weekly news"
    assert [d.isoformat() for d in weekly.upcoming(NOW, 3)] == [
        "2026-03-22T08:00:00+00:00",  # CET
        "2026-03-29T07:00:00+00:00",  # CEST: still 09:00 in Berlin
        "2026-04-05T07:00:00+00:00",
    ]
    once, _ = parse_when("2026-12-04 17:00 Asia/Shanghai Release!", NOW, "UTC")
    assert once.run_at == datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    relative, _ = parse_when("in 90m soon", NOW, "UTC")
    assert relative.run_at == NOW + timedelta(minutes=90)


def test_a_time_the_clocks_go_back_over_fires_once() -> None:
    autumn = datetime(2026, 10, 31, 12, 0, tzinfo=UTC)  # New York falls back on Sunday 1 November, 02:00
    daily, _ = parse_when("every day 01:30 America/New_York Morning news", autumn, "UTC")
    assert [d.isoformat() for d in daily.upcoming(autumn, 3)] == [
        "2026-11-01T05:30:00+00:00",  # 01:30 EDT; the second 01:30 (EST, 06:30 UTC) is skipped
        "2026-11-02T06:30:00+00:00",
        "2026-11-03T06:30:00+00:00",
    ]


def test_times_are_shown_in_the_zone_they_were_given_in_and_the_readers() -> None:
    friday = datetime(2026, 11, 6, 16, 0, tzinfo=UTC)
    assert shown(friday, "Europe/Berlin", "Europe/Berlin") == "Fri 2026-11-06 17:00 Europe/Berlin"
    assert (
        shown(friday, "Europe/Berlin", "Asia/Shanghai")
        == "Fri 2026-11-06 17:00 Europe/Berlin (Sat 00:00 Asia/Shanghai)"
    )
    assert shown(friday, "Europe/Berlin", "UTC") == "Fri 2026-11-06 17:00 Europe/Berlin (16:00 UTC)"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-01-01 10:00 x", "is in the past"),
        ("2026-02-30 10:00 x", "is not a date"),
        ("2026-03-29 02:30 Europe/Berlin x", "does not exist in Europe/Berlin"),
        ("2026-12-04 17:00 Mars/Base x", "unknown time zone 'Mars/Base'"),
        ("every someday 10:00 x", "is not a day"),
        ("every fri 25:00 x", "is not a time of day"),
        ('cron "61 * * * *" x', "bad cron expression"),
        ("tomorrow x", "when?"),
    ],
)
def test_bad_times_are_explained(text: str, message: str) -> None:
    with pytest.raises(WhenError, match=message):
        parse_when(text, NOW, "UTC")


async def setup_chats(h: ConsoleHarness) -> None:
    now = h.app.clock.now()
    for chat_id, kind in (("news", "announcement"), ("news2", "announcement"), ("team", "manager")):
        await h.app.chats.ensure("console", chat_id, title=chat_id, kind=kind, community_id=None, now=now)


async def test_one_off_announcement_is_delivered_once_to_every_target(harness: ConsoleHarness) -> None:
    await setup_chats(harness)
    harness.app.clock.set(NOW)  # type: ignore[attr-defined]
    out = await harness.say("mia@manager: /announce at in 2h Version 3.2 is out! <b>&")
    assert out == ["bot> Scheduled announcement #1 to all announcement chats. Next run: Fri 2026-03-20 14:00 UTC."]
    assert await harness.app.run_job("announcements") == 0
    harness.app.clock.advance(timedelta(hours=2))  # type: ignore[attr-defined]
    before = harness.output()
    assert await harness.app.run_job("announcements") == 2
    assert await harness.app.run_job("announcements") == 0  # nothing twice
    sent = harness.output()[len(before) :].splitlines()
    assert sent == ["bot> #news: Version 3.2 is out! <b>&", "bot> #news2: Version 3.2 is out! <b>&"]
    show = await harness.say("mia: /announce show 1")
    assert "console:news: sent" in "\n".join(show) and show[0] == "bot> Announcement #1 (done)"


async def test_recurring_runs_and_pause_resume(harness: ConsoleHarness) -> None:
    await setup_chats(harness)
    harness.app.clock.set(NOW)  # type: ignore[attr-defined]
    await harness.say("mia@manager: /announce at every day 09:00 to news Good morning!")
    for day in (21, 22, 23):
        harness.app.clock.set(datetime(2026, 3, day, 9, 0, 5, tzinfo=UTC))  # type: ignore[attr-defined]
        await harness.app.run_job("announcements")
    assert harness.output().count("bot> #news: Good morning!") == 3
    await harness.say("mia: /announce pause 1")
    harness.app.clock.set(datetime(2026, 3, 24, 9, 0, 5, tzinfo=UTC))  # type: ignore[attr-defined]
    await harness.app.run_job("announcements")
    assert harness.output().count("bot> #news: Good morning!") == 3
    out = await harness.say("mia: /announce resume 1")
    assert out[0].startswith("bot> Resumed announcement #1; next run")


async def test_misfire_within_and_beyond_grace(harness: ConsoleHarness) -> None:
    await setup_chats(harness)
    harness.app.clock.set(NOW)  # type: ignore[attr-defined]
    await harness.say(
        "mia@manager: /announce at in 1h to news Within grace", "mia: /announce at in 1h to news2 Too late"
    )
    harness.app.clock.advance(timedelta(minutes=90))  # the bot was down 30 minutes past the run: within 60
    await harness.app.run_job("announcements")
    assert "bot> #news: Within grace" in harness.output()
    await harness.say("mia: /announce at in 1h to news Way too late")
    harness.app.clock.advance(timedelta(hours=3))  # type: ignore[attr-defined]
    await harness.app.run_job("announcements")
    assert "Way too late" not in harness.output().replace("/announce at in 1h to news Way too late", "")
    assert "bot> #team: Announcement #3 missed its run" in harness.output()
    assert "missed — the bot was down" in "\n".join(await harness.say("mia: /announce show 3"))


async def test_restart_mid_broadcast_resends_nothing_delivered(harness: ConsoleHarness) -> None:
    await setup_chats(harness)
    app = harness.app
    app.clock.set(NOW)  # type: ignore[attr-defined]
    await harness.say("mia@manager: /announce at in 1m Hello everyone")
    app.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    repo = AnnouncementRepo(app.db)
    # the process died mid-broadcast: the run was started and one target sent, the other claimed but not sent
    [a] = await repo.due(app.clock.now())
    assert a.next_run_at is not None
    await repo.advance(a.id, a.next_run_at, None)
    await repo.add_deliveries(a.id, a.next_run_at, [("console", "news"), ("console", "news2")])
    claimed = await repo.claim("dead-worker", app.clock.now(), timedelta(minutes=2), limit=2)
    await repo.finish(claimed[0].id, "sent", app.clock.now(), message_ids=("m1",))
    assert await app.run_job("announcements") == 0  # the other row is still leased to the dead worker
    app.clock.advance(timedelta(minutes=3))  # type: ignore[attr-defined]
    before = harness.output()
    assert await app.run_job("announcements") == 1
    assert harness.output()[len(before) :].splitlines() == ["bot> #news2: Hello everyone"]


async def test_two_processes_deliver_each_target_once(db: Database, clock: ManualClock) -> None:
    outs = [io.StringIO(), io.StringIO()]
    apps = []
    for out in outs:
        app = App(Settings(), clock=clock, db=db)
        app.add_adapter(ConsoleAdapter(stdin=io.StringIO(""), stdout=out, transcript=True, clock=clock))
        apps.append(app)
    await apps[0].prepare()
    for i in range(6):
        await apps[0].chats.ensure(
            "console", f"n{i}", title=f"n{i}", kind="announcement", community_id=None, now=clock.now()
        )
    clock.set(NOW)
    console = apps[0].adapters["console"]
    assert isinstance(console, ConsoleAdapter)
    await console.start(apps[0].dispatcher)
    await console.feed("mia@admin: /announce at in 5m Big news")
    clock.advance(timedelta(minutes=5))
    results = await asyncio.gather(apps[0].run_job("announcements"), apps[1].run_job("announcements"))
    assert sum(results) == 6
    lines = [ln for out in outs for ln in out.getvalue().splitlines() if "Big news" in ln and ln.startswith("bot> #")]
    assert sorted(lines) == sorted(f"bot> #n{i}: Big news" for i in range(6))


async def test_removed_chat_is_marked_failed_and_reported_once(db: Database, clock: ManualClock) -> None:
    class KickedFromOne(ConsoleAdapter):
        async def send(self, chat: ChatRef, reply: Reply) -> SentRef:
            if chat.chat_id == "gone":
                raise DeliveryError("the bot was removed from this chat")
            return await super().send(chat, reply)

    out = io.StringIO()
    app = App(Settings(), clock=clock, db=db)
    app.add_adapter(
        KickedFromOne(stdin=io.StringIO(""), stdout=out, transcript=True, default_role=Role.FAN, clock=clock)
    )
    await app.prepare()
    for chat_id, kind in (("news", "announcement"), ("gone", "announcement"), ("team", "manager")):
        await app.chats.ensure("console", chat_id, title=chat_id, kind=kind, community_id=None, now=clock.now())
    console = app.adapters["console"]
    assert isinstance(console, ConsoleAdapter)
    await console.start(app.dispatcher)
    clock.set(NOW)
    await console.feed("mia@manager: /announce at in 1m Update")
    clock.advance(timedelta(minutes=1))
    assert await app.run_job("announcements") == 1
    await app.run_job("announcements")
    text = out.getvalue()
    assert (
        text.count("bot> #team: Announcement #1 could not be delivered to: gone (the bot was removed from this chat)")
        == 1
    )
    chat = await app.chats.get("console", "gone")
    assert chat is not None and not chat.reachable
    await console.feed("mia: /announce show 1")
    assert "console:gone: failed — the bot was removed from this chat" in out.getvalue()


async def test_edit_after_sending_edits_every_copy(harness: ConsoleHarness) -> None:
    await setup_chats(harness)
    harness.app.clock.set(NOW)  # type: ignore[attr-defined]
    await harness.say("mia@manager: /announce at in 1m Typo in teh text")
    harness.app.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    await harness.app.run_job("announcements")
    out = await harness.say("mia: /announce edit 1 Fixed text")
    assert out[-1] == "bot> Updated announcement #1; edited 2 delivered copies."
    assert out[:2] == ["bot> (edited) Fixed text", "bot> (edited) Fixed text"]
    assert [a.action for a in await AuditRepo(harness.app.db).recent()][:2] == ["announce.edit", "announce.schedule"]


async def test_explicit_targets_and_topics(harness: ConsoleHarness) -> None:
    await setup_chats(harness)
    harness.app.clock.set(NOW)  # type: ignore[attr-defined]
    out = await harness.say("mia@manager: /announce at in 1m to console:news,console:news2/7 Topic news")
    assert out[0].startswith("bot> Scheduled announcement #1 to 2 chats.")
    harness.app.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    assert await harness.app.run_job("announcements") == 2
    show = "\n".join(await harness.say("mia: /announce show 1"))
    assert "console:news2/7: sent" in show


async def test_bad_input_and_fans_refused(harness: ConsoleHarness) -> None:
    await setup_chats(harness)
    harness.app.clock.set(NOW)  # type: ignore[attr-defined]
    assert await harness.say("alice: /announce at in 1h hi") == ["bot> ⚠ /announce at is for managers only."]
    assert await harness.say("mia@manager: /announce at 2026-02-30 10:00 x") == ["bot> ⚠ 2026-02-30 is not a date."]
    assert await harness.say("mia: /announce at in 1h") == [
        "bot> ⚠ What should I announce? /announce at WHEN [to here|all|CHAT] TEXT"
    ]
    assert await harness.say("mia: /announce at in 1h to nowhere hi") == [
        "bot> ⚠ I don't know a chat called “nowhere”. Use 'here', 'all' or a chat's title."
    ]
    assert await harness.say("mia: /announce show 42") == ["bot> ⚠ There is no announcement #42."]
    assert await harness.say("mia: /announce resume 42") == ["bot> ⚠ There is no announcement #42."]
