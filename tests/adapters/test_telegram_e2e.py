"""The real python-telegram-bot Application against the local fake Bot API server."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest

from adapters.telegram import TelegramAdapter
from adapters.telegram.plugin import TelegramSettings
from bot.app import App
from bot.clock import ManualClock
from bot.commands import CommandSpec
from bot.context import CommandContext
from bot.contracts import ANNOUNCER
from bot.features import DEFAULT_FEATURES
from bot.replies import BR, Text, say
from bot.settings import Settings
from storage.db import Database
from storage.repositories.feedback import FeedbackRepo
from tests.adapters.waits import until
from tests.conftest import with_commands
from tests.fakes.telegram_api import GROUP, FakeTelegramAPI, user
from tests.fakes.telegram_html import visible_text

ALICE = user(42, "Alice")
MIA = user(77, "Mia")


async def until_quiet(fake: FakeTelegramAPI, adapter: TelegramAdapter) -> None:
    """Every update confirmed, nothing being handled or sent: whatever was going to arrive has."""

    def idle() -> bool:
        receiver = adapter.receiver
        return not fake.updates and receiver is not None and receiver.lanes.busy == 0 and adapter.senders.busy == 0

    await until(idle)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramAPI]:
    api = FakeTelegramAPI()
    await api.start()
    api.admins[int(GROUP["id"])] = {MIA["id"]}
    yield api
    await api.stop()


SETTINGS = Settings(limits={"commands_per_window": 1000, "claim_lease_seconds": 1})  # type: ignore[arg-type]


def section_for(fake: FakeTelegramAPI, **extra: Any) -> TelegramSettings:
    return TelegramSettings(token=fake.token, base_url=fake.base_url, **extra)


class Gate:
    """Lets a test hold the /slow handler mid-way, as a crash would find it."""

    started = asyncio.Event()
    release = asyncio.Event()
    finished = 0

    @classmethod
    def reset(cls) -> None:
        cls.started, cls.release, cls.finished = asyncio.Event(), asyncio.Event(), 0


class Bot:
    def __init__(self, app: App, adapter: TelegramAdapter) -> None:
        self.app, self.adapter = app, adapter

    async def stop(self) -> None:
        await self.adapter.stop()


async def start_bot(fake: FakeTelegramAPI, db: Database, clock: ManualClock | None = None, **extra: Any) -> Bot:
    async def long_answer(ctx: CommandContext) -> object:
        para = "word " * 199 + "end"  # 1,000 characters
        return say(*[x for _ in range(6) for x in (Text(para), BR)])

    async def slow(ctx: CommandContext) -> object:
        Gate.started.set()
        await Gate.release.wait()
        Gate.finished += 1
        return say("slow done")

    extra_commands = with_commands(
        CommandSpec("long", "A long answer", long_answer), CommandSpec("slow", "A slow handler", slow)
    )
    app = App(SETTINGS, db=db, clock=clock, features=[*DEFAULT_FEATURES, extra_commands])
    section = section_for(fake, **extra)
    adapter = TelegramAdapter(settings=section, clock=app.clock, poll_timeout=1, retry_delay=0.05)
    app.add_adapter(adapter)
    await app.prepare()
    await adapter.start(app.dispatcher)
    return Bot(app, adapter)


@pytest.fixture
async def bot(fake: FakeTelegramAPI, db: Database) -> AsyncIterator[Bot]:
    b = await start_bot(fake, db)
    yield b
    await b.stop()


async def test_help_is_answered_with_valid_html(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.push_message("/help@fanloop_test_bot", sender=ALICE)
    await until(lambda: fake.sent)
    msg = fake.sent[0]
    assert msg["parse_mode"] == "HTML" and msg["chat_id"] == str(GROUP["id"])
    assert "<b>fanloop commands</b>" in msg["text"] and "/whoami" in msg["visible"]
    assert "/merge" not in msg["visible"]  # a fan's help
    assert msg["reply_parameters"]["message_id"] > 0


async def test_commands_menu_is_split_by_scope(fake: FakeTelegramAPI, bot: Bot) -> None:
    fan = {c["command"] for c in fake.commands["default"]}
    admins = {c["command"] for c in fake.commands["all_chat_administrators"]}
    assert {"help", "idea", "vote", "feedback"} <= fan
    assert "merge" not in fan and "chat" not in fan
    assert {"merge", "chat", "triage"} <= admins and fan < admins


async def test_manager_command_refused_to_fan_accepted_from_admin(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.push_message("/chat fan", sender=ALICE)
    await until(lambda: fake.sent)
    assert fake.sent[-1]["visible"] == "⚠ /chat is for managers only."
    fake.push_message("/chat fan", sender=MIA)
    await until(lambda: len(fake.sent) == 2)
    assert fake.sent[-1]["visible"] == "This chat is now set up as: fan."
    chat = await bot.app.chats.get("telegram", str(GROUP["id"]))
    assert chat is not None and chat.kind == "fan"
    # the group's creator manages too; roles come from one administrators list per chat
    owner = user(90, "Olga")
    fake.creators[int(GROUP["id"])] = owner["id"]
    await bot.stop()  # a new process: nothing cached
    lookups = len(fake.calls_to("getChatAdministrators"))
    b = await start_bot(fake, bot.app.db)
    try:
        for sender in (owner, ALICE, MIA):
            fake.push_message("/chat fan", sender=sender)
        await until(lambda: len(fake.sent) == 5)
        assert [m["visible"] for m in fake.sent[2:]] == [
            "This chat is now set up as: fan.",
            "⚠ /chat is for managers only.",
            "This chat is now set up as: fan.",
        ]
        assert len(fake.calls_to("getChatAdministrators")) == lookups + 1
        assert not fake.calls_to("getChatMember")
    finally:
        await b.stop()


async def test_plain_group_message_reaches_the_core(fake: FakeTelegramAPI, bot: Bot) -> None:
    await bot.app.chats.ensure(
        "telegram", str(GROUP["id"]), title="Acme", kind="fan", community_id=None, now=bot.app.clock.now()
    )
    fake.push_message("It would be great if the camera had a night mode", sender=ALICE)
    await until(lambda: fake.sent)
    assert fake.sent[0]["visible"].startswith("That sounds like an idea, Alice.")
    assert "fb.log|" in str(fake.sent[0]["reply_markup"])


async def test_user_text_is_escaped_and_accepted_by_telegram(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.push_message("/idea <script>& alert('x') <b>bold</b>", sender=ALICE)
    await until(lambda: fake.sent)
    msg = fake.sent[0]
    assert "&lt;script&gt;&amp; alert('x') &lt;b&gt;bold&lt;/b&gt;" in msg["text"]
    assert "<script>& alert('x') <b>bold</b>" in msg["visible"]
    visible_text(msg["text"])  # parses as Telegram would


async def test_long_answer_is_split_into_valid_messages(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.push_message("/long", sender=ALICE)
    await until(lambda: len(fake.sent) >= 2)
    await until_quiet(fake, bot.adapter)
    assert len(fake.sent) == 2
    assert all(len(m["visible"]) <= 4096 for m in fake.sent)
    assert sum(m["visible"].count("word") for m in fake.sent) == 6 * 199


async def test_flood_control_is_waited_out_and_delivered_once(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.fail_next("sendMessage", 429, retry_after=1)
    fake.push_message("/whoami", chat={"id": 42, "type": "private", "first_name": "Alice"}, sender=ALICE)
    await until(lambda: fake.sent, wait=15)
    await until_quiet(fake, bot.adapter)
    assert len(fake.sent) == 1
    calls = fake.calls_to("sendMessage")
    assert len(calls) == 2 and calls[1].at - calls[0].at >= 1.0


async def test_a_quiet_group_is_answered_while_a_busy_one_is_flood_limited(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.group_rate_limit = 20  # Telegram: 20 messages a minute in one group
    quiet = {"id": -1009999999999, "type": "supergroup", "title": "Quiet fans"}
    for i in range(40):
        fake.push_message(f"/idea Idea number {i} for the busy group", sender=ALICE)
    await until(lambda: sum(1 for m in fake.sent if m["chat_id"] == str(GROUP["id"])) >= 15)
    asked = time.monotonic()
    fake.push_message("/help", sender=user(43, "Bob"), chat=quiet)
    await until(lambda: any(m["chat_id"] == str(quiet["id"]) for m in fake.sent), wait=3.0)
    assert time.monotonic() - asked < 3.0
    # the busy group's ideas are all stored although most replies still wait out the limit
    await until(lambda: fake.confirmed > 41)
    assert await FeedbackRepo(bot.app.db).count() == 40


async def test_an_update_polled_again_while_its_chat_is_busy_is_built_once(fake: FakeTelegramAPI, bot: Bot) -> None:
    """The confirmed offset stays below a running update, so every poll returns the updates after
    it again; they must not be turned into Update objects (and queued) again each time."""
    Gate.reset()
    fake.push_message("/slow", sender=ALICE)
    await asyncio.wait_for(Gate.started.wait(), 10)
    source = bot.adapter.receiver.source  # type: ignore[union-attr]
    polls, built = source.polls, source.built
    for i in range(5):  # behind /slow in the same chat: they wait in its lane
        fake.push_message(f"/idea Idea number {i} for the gallery", sender=ALICE)
    quiet = {"id": -100777, "type": "supergroup", "title": "Quiet"}
    for i in range(3):  # each answer in another chat makes the poller ask again
        fake.push_message("/help", sender=user(43, "Bob"), chat=quiet)
        await until(lambda i=i: len(fake.sent) > i)
    assert source.polls - polls >= 3 and source.built - built == 8
    Gate.release.set()
    await until(lambda: Gate.finished == 1)
    await until_quiet(fake, bot.adapter)
    assert await FeedbackRepo(bot.app.db).count() == 5 and source.built - built == 8


async def test_the_same_update_delivered_twice_is_processed_once(fake: FakeTelegramAPI, bot: Bot) -> None:
    update = fake.push_message("/idea Double tap to wake", sender=ALICE)
    await until(lambda: fake.sent)
    fake.redeliver(update)
    await until(lambda: fake.confirmed > update["update_id"])
    await until_quiet(fake, bot.adapter)
    assert len(fake.sent) == 1
    assert await FeedbackRepo(bot.app.db).count() == 1


async def test_crash_mid_handler_then_restart_handles_the_message_once(fake: FakeTelegramAPI, db: Database) -> None:
    Gate.reset()
    first = await start_bot(fake, db)
    update = fake.push_message("/slow", sender=ALICE)
    await asyncio.wait_for(Gate.started.wait(), 10)
    await first.stop()  # the process dies mid-handler: the offset was never advanced
    assert fake.sent == [] and fake.confirmed <= update["update_id"]
    Gate.release.set()
    second = await start_bot(fake, db)  # restart on the same database
    try:
        await until(lambda: fake.sent)
        await until_quiet(fake, second.adapter)
        assert [m["visible"] for m in fake.sent] == ["slow done"]
        assert Gate.finished == 1
    finally:
        await second.stop()


async def test_claim_left_by_a_killed_worker_is_taken_over_after_the_lease(fake: FakeTelegramAPI, db: Database) -> None:
    b = await start_bot(fake, db)
    try:
        update = fake.message("/whoami", sender=ALICE)
        # a worker was killed (no cleanup) while handling this message
        await b.app.events.claim(
            "telegram", str(GROUP["id"]), str(update["message_id"]), "killed", b.app.clock.now(), timedelta(seconds=1)
        )
        fake.push({"message": update})
        await until(lambda: fake.sent, wait=10)  # retried until the 1 s lease ran out
        await until_quiet(fake, b.adapter)
        assert len(fake.sent) == 1 and "You are member #" in fake.sent[0]["visible"]
    finally:
        await b.stop()


async def test_private_reply_falls_back_to_the_group_with_a_start_button(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.blocked_chats.add(ALICE["id"])  # Alice never started the bot: DMs are refused
    fake.push_message("/whoami", sender=ALICE)
    await until(lambda: fake.sent)
    msg = fake.sent[0]
    assert msg["chat_id"] == str(GROUP["id"]) and "You are member #" in msg["visible"]
    assert "https://t.me/fanloop_test_bot?start=dm" in str(msg["reply_markup"])
    assert "Start a private chat" in str(msg["reply_markup"])
    # a fan whose app is Chinese gets the button in Chinese, like the reply it comes with
    li = {**user(43, "Li"), "language_code": "zh-hans"}
    fake.blocked_chats.add(li["id"])
    fake.push_message("/whoami", sender=li)
    await until(lambda: len(fake.sent) == 2)
    assert "开始私聊" in str(fake.sent[1]["reply_markup"]) and "你是" in fake.sent[1]["visible"]


async def test_forum_topic_replies_go_to_the_topic(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.push_message("/help", sender=ALICE, thread_id=55)
    await until(lambda: fake.sent)
    assert fake.sent[0]["message_thread_id"] == "55"


async def test_button_press_reaches_the_core(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.push_message("/idea Show battery percentage", sender=ALICE)
    await until(lambda: fake.sent)
    fake.push_message("/feedback show 1", sender=MIA)
    await until(lambda: len(fake.sent) == 2)
    assert "fb.vote|1" in str(fake.sent[1]["reply_markup"])
    fake.push_callback("fb.vote|1", fake.message("x", chat=GROUP), sender=MIA)
    await until(lambda: len(fake.sent) == 3)
    assert fake.sent[2]["visible"].startswith("Your vote for #1")
    assert fake.calls_to("answerCallbackQuery")


async def test_blocked_chat_is_marked_unreachable(fake: FakeTelegramAPI, bot: Bot) -> None:
    from bot.adapter import DeliveryError
    from bot.events import ChatRef, Platform

    await bot.app.chats.ensure(
        "telegram", "-100999", title="Old", kind="announcement", community_id=None, now=bot.app.clock.now()
    )
    fake.blocked_chats.add(-100999)
    with pytest.raises(DeliveryError, match="blocked"):
        await bot.app.messenger.send(ChatRef(Platform("telegram"), "-100999"), say("hello"))
    chat = await bot.app.chats.get("telegram", "-100999")
    assert chat is not None and not chat.reachable and chat.unreachable_reason == "the user blocked the bot"


async def test_privacy_mode_is_reported(fake: FakeTelegramAPI, bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    fake.push_message("/status", sender=MIA)
    await until(lambda: fake.sent)
    assert "can't see plain messages in this group" in fake.sent[0]["visible"]


async def test_a_second_poller_is_reported_not_looped(
    fake: FakeTelegramAPI, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    b = await start_bot(fake, db)
    try:
        await until(lambda: fake.calls_to("getUpdates"))
        with caplog.at_level(logging.ERROR):
            async with aiohttp.ClientSession() as http:  # another instance polls the same token
                await http.post(f"{fake.base_url}{fake.token}/getUpdates", data={"timeout": "0"})
            await asyncio.wait_for(b.adapter.wait_finished(), 10)
        assert b.adapter.fatal is not None
        assert "another process is polling this bot token (409 Conflict)" in b.adapter.fatal
    finally:
        await b.stop()


async def test_webhook_accepts_the_right_secret_and_rejects_a_wrong_one(fake: FakeTelegramAPI, db: Database) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    b = await start_bot(
        fake,
        db,
        webhook_url=f"http://127.0.0.1:{port}/tg-hook",
        webhook_listen=f"127.0.0.1:{port}",
        webhook_secret="s3cret-token",
    )
    try:
        assert fake.webhook is not None and fake.webhook["secret_token"] == "s3cret-token"
        update = {"update_id": 501, "message": fake.message("/whoami", sender=ALICE)}
        async with aiohttp.ClientSession() as http:
            bad = await http.post(
                f"http://127.0.0.1:{port}/tg-hook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}
            )
            assert bad.status == 403
            assert fake.sent == []
            good = await http.post(
                f"http://127.0.0.1:{port}/tg-hook",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"},
            )
            assert good.status == 200  # handled, its reply stored; the reply leaves from the chat's send lane
        await until(lambda: fake.sent)
        await until_quiet(fake, b.adapter)
        assert len(fake.sent) == 1 and "You are member #" in fake.sent[0]["visible"]
    finally:
        await b.stop()


async def test_a_fans_help_during_a_broadcast_is_answered_within_three_seconds(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.rate_limit = 30  # Telegram's limit; the bot paces itself at 29.5 a second
    now = bot.app.clock.now()
    for i in range(300):  # ten seconds of broadcasting
        chat = str(-5_000_000 - i)
        await bot.app.chats.ensure("telegram", chat, title=f"g{i}", kind="announcement", community_id=None, now=now)
    announcer = bot.app.get(ANNOUNCER)
    assert announcer is not None
    await announcer.announce_now("🚀 3.2.0 is out!", None)
    broadcast = asyncio.create_task(bot.app.run_job("announcements"))
    await until(lambda: len(fake.sent) >= 30)  # well into it
    asked = time.monotonic()
    fake.push_message("/help", sender=user(44, "Carol"))
    await until(lambda: any("commands" in m["visible"] and m["chat_id"] == str(GROUP["id"]) for m in fake.sent))
    assert time.monotonic() - asked < 3.0
    assert not broadcast.done()  # it was still going
    broadcast.cancel()


async def test_an_outage_mid_run_backs_off_and_is_logged_once(
    fake: FakeTelegramAPI, bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="adapters.telegram.receive")
    for _ in range(4):  # the Bot API answers 502 four times in a row
        fake.fail_next("getUpdates", 502, description="Bad Gateway")
    fake.push_message("/whoami", sender=ALICE)
    await until(lambda: fake.sent, wait=20)  # it came back: the update was still delivered
    receive = [r for r in caplog.records if r.name == "adapters.telegram.receive"]
    loud = [r.getMessage() for r in receive if r.levelno >= logging.WARNING]
    retries = [r for r in receive if r.levelno == logging.DEBUG and "still failing" in r.getMessage()]
    assert len(loud) == 2 and "retrying with backoff" in loud[0] and "working again" in loud[1], loud
    assert len(retries) == 3  # the other tries: quiet
    assert bot.adapter.trouble is None


async def test_a_fan_whose_app_is_chinese_is_answered_in_chinese_and_menus_are_localized(
    fake: FakeTelegramAPI, bot: Bot
) -> None:
    assert {c["command"]: c["description"] for c in fake.commands["default:zh"]}["idea"] == "向团队提建议"
    assert {c["command"]: c["description"] for c in fake.commands["default"]}["idea"] == "Suggest an idea to the team"
    assert "chat" in {c["command"] for c in fake.commands["all_chat_administrators:zh"]}
    chinese = {**ALICE, "language_code": "zh-hans"}
    fake.push_message("/idea 相册希望支持深色模式", sender=chinese)
    await until(lambda: fake.sent)
    assert fake.sent[0]["visible"].startswith("谢谢 Alice！你的建议已记录为 #1")
    fake.push_message("/vote 1", sender={**MIA, "language_code": "en"})
    await until(lambda: len(fake.sent) == 2)
    assert fake.sent[1]["visible"].startswith("Your vote for #1")
