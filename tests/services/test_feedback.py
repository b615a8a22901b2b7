"""The feedback loop end to end through the console adapter, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta

from adapters.console import ConsoleAdapter
from bot.app import App
from bot.clock import ManualClock
from bot.commands import Role
from bot.events import Author
from bot.replies import Reply
from bot.settings import Settings
from storage.db import Database
from storage.repositories.audit import AuditRepo
from storage.repositories.feedback import FeedbackRepo
from storage.repositories.outbox import NotificationRepo
from tests.conftest import ConsoleHarness

DARK_1 = "alice: /idea It would be great if the settings app had a dark mode"
DARK_2 = "bob: /idea Please add a dark mode to the settings"


async def _counts(h: ConsoleHarness) -> dict[str, int]:
    return await NotificationRepo(h.app.db).counts()


async def test_similar_idea_is_offered_voted_and_both_fans_hear_once_per_change(harness: ConsoleHarness) -> None:
    out = await harness.say(DARK_1)
    assert out[0].startswith("bot> Thanks alice! Logged your idea as #1 “It would be great if the settings app")
    out = await harness.say(DARK_2)
    assert "Logged your idea as #2" in out[0]
    assert out[1].startswith("bot> Looks like #1 “It would be great if")
    assert "/vote 1 adds your vote there instead" in out[1]
    assert out[2] == "bot> [1: +1 #1 instead]  (type [press N])"

    out = await harness.say("bob: [press 1]")
    assert out == [
        "bot> Your vote for #1 “It would be great if the settings app had a dark mode” is in — 1 vote now. "
        "You'll hear when it changes. Your #2 is folded into it."
    ]
    assert (await FeedbackRepo(harness.app.db).get(2)).status == "duplicate"  # type: ignore[union-attr]

    out = await harness.say("mia@manager: /status 1 planned")
    assert out == [  # one message: the fans' notice is also the manager's confirmation
        "bot> #1 “It would be great if the settings app had a dark mode” is now planned.",
        "bot> @alice @bob",
    ]
    out = await harness.say("mia: /status 1 shipped 3.2.0")
    assert out[:2] == [
        "bot> #1 “It would be great if the settings app had a dark mode” shipped in 3.2.0 — thanks for the idea!",
        "bot> @alice @bob",
    ]
    assert await _counts(harness) == {"sent": 4}  # 2 changes x 2 fans, one message per change
    item = await FeedbackRepo(harness.app.db).get(1)
    assert item is not None
    assert (item.status, item.version, item.votes) == ("shipped", "3.2.0", 1)
    assert item.acknowledged_at is not None and item.decided_at is not None
    audit = await AuditRepo(harness.app.db).recent(target="#1")
    assert [a.action for a in audit] == ["feedback.status", "feedback.status"]


async def test_fan_keeps_their_own_item_if_they_want(harness: ConsoleHarness) -> None:
    await harness.say(DARK_1, DARK_2)
    out = await harness.say("bob: /feedback show 2")
    assert out[0] == "bot> #2 “Please add a dark mode to the settings” — idea, new"
    assert (await FeedbackRepo(harness.app.db).get(2)).similar_to == 1  # type: ignore[union-attr]


async def test_passive_offer_then_log_and_cooldown(harness: ConsoleHarness) -> None:
    out = await harness.say("alice: the camera app crashes when I switch to night mode")
    assert out[0] == "bot> That sounds like a bug report, alice. Want me to log it for the team? Reply /log."
    # one offer per fan per cooldown; plain chat and questions get nothing
    assert await harness.say("alice: also it would be great if photos had an edit button") == []
    assert await harness.say("carol: good morning all", "carol: how do I turn on dark mode?") == []
    out = await harness.say("alice: /log")
    assert out[0].startswith("bot> Thanks alice! Logged your bug report as #1 “the camera app crashes when I switch")
    assert await harness.say("alice: /log") == [
        "bot> ⚠ Reply /log to the message you want logged, or use /idea TEXT or /bug TEXT."
    ]
    harness.app.clock.advance(timedelta(minutes=31))  # type: ignore[attr-defined]
    out = await harness.say("dan: 希望能增加一个夜间模式")
    assert out[0].startswith("bot> That sounds like an idea, dan.")
    out = await harness.say("dan: [press 2]")
    assert "Logged your idea as #2 “希望能增加一个夜间模式”" in out[0]


async def test_passive_capture_only_in_fan_channels(harness: ConsoleHarness) -> None:
    await harness.say("mia@manager: /chat other")
    assert await harness.say("alice: it would be great if there was a widget") == []


async def test_manager_logs_a_fans_message_on_their_behalf(harness: ConsoleHarness) -> None:
    await harness.say("alice: the lock screen clock is too small to read")
    out = await harness.say("mia@manager (reply to alice): /log")
    assert out == [
        "bot> Logged @alice's idea as #1 “the lock screen clock is too small to read” — thanks! "
        "Follow it with /feedback show 1."
    ]
    item = await FeedbackRepo(harness.app.db).get(1)
    assert item is not None
    alice = await harness.app.members.find("console", user_id="alice")
    assert alice is not None and item.submitter_id == alice.member_id
    # the same message logged again is recognised, and a fan can't log other people's messages
    assert await harness.say("mia (reply to alice): /log") == [
        "bot> That message is already logged as #1 “the lock screen clock is too small to read”."
    ]
    assert await harness.say("bob (reply to alice): /log") == [
        "bot> ⚠ Only managers can log someone else's message. Ask them to /idea it."
    ]


async def test_bad_input_is_answered_and_writes_nothing(harness: ConsoleHarness) -> None:
    async def said(line: str) -> str:
        out = await harness.say(line)
        assert len(out) == 1, out
        return out[0]

    assert (
        await said("alice: /idea")
        == "bot> ⚠ Tell me the idea or the problem, e.g. /idea Dark mode for the settings app"
    )
    usage = "Usage: /idea [TEXT…] (TEXT up to 2,000 characters)"
    assert (
        await said("alice: /idea " + "x" * 2001)
        == f"bot> ⚠ TEXT is too long (2,001 characters, at most 2,000). {usage}"
    )
    assert "too long (10,000 characters, at most 2,000)" in await said("alice: /bug " + "y" * 10000)  # one limit
    in_words = "bot> ⚠ Tell me in words, so the team can act on it — e.g. /idea Dark mode for the settings app"
    assert await said("alice: /idea 🔥🔥🔥👍") == in_words
    assert await said("alice: /idea \u200b\u200b\u2060") == (
        "bot> ⚠ Tell me the idea or the problem, e.g. /idea Dark mode for the settings app"
    )
    assert await said("bob: /vote 99999999999999999999999") == (
        "bot> ⚠ NUMBER must be at most 2,147,483,647. Usage: /vote NUMBER"
    )
    await harness.say(DARK_1, "carol: /idea Show battery percentage in the status bar")
    assert await said("bob: /vote 99") == "bot> ⚠ There is no #99."
    assert await said("bob: /vote two") == "bot> ⚠ NUMBER must be a whole number, like 12. Usage: /vote NUMBER"
    assert await said("bob: /feedback show 99") == "bot> ⚠ There is no #99."
    await harness.say("bob: /vote 1")
    assert await said("bob: /vote 1") == "bot> ⚠ You already voted for #1."
    assert await said("alice: /vote 1") == "bot> ⚠ #1 is your own — you already follow it."
    assert await said("bob: /status 1 planned") == "bot> ⚠ /status is for moderators only."
    assert await said("bob: /merge 2 1") == "bot> ⚠ /merge is for managers only."
    assert await said("mia@manager: /status 99 planned") == "bot> ⚠ There is no #99."
    assert await said("mia: /status 1 maybe") == (
        "bot> ⚠ Which status? Usage: /status N acknowledged|planned|in-progress [comment] | "
        "shipped VERSION [comment] | declined REASON"
    )
    assert await said("mia: /status 1 declined") == "bot> ⚠ Say why, so the fans know: /status 1 declined REASON"
    assert await said("mia: /status 1 shipped") == "bot> ⚠ Shipped in which version? e.g. /status 1 shipped 3.2.0"
    assert await said("mia: /merge 2 1") == (
        "bot> ⚠ Missing REASON — why (shown to fans). "
        "Usage: /merge FROM_ITEM INTO_ITEM REASON… (REASON up to 500 characters)"
    )
    assert await said("mia: /merge 1 1 same") == "bot> ⚠ Can't merge #1 into itself."
    assert await said("mia: /merge 99 1 same") == "bot> ⚠ There is no #99."
    await harness.say("dan: /idea Dark mode in settings please", "mia: /merge 3 1 same idea")
    assert await said("mia: /merge 2 3 same") == "bot> ⚠ #3 is itself merged into #1; merge into that one instead."
    assert await said("mia: /merge 3 2 same") == "bot> ⚠ #3 is already merged into #1."
    assert await said("mia: /status 3 planned") == "bot> ⚠ #3 is merged into #1; change that one instead."
    items = [await FeedbackRepo(harness.app.db).get(n) for n in (1, 2, 3)]
    assert [(i.status, i.votes) for i in items if i] == [("new", 2), ("new", 0), ("duplicate", 0)]


async def test_merge_moves_votes_and_tells_the_duplicates_followers(harness: ConsoleHarness) -> None:
    await harness.say(
        "alice: /idea Show battery percentage in the status bar",
        "bob: /idea Double tap to lock the screen",
        "carol: /vote 2",
        "alice: /vote 2",
        "dan: /vote 1",
    )
    # the two don't look alike (a mistyped number?): nothing happens before a confirmation
    ask = await harness.say("mia@manager: /merge 2 1 same request")
    assert ask[0] == (
        "bot> #2 “Double tap to lock the screen” and #1 “Show battery percentage in the status bar” don't look "
        "alike. Merging moves #2's 2 votes to #1, and 3 followers will be told #2 is a duplicate. Nothing happens "
        "until you confirm (within 10 minutes) — or send it again ending with “confirm”."
    )
    assert (await FeedbackRepo(harness.app.db).get(2)).status == "new"  # type: ignore[union-attr]
    confirm = ask[1].split(": Confirm]")[0].rsplit("[", 1)[1]
    assert await harness.say(f"bob: [press {confirm}]") == [
        "bot> ⚠ That confirmation has expired, was used already, or is someone else's. Send the command again."
    ]
    out = await harness.say(f"mia: [press {confirm}]")
    assert out[0] == (
        "bot> #2 “Double tap to lock the screen” was merged into #1 “Show battery percentage in the status bar”: "
        "its votes and followers moved there. “same request”"
    )
    assert out[1] == "bot> @bob @carol @alice"
    assert out[2] == (
        "bot> Merged #2 into #1 “Show battery percentage in the status bar”: 2 votes moved, 3 votes now. "
        "(/merge undo 2 takes it back.)"
    )
    assert (await harness.say(f"mia: [press {confirm}]"))[0].startswith("bot> ⚠ That confirmation has expired")
    item = await FeedbackRepo(harness.app.db).get(1)
    assert item is not None and item.votes == 3  # dan, carol, bob; alice is the submitter
    out = await harness.say("erin: /vote 2")
    assert out[0].startswith("bot> #2 was merged into #1, so your vote goes there. Your vote for #1")
    show = await harness.say("erin: /feedback show 2")
    assert show[2] == "bot> Reason: same request"

    # taken back: #1 loses what the merge added (erin voted there herself: hers stays), #2 is itself again
    out = await harness.say("mia: /merge undo 2")
    assert out[:2] == [  # the fans told of the merge hear it was taken back
        "bot> #2 “Double tap to lock the screen” is new again. “not a duplicate of #1 after all”",
        "bot> @bob @carol @alice",
    ]
    assert out[-1] == (
        "bot> Undid the merge: #2 “Double tap to lock the screen” is new again with 2 votes; #1 is back to 2 votes."
    )
    items = [await FeedbackRepo(harness.app.db).get(n) for n in (1, 2)]
    assert [(i.status, i.votes) for i in items if i] == [("new", 2), ("new", 2)]  # dan + erin; carol + alice
    assert (await harness.say("mia: /merge undo 2"))[0] == "bot> ⚠ #2 isn't merged into anything (new)."
    audit = await harness.say("mia: /audit 2")
    assert "undid the merge of #2 into #1" in audit[1] and "merged #2 into #1" in audit[2]


async def test_notification_preferences(harness: ConsoleHarness) -> None:
    await harness.say(DARK_1, "bob: /vote 1", "carol: /vote 1", "bob: /notify dm", "carol: /notify off")
    out = await harness.say("mia@manager: /status 1 acknowledged")
    assert (
        out[0] == "bot> @bob: #1 “It would be great if the settings app had a dark mode” was acknowledged by the team."
    )
    assert out[1:3] == [
        "bot> #1 “It would be great if the settings app had a dark mode” was acknowledged by the team.",
        "bot> @alice · 1 more told elsewhere",  # bob, privately
    ]
    assert not any("carol" in line for line in out)
    # the acting manager is never notified of their own change
    await harness.say("mia: /vote 1", "mia: /status 1 planned")
    assert not any("@mia" in line for line in harness.output().splitlines())


async def test_dm_that_cannot_be_delivered_falls_back_to_the_chat(db: Database, clock: ManualClock) -> None:
    class ClosedDMs(ConsoleAdapter):
        async def send_direct(self, member: Author, reply: Reply) -> None:
            return None

    out = io.StringIO()
    app = App(Settings(), clock=clock, db=db)
    app.add_adapter(ClosedDMs(stdin=io.StringIO(""), stdout=out, transcript=True, default_role=Role.FAN, clock=clock))
    await app.prepare()
    console = app.adapters["console"]
    assert isinstance(console, ConsoleAdapter)
    await console.start(app.dispatcher)
    for line in (DARK_1, "bob: /vote 1", "bob: /notify dm", "mia@manager: /status 1 planned"):
        await console.feed(line)
    assert "bot> @alice @bob" in out.getvalue().splitlines()


async def test_notifications_survive_a_crash_and_are_sent_once(harness: ConsoleHarness) -> None:
    app = harness.app
    await harness.say(DARK_1, "bob: /vote 1")
    mia = await app.members.ensure("console", "mia", "mia", "mia", app.clock.now())
    # the process died right after the change was stored: rows are pending, nothing sent
    change = await FeedbackRepo(app.db).change_status(
        1, to_status="planned", actor_id=mia.member_id, now=app.clock.now()
    )
    assert change is not None
    assert await _counts(harness) == {"pending": 2}
    # another worker claimed them and died before sending
    claimed = await NotificationRepo(app.db).claim("dead-worker", app.clock.now(), timedelta(minutes=5))
    assert len(claimed) == 2
    assert await app.run_job("notification-sweep") == 0  # still leased to the dead worker
    app.clock.advance(timedelta(minutes=6))  # type: ignore[attr-defined]
    before = harness.output()
    results = await asyncio.gather(app.run_job("notification-sweep"), app.run_job("notification-sweep"))
    assert sorted(results) == [0, 2]
    sent = harness.output()[len(before) :].splitlines()
    assert sent == [
        "bot> #1 “It would be great if the settings app had a dark mode” is now planned.",
        "bot> @alice @bob",
    ]
    assert await app.run_job("notification-sweep") == 0
    assert await _counts(harness) == {"sent": 2}


async def test_reading_commands(harness: ConsoleHarness) -> None:
    await harness.say(
        DARK_1,
        "bob: /bug The camera app crashes when switching lenses",
        "carol: /vote 2",
        "dan: /vote 2",
        "dan: /vote 1",
    )
    top = await harness.say("alice: /feedback top")
    assert top[1:3] == [
        "bot> #2 “The camera app crashes when switching lenses” — 2 votes, new",
        "bot> #1 “It would be great if the settings app had a dark mode” — 1 vote, new",
    ]
    mine = await harness.say("bob: /feedback mine")
    assert mine == [
        "bot> @bob: Your feedback:",
        "bot> @bob: #2 “The camera app crashes when switching lenses” — 2 votes, new",
    ]
    found = await harness.say("erin: /feedback search camera crash")
    assert found[1].startswith("bot> #2 “The camera app crashes")
    assert await harness.say("erin: /feedback search quantum teleportation") == [
        "bot> Nothing matches. Log it with /idea TEXT or /bug TEXT."
    ]
    triage = await harness.say("mia@manager: /triage")
    assert triage[:2] == [
        "bot> Sent you the triage list (2 waiting) privately.",
        "bot> @mia: 2 items waiting for acknowledgement, oldest first:",
    ]
    assert any("[1: Ack #1]" in line for line in triage)
    assert await harness.say("erin: /triage") == ["bot> ⚠ /triage is for managers only."]
    out = await harness.say("mia: [press 1]")
    assert out[-1] == "bot> @alice @dan"  # alice (author) and dan, in the one message that tells the manager too
    assert out[-2].endswith("was acknowledged by the team.") and not any("Told" in line for line in out)


async def test_weekly_digest_lists_items_waiting_over_a_week(harness: ConsoleHarness) -> None:
    await harness.say(DARK_1)
    harness.app.clock.advance(timedelta(days=8))  # type: ignore[attr-defined]
    await harness.say("bob: /idea Show battery percentage in the status bar", "carol: /vote 2")
    await harness.say("mia@manager: /chat manager")
    assert await harness.app.run_job("feedback-digest") == 1
    text = harness.output()
    assert "bot> Weekly feedback digest" in text
    assert "bot> 1 new item this week; 0 acknowledged." in text
    assert "bot> Waiting over 7 days without a status change (1)" in text
    assert "bot> #1 “It would be great if the settings app had a dark mode” — new for 8d 0h" in text


async def test_digest_counts_every_item_not_a_capped_page(harness: ConsoleHarness) -> None:
    from storage.repositories.feedback import NewItem

    app = harness.app
    fan = await app.members.ensure("console", "zed", "zed", "zed", app.clock.now())
    repo = FeedbackRepo(app.db)
    for i in range(205):  # more than the 200 the digest used to read
        text = f"Idea number {i}"
        item = NewItem("idea", text, text, fan.member_id, None, "console", "fans", None, str(i), f"k{i}", None)
        await repo.create(item, app.clock.now())
    out = "\n".join(await harness.say("mia@manager: /feedback digest"))
    assert "205 new items this week; 0 acknowledged" in out
    harness.app.clock.advance(timedelta(days=8))  # type: ignore[attr-defined]
    out = "\n".join(await harness.say("mia: /feedback digest"))
    assert "0 new items this week" in out and "Waiting over 7 days without a status change (205)" in out


async def test_a_stale_triage_button_changes_nothing(harness: ConsoleHarness) -> None:
    await harness.say("alice: /idea Dark mode for the gallery app please")
    triage = await harness.say("mia@manager: /triage")
    plan = next(line for line in triage if "Plan #1" in line)
    number = plan.split("Plan #1")[0].rsplit("[", 1)[1].split(":")[0]  # "[2: Plan #1]"
    await harness.say("mia: /status 1 declined not on the roadmap confirm")
    out = await harness.say(f"mia: [press {number}]")
    assert out == [
        "bot> ⚠ #1 changed since this button was made: it is declined now. Nothing was changed — "
        "/status 1 planned does it if you still mean it."
    ]
    assert "declined" in (await harness.say("alice: /feedback show 1"))[0]
    out = await harness.say(f"bob: [press {number}]")  # a fan can't triage, stale or not
    assert out[0].startswith("bot> ⚠") and "planned" not in (await harness.say("alice: /feedback show 1"))[0]


async def test_declines_and_backward_moves_are_previewed_and_confirmed_once(harness: ConsoleHarness) -> None:
    await harness.say(
        "alice: /bug Wi-Fi drops after the 3.1 update every few minutes",
        "bob: /vote 1",
        "carol: /idea Dark mode for the settings app",
        "dan: /idea Dark mode in settings please",
    )
    ask = await harness.say("mia@manager: /status 1 declined it's a hardware limit")
    assert ask[0] == (
        "bot> About to decline #1 “Wi-Fi drops after the 3.1 update every few minutes” (bug report, 1 vote): "
        "2 followers will be told “it's a hardware limit”. Nothing happens until you confirm (within 10 minutes) "
        "— or send it again ending with “confirm”."
    )
    assert "[" in ask[1] and "Confirm]" in ask[1]
    assert (await FeedbackRepo(harness.app.db).get(1)).status == "new"  # type: ignore[union-attr]
    done = await harness.say("mia: /status 1 declined it's a hardware limit confirm")  # the typed confirmation
    assert done == [
        "bot> #1 “Wi-Fi drops after the 3.1 update every few minutes” was declined: it's a hardware limit",
        "bot> @alice @bob",
    ]
    assert (await FeedbackRepo(harness.app.db).get(1)).status_note == "it's a hardware limit"  # type: ignore[union-attr]

    # forward moves go at once; moving a shipped idea back asks first
    await harness.say("mia: /status 2 planned", "mia: /status 2 shipped 3.2.0")
    back = await harness.say("mia: /status 2 in-progress oops, not yet")
    assert back[0].startswith(
        "bot> About to move #2 “Dark mode for the settings app” back from shipped in 3.2.0 to in progress"
    )
    assert (await FeedbackRepo(harness.app.db).get(2)).status == "shipped"  # type: ignore[union-attr]

    # two items that look alike merge without a question
    out = await harness.say("mia: /merge 3 2 same idea")
    assert out[-1].startswith("bot> Merged #3 into #2")


async def test_managers_see_the_member_number_the_cli_needs(harness: ConsoleHarness) -> None:
    await harness.say("alice: /idea Dark mode for the settings app")
    assert any(line.endswith("· submitter: member 1") for line in await harness.say("mia@manager: /feedback show 1"))
    assert not any("submitter" in line for line in await harness.say("bob: /feedback show 1"))


async def test_a_chat_set_to_chinese_hears_its_notices_in_chinese(harness: ConsoleHarness) -> None:
    assert await harness.say("mia@manager: /chat language zh-CN") == ["bot> 好的，本群的通知和公告今后都用简体中文。"]
    await harness.say("alice: /idea 相册希望支持深色模式", "bob: /vote 1")
    out = await harness.say("mia: /status 1 planned 下个版本")
    assert out == ["bot> #1 “相册希望支持深色模式” 的状态更新为“已排期”。 “下个版本”", "bot> @alice @bob"]
    assert await harness.say("dan: /language en", "dan: /vote 1") == [
        "bot> OK: I'll speak English with you.",
        "bot> Your vote for #1 “相册希望支持深色模式” is in — 2 votes now. You'll hear when it changes.",
    ]
    await harness.say("erin: /language zh-CN")
    assert await harness.say("erin: /language xx") == [
        "bot> ⚠ 我会说：English (en), 简体中文 (zh-CN)。发送 /language auto 则跟随你的应用语言。"
    ]


async def test_a_chinese_speaking_manager_and_fan_hear_every_feature_in_chinese(harness: ConsoleHarness) -> None:
    """Usage errors, time errors, points, announcements and the digest — not only the feedback
    loop — follow the reader's language."""
    await harness.say("mia@manager: /language zh-CN", "li: /language zh-CN", "li: /idea 相册希望支持深色模式")
    assert await harness.say("li: /vote banana") == ["bot> ⚠ NUMBER 必须是整数，例如 12。用法：/vote NUMBER"]
    out = await harness.say("li: /vote")
    assert out[0].startswith("bot> ⚠ 缺少 NUMBER——反馈编号，例如 12。用法：/vote NUMBER")
    assert await harness.say("mia@manager: /announce at 2026-02-30 10:00 x") == ["bot> ⚠ 2026-02-30 不是有效日期。"]
    out = await harness.say("li: /rank")
    assert "积分" in out[0] and "积分规则" in out[-1]
    digest = "\n".join(await harness.say("mia@manager: /feedback digest"))
    assert "每周反馈摘要" in digest and "本周新增 1 条反馈" in digest
    assert await harness.say("li: /leaderboard week") != []
    assert (await harness.say("li: /mydata"))[0].startswith("bot> @li: fanloop 保存的关于你的数据")
