"""The dispatcher on both databases: once-only handling, roles, usage errors, crashes."""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime, timedelta

import pytest

from bot.app import App
from bot.clock import ManualClock
from bot.commands import CommandSpec, Role
from bot.context import CommandContext
from bot.events import Author, ChatRef, IncomingMessage, Platform
from bot.features import DEFAULT_FEATURES
from bot.replies import say
from bot.settings import Settings
from storage.db import Database
from storage.repositories.audit import AuditRepo
from storage.repositories.feedback import FeedbackRepo
from tests.conftest import ConsoleHarness, HarnessFactory, with_commands

CHAT = ChatRef(Platform("telegram"), "-100123", title="Fans")
ALICE = Author(Platform("telegram"), "42", "Alice", username="alice")


def _msg(message_id: str, text: str, author: Author = ALICE) -> IncomingMessage:
    return IncomingMessage(CHAT, author, message_id, text, datetime(2026, 1, 5, tzinfo=UTC))


async def test_manager_sees_more_commands_than_a_fan(harness: ConsoleHarness) -> None:
    fan = await harness.say("alice: /help")
    manager = await harness.say("mia@manager: /help")
    assert any("/whoami" in line for line in fan)
    assert not any("/chat" in line for line in fan)
    assert any("/chat" in line for line in manager)
    assert len(manager) > len(fan)


async def test_fan_is_denied_a_manager_command(harness: ConsoleHarness) -> None:
    out = await harness.say("alice: /chat announcement")
    assert out == ["bot> ⚠ /chat is for managers only."]
    assert (await harness.app.chats.get("console", "fans")).kind == "fan"  # type: ignore[union-attr]
    assert await AuditRepo(harness.app.db).recent() == []


async def test_config_allowlist_makes_a_manager(harness: ConsoleHarness) -> None:
    out = await harness.say("root: /chat announcement")
    assert out == ["bot> This chat is now set up as: announcement."]
    audit = await AuditRepo(harness.app.db).recent()
    assert [(a.actor, a.action, a.args) for a in audit] == [("console:root", "chat.kind", {"kind": "announcement"})]


async def test_bad_arguments_are_answered_with_usage(harness: ConsoleHarness) -> None:
    out = await harness.say("mia@manager: /chat party")
    usage = "Usage: /chat [fan|announcement|manager|other]"
    assert out == [f"bot> ⚠ Choose one of fan, announcement, manager, other (what this chat is for). {usage}"]
    out = await harness.say("mia@manager: /chat fan extra")
    assert "Too many arguments" in out[0]


async def test_unknown_command(harness: ConsoleHarness) -> None:
    assert await harness.say("alice: /frobnicate") == ["bot> ⚠ Unknown command /frobnicate. Try /help."]


async def test_crashing_handler_gets_an_error_id_and_the_bot_goes_on(
    make_harness: HarnessFactory, caplog: pytest.LogCaptureFixture
) -> None:
    async def boom(ctx: CommandContext) -> None:
        raise RuntimeError("kaboom")

    harness = await make_harness(features=[with_commands(CommandSpec("boom", "Crash", boom))])
    with caplog.at_level(logging.ERROR):
        out = await harness.say("alice: /boom", "alice: /whoami")
    assert out[0].startswith("bot> ⚠ Sorry, something went wrong on my side (error ")
    error_id = out[0].split("(error ")[1][:6]
    assert "kaboom" not in out[0] and "Traceback" not in harness.output()
    assert out[1].startswith("bot> @alice: You are member #")
    assert any(getattr(r, "error_id", None) == error_id and r.exc_info for r in caplog.records)


async def test_commands_are_rate_limited_with_an_answer(make_harness: HarnessFactory) -> None:
    harness = await make_harness(settings=Settings(limits={"commands_per_window": 6}))  # type: ignore[arg-type]
    out = await harness.say(*["alice: /whoami"] * 7)
    assert len(out) == 7
    assert out[-1] == "bot> @alice: ⚠ Slow down a little: that command was not run. Send it again in 20 s."
    assert (await harness.say("bob: /whoami"))[0].startswith("bot> @bob: You are member")  # per member
    harness.app.clock.advance(21)  # type: ignore[attr-defined]
    assert (await harness.say("alice: /whoami"))[0].startswith("bot> @alice: You are member")


async def test_managers_triaging_have_their_own_higher_limit(make_harness: HarnessFactory) -> None:
    limits = {"commands_per_window": 6, "staff_commands_per_window": 30}
    harness = await make_harness(settings=Settings(limits=limits))  # type: ignore[arg-type]
    await harness.say("alice: /idea Dark mode for the gallery app please")
    triage = await harness.say(*["mia@manager: /feedback show 1"] * 20)
    assert not any("Slow down" in line for line in triage)  # 20 in a row: fine for a manager
    over = await harness.say(*["mia@manager: /feedback show 1"] * 11)
    assert over[-1].endswith("⚠ Slow down a little: that command was not run. Send it again in 20 s.")


async def test_same_message_id_is_handled_once_even_after_a_restart(db: Database, clock: ManualClock) -> None:
    calls: list[str] = []

    async def count(ctx: CommandContext) -> object:
        calls.append(ctx.event.message_id)
        return say("counted")

    def make_app() -> App:
        return App(
            Settings(),
            clock=clock,
            db=db,
            features=[*DEFAULT_FEATURES, with_commands(CommandSpec("count", "Count", count))],
        )

    first = make_app()
    await first.prepare()
    r1 = await first.dispatcher.handle(_msg("7", "/count"))
    r2 = await first.dispatcher.handle(_msg("7", "/count"))
    assert (r1.outcome, r2.outcome) == ("handled", "duplicate")
    assert [r.plain() for r in r1.replies] == ["counted"] and r2.replies == ()

    restarted = make_app()  # same database, new process
    r3 = await restarted.dispatcher.handle(_msg("7", "/count"))
    assert r3.outcome == "duplicate"
    r4 = await restarted.dispatcher.handle(_msg("8", "/count"))
    assert r4.outcome == "handled"
    assert calls == ["7", "8"]


async def test_claim_of_a_crashed_worker_is_taken_over_after_the_lease(db: Database, clock: ManualClock) -> None:
    app = App(Settings(), clock=clock, db=db)
    await app.prepare()
    # a worker that crashed mid-handler left its claim behind
    await app.events.claim("telegram", CHAT.chat_id, "9", "dead-worker", clock.now(), timedelta(seconds=60))
    busy = await app.dispatcher.handle(_msg("9", "/whoami"))
    assert busy.outcome == "busy" and not busy.may_acknowledge
    clock.advance(61)
    taken = await app.dispatcher.handle(_msg("9", "/whoami"))
    assert taken.outcome == "handled" and taken.replies


async def test_shutdown_refuses_new_events_without_acknowledging(db: Database, clock: ManualClock) -> None:
    app = App(Settings(), clock=clock, db=db)
    await app.prepare()
    await app.dispatcher.drain(1)
    result = await app.dispatcher.handle(_msg("10", "/whoami"))
    assert result.outcome == "busy"
    fresh = App(Settings(), clock=clock, db=db)
    assert (await fresh.dispatcher.handle(_msg("10", "/whoami"))).outcome == "handled"


async def test_console_role_from_transcript_sticks(harness: ConsoleHarness) -> None:
    await harness.say("mia@manager: hello")
    out = await harness.say("mia: /chat")
    assert out == ["bot> This chat is set up as: fan."]


async def test_console_output_format_for_direct_messages(db: Database, clock: ManualClock) -> None:
    from adapters.console import ConsoleAdapter

    out = io.StringIO()
    app = App(Settings(), clock=clock, db=db)
    app.add_adapter(
        ConsoleAdapter(
            stdin=io.StringIO("alice: /whoami\n\n# comment\nbob: hi\n"),
            stdout=out,
            transcript=True,
            clock=clock,
        )
    )
    await app.prepare()
    await app.run()
    assert out.getvalue().splitlines() == ["bot> @alice: You are member #1 (fan); identities: console:alice."]


def test_role_order() -> None:
    assert Role.FAN < Role.MODERATOR < Role.MANAGER < Role.ADMIN


async def test_text_a_database_cannot_store_is_cleaned_at_the_boundary(harness: ConsoleHarness) -> None:
    app = harness.app
    chat = ChatRef(Platform("telegram"), "-100777", title="Fans\x00")
    fan = Author(Platform("telegram"), "555", "Nul\x00 Fan", username="nul\x00fan")
    text = "/idea Dark\x00 mode with a lone \ud800 surrogate"
    result = await app.dispatcher.handle(IncomingMessage(chat, fan, "1", text, app.clock.now()))
    assert result.outcome == "handled"
    assert result.replies[0].plain().startswith("Thanks Nul Fan! Logged your idea as #1")
    item = await FeedbackRepo(app.db).get(1)
    assert item is not None and item.text == "Dark mode with a lone ? surrogate"
    member = await app.members.find("telegram", user_id="555")
    assert member is not None and member.display_name == "Nul Fan"
