"""One poll on Telegram (its own poll) and Discord (buttons) at once, against both fakes: one tally,
one vote per member — a fan linked across both counts once, their last vote standing — the results
posted on both when it closes, and Telegram's poll stopped."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from adapters.discord import DiscordAdapter
from adapters.discord.plugin import DiscordSettings
from adapters.telegram import TelegramAdapter
from bot.app import App
from bot.clock import ManualClock
from bot.features import DEFAULT_FEATURES
from bot.settings import Settings
from storage.db import Database
from storage.repositories.chats import ChatRepo
from storage.repositories.linking import LinkRepo
from storage.repositories.polls import PollRepo
from tests.adapters.test_discord_e2e import fake_discord
from tests.adapters.test_telegram_e2e import ALICE, MIA, section_for
from tests.adapters.waits import eventually, member_id, until
from tests.fakes.discord_api import CHANNEL_ID, GUILD_ID, FakeDiscordAPI
from tests.fakes.discord_payloads import DEFER_AFTER
from tests.fakes.telegram_api import GROUP, FakeTelegramAPI, user

CAROL = user(44, "Carol")
D_ALICE, D_BOB = "4001", "4002"


discord_fake = pytest.fixture(name="discord_fake")(fake_discord)


@pytest.fixture
async def app(
    fake: FakeTelegramAPI, discord_fake: FakeDiscordAPI, db: Database, clock: ManualClock
) -> AsyncIterator[App]:
    fake.admins[int(GROUP["id"])] = {MIA["id"]}
    app = App(Settings(limits={"commands_per_window": 1000}), db=db, clock=clock, features=list(DEFAULT_FEATURES))  # type: ignore[arg-type]
    telegram = TelegramAdapter(settings=section_for(fake), clock=app.clock, poll_timeout=1, retry_delay=0.05)
    section = DiscordSettings(
        token="fake-token",  # type: ignore[arg-type]
        api_base=discord_fake.api_base,
        gateway_url=discord_fake.gateway_url,
        guild_ids=[int(GUILD_ID)],
    )
    disc = DiscordAdapter(settings=section, clock=app.clock, defer_after=DEFER_AFTER, guild_ready_timeout=0.1)
    app.add_adapter(telegram)
    app.add_adapter(disc)
    await app.prepare()
    await telegram.start(app.dispatcher)
    await disc.start(app.dispatcher)
    yield app
    await telegram.stop()
    await disc.stop()


async def counted(app: App, votes: int) -> None:
    async def tallied() -> bool:
        return sum((await PollRepo(app.db).tally(1)).values()) == votes

    await eventually(tallied)


async def test_one_poll_on_both_platforms_counts_a_linked_fan_once(
    fake: FakeTelegramAPI, discord_fake: FakeDiscordAPI, app: App, clock: ManualClock
) -> None:
    fake.push_message("hello from telegram, glad to be here", sender=ALICE)
    await discord_fake.user_says(D_ALICE, "hello from discord, glad to be here")
    tg_alice, dc_alice = await member_id(app, "telegram", "42"), await member_id(app, "discord", D_ALICE)
    await LinkRepo(app.db).merge(tg_alice, dc_alice, clock.now())  # Alice linked her accounts (/link)
    chats = ChatRepo(app.db)
    for platform, chat_id in (("telegram", str(GROUP["id"])), ("discord", CHANNEL_ID)):
        await chats.ensure(platform, chat_id, title="news", kind="other", community_id=None, now=clock.now())
        await chats.set_kind(platform, chat_id, "announcement")

    fake.push_message('/poll "Which first?" Camera | Battery to all closes in 1h', sender=MIA)
    poll = await until(lambda: next(iter(fake.polls.values()), None))
    assert [o["text"] for o in poll["options"]] == ["Camera", "Battery"] and not poll["is_anonymous"]
    posted = await until(lambda: next((m for m in discord_fake.messages if m.get("components")), None))
    buttons = posted["components"][0]["components"]
    assert [b["label"] for b in buttons] == ["1. Camera", "2. Battery"]

    fake.push_poll_answer(poll["id"], ALICE, [0])  # Alice: Camera on Telegram...
    fake.push_poll_answer(poll["id"], CAROL, [1])
    await discord_fake.press(D_BOB, buttons[0]["custom_id"], posted)
    await until(lambda: len(discord_fake.responses()) >= 1)
    await counted(app, 3)  # Alice's Telegram vote is in before she votes again on Discord
    await discord_fake.press(D_ALICE, buttons[1]["custom_id"], posted)  # ...then Battery on Discord
    await until(lambda: len(discord_fake.responses()) >= 2)
    assert "Your vote in poll #1: Battery" in discord_fake.responses()[-1]["content"]

    clock.advance(timedelta(hours=2))
    assert await app.run_job("polls") == 1
    results = await until(lambda: [m["visible"] for m in fake.sent if "has closed" in m.get("visible", "")])
    assert results[0].splitlines() == [
        "📊 Poll #1 has closed: Which first?",
        "Camera — 1 vote (33%)",
        "🏆 Battery — 2 votes (67%)",
        "3 fans voted.",
    ]
    assert poll["is_closed"]  # stopPoll: Telegram takes no more votes
    on_discord = await until(
        lambda: [m["content"] for m in discord_fake.messages if "has closed" in m.get("content", "")]
    )
    assert "🏆 Battery — 2 votes (67%)" in on_discord[0]
