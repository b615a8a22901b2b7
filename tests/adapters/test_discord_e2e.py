"""The real discord.py client against the local fake Discord REST API and gateway."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import discord
import pytest

from adapters.discord import DiscordAdapter
from adapters.discord.plugin import DiscordSettings
from bot.adapter import DeliveryError
from bot.app import App
from bot.clock import ManualClock
from bot.commands import Arg, ArgKind, CommandSpec
from bot.context import CommandContext
from bot.features import DEFAULT_FEATURES
from bot.replies import BR, Text, say
from bot.settings import Settings
from storage.db import Database
from storage.repositories.replies import REPLY_LEASE
from tests.adapters.waits import until
from tests.conftest import with_commands
from tests.fakes.discord_api import CHANNEL_ID, GUILD_ID, FakeDiscordAPI
from tests.fakes.discord_payloads import DEFER_AFTER

ALICE, BOB, MIA = "4001", "4002", "4003"


async def until_quiet(adapter: DiscordAdapter) -> None:
    """Nothing being handled or sent: whatever was going to arrive has."""
    await until(lambda: adapter.lanes.busy == 0 and adapter.senders.busy == 0)


def test_discord_py_still_has_the_endpoint_attributes_we_set() -> None:
    """fanloop redirects discord.py through these two attributes; an upgrade that moves them must fail here."""
    assert isinstance(discord.http.Route.BASE, str) and discord.http.Route.BASE.startswith("https://discord.com/api/v")
    assert str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY).startswith("wss://gateway.discord.gg")
    assert discord.version_info[:2] == (2, 7)


async def fake_discord(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscordAPI]:
    """The fake Discord on a free port (the ``fake`` fixture here; other modules name it their way)."""
    # the adapter points discord.py at the fake; restore the real endpoints afterwards
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    )
    api = FakeDiscordAPI()
    await api.start()
    yield api
    await api.stop()


fake = pytest.fixture(name="fake")(fake_discord)


class Bot:
    def __init__(self, app: App, adapter: DiscordAdapter) -> None:
        self.app, self.adapter = app, adapter


async def start_bot(
    fake: FakeDiscordAPI,
    db: Database,
    clock: ManualClock | None = None,
    cls: type[DiscordAdapter] = DiscordAdapter,
    guild_ids: tuple[int, ...] = (int(GUILD_ID),),
    **section_extra: Any,
) -> Bot:
    settings = Settings(limits={"commands_per_window": 1000})  # type: ignore[arg-type]
    section = DiscordSettings(
        token="fake-token",  # type: ignore[arg-type]
        api_base=fake.api_base,
        gateway_url=fake.gateway_url,
        guild_ids=list(guild_ids),
        **section_extra,
    )

    async def long_answer(ctx: CommandContext) -> object:
        para = "word " * 299 + "end"  # 1,498 characters
        return say(*[x for _ in range(3) for x in (Text(para), BR)])

    async def slow(ctx: CommandContext) -> object:
        await asyncio.sleep(DEFER_AFTER + 0.5)
        return say("slow done")

    extra = with_commands(
        CommandSpec("long", "A long answer", long_answer),
        CommandSpec(
            "slowcmd",
            "A slow command",
            slow,
            args=(Arg("n", ArgKind.INT, "a number", required=False, min_value=1, max_value=9),),
        ),
    )
    app = App(settings, db=db, clock=clock, features=[*DEFAULT_FEATURES, extra])
    adapter = cls(settings=section, clock=app.clock, defer_after=DEFER_AFTER, guild_ready_timeout=0.1)
    app.add_adapter(adapter)
    await app.prepare()
    await adapter.start(app.dispatcher)
    return Bot(app, adapter)


@pytest.fixture
async def bot(fake: FakeDiscordAPI, db: Database) -> AsyncIterator[Bot]:
    b = await start_bot(fake, db)
    yield b
    await b.adapter.stop()


def _cmd(fake: FakeDiscordAPI, name: str) -> dict[str, Any]:
    return next(c for c in fake.commands[GUILD_ID] if c["name"] == name)


async def test_slash_commands_synced_with_fan_manager_split_and_typed_options(fake: FakeDiscordAPI, bot: Bot) -> None:
    assert fake.identify_payload is not None and fake.identify_payload["intents"] & (1 << 15)  # message content
    assert _cmd(fake, "help")["default_member_permissions"] is None
    assert _cmd(fake, "merge")["default_member_permissions"] == str(0x20)  # Manage Server
    # moderator commands: shown to all (no one permission covers moderators and managers); core checks
    assert _cmd(fake, "status")["default_member_permissions"] is None
    vote = _cmd(fake, "vote")["options"][0]
    assert (vote["name"], vote["type"], vote["required"], vote["min_value"]) == ("number", 4, True, 1)
    sub = {o["name"]: o for o in _cmd(fake, "feedback")["options"]}
    assert {"new", "show", "mine", "top", "search"} <= set(sub)
    top = sub["top"]["options"][0]
    assert [c["value"] for c in top["choices"]] == ["week", "all"]
    puts = [c for c in fake.calls if c.method == "PUT"]
    assert len(puts) == 1
    # a restart with the same commands does not sync again (Discord caps command creations per day)
    await bot.adapter.stop()
    again = await start_bot(fake, bot.app.db)
    try:
        assert again.adapter.synced == [] and len([c for c in fake.calls if c.method == "PUT"]) == 1
    finally:
        await again.adapter.stop()


async def test_an_unreachable_guild_is_skipped_and_shown_in_status(fake: FakeDiscordAPI, db: Database) -> None:
    fake.fail_next("GET /applications/*/guilds/2000/commands", 403)
    b = await start_bot(fake, db, guild_ids=(2000, int(GUILD_ID)))
    try:
        assert b.adapter.synced == [GUILD_ID] and set(b.adapter.unreachable) == {"2000"}
        await fake.slash(MIA, "status")  # a moderator command: shown to Mia, who has Manage Server only
        await until(lambda: fake.responses())
        status = fake.responses()[-1]["content"]
        assert "Discord server 2000 is configured but I can't reach it (403 Missing Permissions" in status
    finally:
        await b.adapter.stop()


async def test_a_fans_slash_command_is_answered(fake: FakeDiscordAPI, bot: Bot) -> None:
    await fake.slash(ALICE, "help")
    await until(lambda: fake.responses())
    first = fake.responses()[0]
    assert first["kind"] == "callback" and first["type"] == 4
    assert "**fanloop commands**" in first["content"] and "/merge" not in first["content"]


async def test_manager_command_refused_without_permission_and_accepted_from_a_manager(
    fake: FakeDiscordAPI, bot: Bot
) -> None:
    fan = [{"name": "new", "type": 1, "options": [{"name": "kind", "type": 3, "value": "fan"}]}]  # /chat new kind:fan
    with pytest.raises(PermissionError):
        await fake.slash(ALICE, "chat", fan)
    # a server admin may override command permissions in the client: the core still checks
    await fake.slash(ALICE, "chat", fan, bypass_client=True)
    await until(lambda: fake.responses())
    refused = fake.responses()[0]
    assert refused["content"] == "⚠ /chat is for managers only." and refused["flags"] & 64
    assert (
        await bot.app.chats.get("discord", CHANNEL_ID) is None
        or (await bot.app.chats.get("discord", CHANNEL_ID)).kind != "fan"
    )  # type: ignore[union-attr]
    await fake.slash(MIA, "chat", fan)
    await until(lambda: len(fake.responses()) == 2)
    assert fake.responses()[1]["content"] == "This chat is now set up as: fan."
    chat = await bot.app.chats.get("discord", CHANNEL_ID)
    assert chat is not None and chat.kind == "fan"


async def test_plain_channel_message_reaches_the_core(fake: FakeDiscordAPI, bot: Bot) -> None:
    await bot.app.chats.ensure(
        "discord", CHANNEL_ID, title="general", kind="fan", community_id=GUILD_ID, now=bot.app.clock.now()
    )
    await fake.user_says(ALICE, "It would be great if the app had a dark mode")
    await until(lambda: fake.messages)
    msg = fake.messages[0]
    assert msg["content"].startswith("That sounds like an idea, Alice.")
    assert msg["components"][0]["components"][0]["custom_id"].startswith("fl|fb.log|")
    assert msg["message_reference"]["message_id"]


async def test_mass_mentions_in_fan_text_never_ping(fake: FakeDiscordAPI, bot: Bot) -> None:
    await fake.slash(ALICE, "idea", [{"name": "text", "type": 3, "value": "@everyone <b> **hi** @here"}])
    await until(lambda: fake.responses())
    ack = fake.responses()[0]
    assert ack["allowed_mentions"]["parse"] == []
    assert "@\u200beveryone" in ack["content"] and "\\*\\*hi\\*\\*" in ack["content"]


async def test_long_answer_arrives_as_three_valid_messages(fake: FakeDiscordAPI, bot: Bot) -> None:
    await fake.user_says(ALICE, "/long")
    await until(lambda: len(fake.messages) >= 3)
    await until_quiet(bot.adapter)
    assert len(fake.messages) == 3
    assert all(len(m["content"]) <= 2000 for m in fake.messages)
    assert all(m["allowed_mentions"]["parse"] == [] for m in fake.messages)


async def test_rate_limited_channel_send_is_waited_out_and_delivered_once(fake: FakeDiscordAPI, bot: Bot) -> None:
    fake.fail_next("POST /channels/*/messages", 429, retry_after=0.3)
    await fake.user_says(ALICE, "/whoami")
    await until(lambda: fake.messages)
    await until_quiet(bot.adapter)
    assert len(fake.messages) == 1 and "You are member #" in fake.messages[0]["content"]
    posts = [c for c in fake.calls if c.method == "POST" and c.path.startswith("/channels/")]
    assert len(posts) == 2 and posts[1].at - posts[0].at >= 0.3


async def test_button_press_is_routed_to_the_core(fake: FakeDiscordAPI, bot: Bot) -> None:
    await fake.slash(ALICE, "idea", [{"name": "text", "type": 3, "value": "Show battery percentage"}])
    await until(lambda: fake.responses())  # interactions run concurrently: let #1 exist first
    await fake.slash(
        BOB, "feedback", [{"name": "show", "type": 1, "options": [{"name": "number", "type": 4, "value": 1}]}]
    )
    await until(lambda: len(fake.responses()) == 2)
    button = fake.responses()[1]["components"][0]["components"][0]
    assert button["custom_id"] == "fl|fb.vote|1"
    await fake.press(BOB, button["custom_id"], fake.bot_message())
    await until(lambda: len(fake.responses()) == 3)
    assert fake.responses()[2]["content"].startswith("Your vote for **\\#1**")  # "#" escaped: no heading


async def test_slow_interaction_is_deferred_then_followed_up(fake: FakeDiscordAPI, bot: Bot) -> None:
    await fake.slash(ALICE, "slowcmd", [{"name": "n", "type": 4, "value": 3}])
    await until(lambda: len(fake.responses()) == 2)
    defer, follow = fake.responses()
    assert defer["kind"] == "callback" and defer["type"] == 5
    assert follow["kind"] in ("followup", "edit") and follow["content"] == "slow done"


async def test_forbidden_channel_is_marked_unreachable(fake: FakeDiscordAPI, bot: Bot) -> None:
    from bot.adapter import DeliveryError
    from bot.events import ChatRef, Platform

    await bot.app.chats.ensure(
        "discord", CHANNEL_ID, title="general", kind="announcement", community_id=GUILD_ID, now=bot.app.clock.now()
    )
    fake.forbidden_channels.add(CHANNEL_ID)
    with pytest.raises(DeliveryError, match="missing permission"):
        await bot.app.messenger.send(ChatRef(Platform("discord"), CHANNEL_ID), say("hello"))
    chat = await bot.app.chats.get("discord", CHANNEL_ID)
    assert chat is not None and not chat.reachable


class DiesBeforeSending(DiscordAdapter):
    """The process dies once the core has stored the reply, before anything went to Discord."""

    died = asyncio.Event()

    async def _reply_in_channel(self, *args: Any) -> None:
        self.died.set()
        await asyncio.Event().wait()


async def test_a_reply_the_bot_died_before_sending_arrives_after_restart(fake: FakeDiscordAPI, db: Database) -> None:
    clock = ManualClock()
    DiesBeforeSending.died = asyncio.Event()
    first = await start_bot(fake, db, clock, DiesBeforeSending)
    await first.app.chats.ensure(
        "discord", CHANNEL_ID, title="general", kind="fan", community_id=GUILD_ID, now=clock.now()
    )
    await fake.user_says(ALICE, "It would be great if the app had a dark mode")
    await asyncio.wait_for(DiesBeforeSending.died.wait(), 10)
    await first.adapter.senders.close()
    await first.adapter.stop()
    assert fake.messages == []
    clock.advance(REPLY_LEASE + timedelta(seconds=1))  # the dead process stopped renewing its claim
    second = await start_bot(fake, db, clock)
    try:
        assert await second.app.recovery.sweep() == 1
        await until(lambda: fake.messages)
        assert fake.messages[0]["content"].startswith("That sounds like an idea, Alice.")
        assert await second.app.recovery.sweep() == 0
    finally:
        await second.adapter.stop()


class DiesBeforeRecording(DiscordAdapter):
    """Discord accepted the message; the process dies before recording that."""

    died = asyncio.Event()

    async def _report(self, reply_id: int | None, failure: DeliveryError | None = None) -> None:
        self.died.set()
        await asyncio.Event().wait()


async def _kill_and_take_over(fake: FakeDiscordAPI, db: Database, clock: ManualClock, first: Bot) -> None:
    await first.adapter.lanes.close()
    await first.adapter.senders.close()
    await first.adapter.stop()
    clock.advance(REPLY_LEASE + timedelta(seconds=1))  # the dead process stopped renewing its claim
    second = await start_bot(fake, db, clock)
    try:
        assert await second.app.recovery.sweep() == 1
        await until(lambda: any(m["content"].startswith("That sounds like an idea") for m in fake.messages))
        assert await second.app.recovery.sweep() == 0
    finally:
        await second.adapter.stop()


async def test_killed_while_waiting_out_a_429_the_reply_arrives_once(fake: FakeDiscordAPI, db: Database) -> None:
    clock = ManualClock()
    first = await start_bot(fake, db, clock)
    now = clock.now()
    await first.app.chats.ensure("discord", CHANNEL_ID, title="general", kind="fan", community_id=GUILD_ID, now=now)
    fake.fail_next("POST /channels/*/messages", 429, retry_after=30)
    await fake.user_says(ALICE, "It would be great if the app had a dark mode")
    await until(lambda: [c for c in fake.calls if c.method == "POST" and c.path.startswith("/channels/")])
    await _kill_and_take_over(fake, db, clock, first)  # killed mid-wait
    assert len(fake.messages) == 1


async def test_killed_after_discord_accepted_it_is_the_one_documented_duplicate(
    fake: FakeDiscordAPI, db: Database
) -> None:
    clock = ManualClock()
    DiesBeforeRecording.died = asyncio.Event()
    first = await start_bot(fake, db, clock, DiesBeforeRecording)
    now = clock.now()
    await first.app.chats.ensure("discord", CHANNEL_ID, title="general", kind="fan", community_id=GUILD_ID, now=now)
    await fake.user_says(ALICE, "It would be great if the app had a dark mode")
    await asyncio.wait_for(DiesBeforeRecording.died.wait(), 10)
    assert len(fake.messages) == 1
    await _kill_and_take_over(fake, db, clock, first)
    assert len(fake.messages) == 2  # the window between send and record


async def test_messages_posted_while_the_bot_was_down_are_caught_up_once(fake: FakeDiscordAPI, db: Database) -> None:
    first = await start_bot(fake, db)
    seen = await fake.user_says(ALICE, "/idea Dark mode for the gallery app")
    await until(lambda: len(fake.messages) == 1)
    await until_quiet(first.adapter)
    await first.adapter.stop()
    missed = [
        fake.posted_while_offline(BOB, "/idea A quieter notification sound at night"),
        fake.posted_while_offline(ALICE, "/vote 2"),
    ]
    second = await start_bot(fake, db)
    try:
        await until(lambda: second.adapter._catching_up is not None and second.adapter._catching_up.done())
        await until_quiet(second.adapter)
        assert second.adapter._catching_up.result() == 2  # the two missed ones, not the one handled before
        quoted = [str(m.get("message_reference", {}).get("message_id")) for m in fake.messages]
        assert quoted == [seen["id"], missed[0]["id"], missed[1]["id"]]  # each answered once, in order
        assert "Logged your idea as **\\#2**" in fake.messages[1]["content"]
        # a second new session (a reconnect Discord could not resume) reads nothing twice
        second.adapter._start_catch_up()
        assert second.adapter._catching_up is not None
        assert await second.adapter._catching_up == 0
        assert len(fake.messages) == 3
    finally:
        await second.adapter.stop()


async def test_managers_named_by_role_see_manager_commands(fake: FakeDiscordAPI, db: Database) -> None:
    b = await start_bot(fake, db, manager_roles=["Community Team"])
    try:
        assert _cmd(fake, "merge")["default_member_permissions"] is None  # a role can't be a default permission
        await fake.slash(BOB, "audit")  # visible to Bob now, and still refused
        await until(lambda: fake.responses())
        assert "⚠ /audit is for managers only." in fake.responses()[-1]["content"]
    finally:
        await b.adapter.stop()


async def test_a_fan_whose_client_is_chinese_is_answered_in_chinese(fake: FakeDiscordAPI, bot: Bot) -> None:
    idea = _cmd(fake, "idea")
    assert idea["description"] == "Suggest an idea to the team"
    assert idea["description_localizations"]["zh-CN"] == "向团队提建议"  # the menu in the member's language
    [text] = idea["options"]  # options are described in the member's language too
    assert text["description"] == "what you'd like, or what went wrong"
    assert text["description_localizations"]["zh-CN"] == "你的建议，或遇到的问题"
    await fake.slash(ALICE, "idea", [{"name": "text", "type": 3, "value": "相册希望支持深色模式"}], locale="zh-CN")
    await until(lambda: fake.responses())
    assert fake.responses()[-1]["content"].startswith("谢谢 Alice！你的建议已记录为 **\\#1**")
    await fake.slash(BOB, "vote", [{"name": "number", "type": 4, "value": 1}])  # an English client
    await until(lambda: len(fake.responses()) == 2)
    assert fake.responses()[-1]["content"].startswith("Your vote for **\\#1**")
