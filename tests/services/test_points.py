"""Points: fair awards, grades, ranks, grants, beta cohorts, linked identities — on both databases."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import update

from bot.contracts import POINTS
from bot.events import Author, ChatRef, IncomingMessage, Platform
from storage.points_tables import Balance
from storage.repositories.audit import AuditRepo
from storage.repositories.points import PointsRepo
from tests.conftest import ConsoleHarness, HarnessFactory, settings_with

REPO = Path(__file__).resolve().parents[2]
CHAT = "a perfectly ordinary message number"


async def balance(h: ConsoleHarness, name: str, platform: str = "console") -> int:
    member = await h.app.members.find(platform, user_id=name)
    assert member is not None
    return await PointsRepo(h.app.db).balance(member.member_id)


def advance(h: ConsoleHarness, seconds: float) -> None:
    h.app.clock.advance(timedelta(seconds=seconds))  # type: ignore[attr-defined]


async def test_chat_points_respect_cooldown_length_and_spam_rules(harness: ConsoleHarness) -> None:
    await harness.say(f"alice: {CHAT} one")
    assert await balance(harness, "alice") == 1
    await harness.say(f"alice: {CHAT} two")  # within the 60 s cooldown
    assert await balance(harness, "alice") == 1
    advance(harness, 61)
    await harness.say("alice: ok")  # too short
    await harness.say("alice: 😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀")  # emoji only
    await harness.say("alice: https://example.com/some/long/link")  # a link only
    assert await balance(harness, "alice") == 1
    await harness.say(f"alice: ONE {CHAT}!!!")  # the first message again, reordered and shouted
    assert await balance(harness, "alice") == 1
    await harness.say("alice: something genuinely different to say here")
    assert await balance(harness, "alice") == 2


async def test_daily_cap(make_harness: HarnessFactory) -> None:
    harness = await make_harness(settings=settings_with(points={"daily_cap": 3}))
    for i in range(6):
        await harness.say(f"bob: message with different words number {'x' * i} {i}")
        advance(harness, 61)
    assert await balance(harness, "bob") == 3
    harness.app.clock.set(harness.app.clock.now().replace(hour=0) + timedelta(days=1))  # type: ignore[attr-defined]
    await harness.say("bob: a fresh day brings fresh chatter")
    assert await balance(harness, "bob") == 4


async def test_duplicate_delivery_pays_once(harness: ConsoleHarness) -> None:
    app = harness.app
    event = IncomingMessage(
        ChatRef(Platform("telegram"), "-100", title="fans"),
        Author(Platform("telegram"), "9", "Tess"),
        "55",
        "a message that earns one point",
        app.clock.now(),
    )
    assert (await app.dispatcher.handle(event)).outcome == "handled"
    assert (await app.dispatcher.handle(event)).outcome == "duplicate"
    assert await balance(harness, "9", "telegram") == 1
    # even a replayed award with the same source key pays nothing
    member = await app.members.find("telegram", user_id="9")
    assert member is not None
    points = app.get(POINTS)
    assert points is not None
    again = await points.award(member.member_id, 1, "message", "chat", "msg:telegram:-100:55", app.clock.now())
    assert not again.paid and again.balance == 1


async def test_feedback_votes_and_shipping_pay_the_submitter(harness: ConsoleHarness) -> None:
    await harness.say("alice: /idea Show battery percentage in the status bar")
    assert await balance(harness, "alice") == 5
    await harness.say("bob: /vote 1")  # bob's account is brand new: his vote earns alice nothing
    assert await balance(harness, "alice") == 5
    await harness.say("carol: hello there everyone, nice to be here")
    advance(harness, 25 * 3600)
    await harness.say("carol: /vote 1")
    assert await balance(harness, "alice") == 7
    await harness.say("carol: /unvote 1", "carol: /vote 1")  # vote farming pays once
    assert await balance(harness, "alice") == 7
    await harness.say("mia@manager: /status 1 shipped 3.2")
    assert await balance(harness, "alice") == 57


async def test_grant_and_revoke_are_audited_and_refused_to_fans(harness: ConsoleHarness) -> None:
    await harness.say("alice: hi", "bob: hi")
    assert await harness.say("bob: /points grant @bob 1000 me") == ["bot> ⚠ /points grant is for managers only."]
    assert await harness.say("mia@manager: /points grant @nobody 5 x") == [
        "bot> ⚠ I don't know @nobody yet — they need to say something here first."
    ]
    assert "Usage: /points revoke @member AMOUNT REASON…" in (await harness.say("mia: /points revoke @alice 5"))[0]
    ask = await harness.say("mia: /points revoke @alice 5 spamming the channel")
    assert ask[0].startswith(
        "bot> About to take 5 points from alice (member 1) for “spamming the channel”: balance 0 → -5. Nothing happens"
    )
    assert await balance(harness, "alice") == 0
    await harness.say("mia: /points revoke @alice 5 spamming the channel confirm")
    assert await balance(harness, "alice") == -5
    entries = await AuditRepo(harness.app.db).recent()
    assert [(e.action, e.args, e.reason) for e in entries] == [
        ("points.revoke", {"amount": -5}, "spamming the channel")
    ]
    history = await harness.say("alice: /points history")
    assert history[-1].startswith("bot> @alice: ") and "-5 revoked by a manager: spamming the channel" in history[-1]


async def test_rank_and_leaderboard_windows(harness: ConsoleHarness) -> None:
    await harness.say("alice: hi", "bob: hi", "carol: hi")
    await harness.say("mia@manager: /points grant @alice 100 old work")
    advance(harness, 10 * 86400)
    await harness.say("mia: /points grant @bob 30 this week", "mia: /points grant @carol 10 this week")
    week = await harness.say("carol: /leaderboard week")
    assert week[1:3] == ["bot> 1. bob — 30", "bot> 2. carol — 10"] and week[-1] == "bot> You: #2 with 10."
    alltime = await harness.say("carol: /leaderboard")
    assert alltime[1:4] == ["bot> 1. alice — 100", "bot> 2. bob — 30", "bot> 3. carol — 10"]
    rank = await harness.say("bob: /rank")
    assert rank[0] == "bot> bob: Newcomer, 30 points (#2). Next: Regular at 50 (20 to go)."
    other = await harness.say("bob: /rank @alice")
    assert other[0].startswith(
        "bot> alice: Regular, 100 points (#1). Next: Contributor at 200 (100 to go; unlocks beta"
    )


async def test_link_and_unlink_merge_and_split_balances(harness: ConsoleHarness) -> None:
    app = harness.app
    await harness.say("alice: /idea Battery saver schedule")  # console alice: 5 points, item #1
    tg = Author(Platform("telegram"), "42", "Alice TG")
    chat = ChatRef(Platform("telegram"), "-100", title="fans")
    await app.dispatcher.handle(IncomingMessage(chat, tg, "1", "hello from telegram, good to be here", app.clock.now()))
    assert await balance(harness, "42", "telegram") == 1
    out = await harness.say("alice: /link")
    code = out[0].split("Your link code is ")[1][:8]
    result = await app.dispatcher.handle(IncomingMessage(chat, tg, "2", f"/link {code}", app.clock.now()))
    assert "are now one member with 6 points" in result.replies[0].plain()
    console = await app.members.find("console", user_id="alice")
    telegram = await app.members.find("telegram", user_id="42")
    assert console is not None and telegram is not None and console.member_id == telegram.member_id
    # one member, one vote: the linked Telegram account can't vote for its own idea
    voted = await app.dispatcher.handle(IncomingMessage(chat, tg, "3", "/vote 1", app.clock.now()))
    assert voted.replies[0].plain() == "#1 is your own — you already follow it."
    again = await app.dispatcher.handle(IncomingMessage(chat, tg, "4", f"/link {code}", app.clock.now()))
    assert "unknown, used or expired" in again.replies[0].plain()
    unlinked = await app.dispatcher.handle(IncomingMessage(chat, tg, "5", "/unlink", app.clock.now()))
    assert unlinked.replies[0].plain() == "Unlinked. This account now has 1 points of its own."
    assert await balance(harness, "alice") == 5
    assert await PointsRepo(app.db).mismatches() == []


async def test_expired_link_code(harness: ConsoleHarness) -> None:
    out = await harness.say("alice: /link")
    code = out[0].split("Your link code is ")[1][:8]
    advance(harness, 11 * 60)
    tg = Author(Platform("telegram"), "42", "Alice TG")
    result = await harness.app.dispatcher.handle(
        IncomingMessage(ChatRef(Platform("telegram"), "-100"), tg, "9", f"/link {code}", harness.app.clock.now())
    )
    assert "unknown, used or expired" in result.replies[0].plain()


async def test_points_verify_detects_a_tampered_balance(harness: ConsoleHarness, tmp_path: Path) -> None:
    app = harness.app
    await harness.say("alice: hi", "mia@manager: /points grant @alice 20 thanks")
    assert await PointsRepo(app.db).mismatches() == []
    alice = await app.members.find("console", user_id="alice")
    assert alice is not None
    async with app.db.session() as s:
        await s.execute(update(Balance).where(Balance.member_id == alice.member_id).values(balance=999))  # type: ignore[arg-type]
        await s.commit()
    assert await PointsRepo(app.db).mismatches() == [(alice.member_id, 20, 999)]
    if app.db.is_sqlite:  # and the CLI says so, with a failing exit code
        data_dir = Path(app.db.url.split("///", 1)[1]).parent
        command = [sys.executable, "-m", "bot", "--data-dir", str(data_dir), "points", "verify"]
        result = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, cwd=REPO, check=False)
        assert result.returncode == 1
        assert f"member {alice.member_id}: ledger says 20, balance says 999" in result.stdout


async def test_audit_by_member(harness: ConsoleHarness) -> None:
    await harness.say("alice: hi", "mia@manager: /points grant @alice 5 welcome")
    await harness.say("alice: /idea Dark mode for the gallery app please", "bob: /idea Battery percentage please")
    await harness.say("mia: /status 1 declined not on the roadmap confirm", "mia: /status 2 planned")
    out = await harness.say("mia: /audit @alice")  # actions on alice and on her items, not bob's
    assert [line.split(" UTC · ")[1] for line in out[1:]] == [
        "mia (member 2): moved #1 from new to declined — “not on the roadmap”",
        "mia (member 2): gave 5 points to alice (member 1) — “welcome”",
    ]
    assert await harness.say("mia: /audit @nobody") == ["bot> ⚠ I don't know @nobody."]


async def test_seasons_and_the_weeks_top_contributors_by_contribution_not_chat(make_harness: HarnessFactory) -> None:
    h = await make_harness(settings=settings_with(points={"season_weeks": 4, "season_start": "2026-01-05"}))
    await h.say("alice: /idea Dark mode for the settings app", "bob: hello there, how is everyone doing today")
    for i in range(3):  # bob chats all day: chat is not contribution
        advance(h, 61)
        await h.say(f"bob: still chatting away here, message number {i} of many")
    out = await h.say("mia@manager: /report preview")
    assert "bot> 🏅 Top contributors this week: alice (5)" in out
    assert "bot> 🏁 Season 1 so far: alice (5)" in out
    board = await h.say("bob: /leaderboard season")
    assert board[0] == "bot> Leaderboard (season 1, since 2026-01-05)" and board[1] == "bot> 1. alice — 5"
    advance(h, 28 * 86400)  # a new season: its standings start again
    assert await h.say("bob: /leaderboard season") == ["bot> No points earned this season yet."]
    assert "bot> 1. alice — 5" in await h.say("bob: /leaderboard")  # all time keeps everything


async def test_leaderboard_season_without_seasons_says_how_to_turn_them_on(harness: ConsoleHarness) -> None:
    assert await harness.say("alice: /leaderboard season") == [
        "bot> ⚠ Seasons are off: [points] season_weeks in the config turns them on."
    ]
