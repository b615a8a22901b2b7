"""Replies survive the bot being killed at every step of sending them (the real adapter against
the fake Bot API). The process "dies" where the test says; a second process on the same database
takes its replies over once their lease has run out. The one duplicate allowed is the documented
window: Telegram accepted the message and the process died before recording that."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from adapters.telegram import TelegramAdapter
from adapters.telegram.plugin import TelegramSettings
from bot.adapter import DeliveryError
from bot.app import App
from bot.clock import ManualClock
from bot.events import Event
from bot.replies import Reply
from bot.settings import Settings
from storage.db import Database
from storage.repositories.replies import REPLY_LEASE, ReplyRepo
from tests.adapters.waits import until
from tests.fakes.telegram_api import GROUP, HANG_UP, FakeTelegramAPI, user

ALICE = user(42, "Alice")
SETTINGS = Settings(limits={"commands_per_window": 1000})  # type: ignore[arg-type]


class DiesBeforeSending(TelegramAdapter):
    """The process dies after the core stored the reply, before anything went to Telegram."""

    async def _answer(self, event: Event, reply: Reply, reply_id: int | None) -> None:
        self.died.set()
        await asyncio.Event().wait()

    died = asyncio.Event()


class DiesBeforeRecording(TelegramAdapter):
    """Telegram accepted the message; the process dies before recording that."""

    async def _report(self, reply_id: int | None, failure: DeliveryError | None = None) -> None:
        self.died.set()
        await asyncio.Event().wait()

    died = asyncio.Event()


async def start(
    fake: FakeTelegramAPI, db: Database, clock: ManualClock, cls: type[TelegramAdapter] = TelegramAdapter, **kw: Any
) -> tuple[App, TelegramAdapter]:
    app = App(SETTINGS, db=db, clock=clock)
    section = TelegramSettings(token=fake.token, base_url=fake.base_url)  # type: ignore[arg-type]
    adapter = cls(settings=section, clock=clock, poll_timeout=1, retry_delay=0.05, **kw)
    app.add_adapter(adapter)
    await app.prepare()
    await adapter.start(app.dispatcher)
    return app, adapter


async def kill(adapter: TelegramAdapter) -> None:
    """Everything this process was doing stops where it is; nothing is recorded on the way out."""
    assert adapter._task is not None
    adapter._task.cancel()
    await adapter.senders.close()
    await adapter.stop()


async def until_recorded(db: Database, expected: dict[str, int], wait: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + wait
    while (counts := await ReplyRepo(db).counts()) != expected:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"outbox is {counts}, expected {expected}")
        await asyncio.sleep(0.02)


def replies_to(fake: FakeTelegramAPI, text: str) -> list[dict[str, Any]]:
    return [m for m in fake.sent if m["chat_id"] == str(GROUP["id"]) and text in m["visible"]]


async def restart_and_take_over(fake: FakeTelegramAPI, db: Database, clock: ManualClock) -> App:
    clock.advance(REPLY_LEASE + timedelta(seconds=1))  # the dead process stopped renewing its claim
    app, adapter = await start(fake, db, clock)
    assert await app.recovery.sweep() == 1
    await adapter.stop()
    return app


async def test_killed_before_sending_the_reply_arrives_once_after_restart(fake: FakeTelegramAPI, db: Database) -> None:
    clock = ManualClock()
    DiesBeforeSending.died = asyncio.Event()
    _, first = await start(fake, db, clock, DiesBeforeSending)
    fake.push_message("/idea Dark mode for the settings app", sender=ALICE)
    await asyncio.wait_for(DiesBeforeSending.died.wait(), 10)
    await kill(first)
    assert replies_to(fake, "Logged your idea as #1") == []
    app = await restart_and_take_over(fake, db, clock)
    assert len(replies_to(fake, "Logged your idea as #1")) == 1
    assert await ReplyRepo(app.db).counts() == {}  # sent replies leave the outbox
    assert await app.recovery.sweep() == 0  # and nothing is sent twice


async def test_killed_while_waiting_out_a_429_the_reply_arrives_once(fake: FakeTelegramAPI, db: Database) -> None:
    clock = ManualClock()
    _, first = await start(fake, db, clock)
    for _ in range(4):  # more than the rate limiter retries: it waits in our delivery loop too
        fake.fail_next("sendMessage", 429, retry_after=30)
    fake.push_message("/idea Battery percentage in the status bar", sender=ALICE)
    await until(lambda: len(fake.calls_to("sendMessage")) >= 1)
    await kill(first)  # mid-wait
    assert replies_to(fake, "Logged your idea as #1") == []
    fake.faults.clear()
    await restart_and_take_over(fake, db, clock)
    assert len(replies_to(fake, "Logged your idea as #1")) == 1


async def test_killed_after_telegram_accepted_it_is_the_one_documented_duplicate(
    fake: FakeTelegramAPI, db: Database
) -> None:
    clock = ManualClock()
    DiesBeforeRecording.died = asyncio.Event()
    _, first = await start(fake, db, clock, DiesBeforeRecording)
    fake.push_message("/idea Swipe to reply", sender=ALICE)
    await asyncio.wait_for(DiesBeforeRecording.died.wait(), 10)
    await kill(first)
    assert len(replies_to(fake, "Logged your idea as #1")) == 1
    await restart_and_take_over(fake, db, clock)
    assert len(replies_to(fake, "Logged your idea as #1")) == 2  # the window between send and record


async def test_a_send_whose_answer_never_came_is_not_sent_again(fake: FakeTelegramAPI, db: Database) -> None:
    clock = ManualClock()
    app, adapter = await start(fake, db, clock, send_timeout=0.5)
    fake.answer_slowly("sendMessage", 2.0)  # Telegram has it; the answer comes after we gave up
    fake.push_message("/idea Bigger clock on the lock screen", sender=ALICE)
    await until(lambda: replies_to(fake, "Logged your idea as #1"))
    await until_recorded(db, {"unknown": 1})
    clock.advance(REPLY_LEASE + timedelta(seconds=1))
    assert await app.recovery.sweep() == 0
    await adapter.stop()
    assert len(replies_to(fake, "Logged your idea as #1")) == 1


async def test_a_send_whose_connection_dropped_after_telegram_took_it_is_not_sent_again(
    fake: FakeTelegramAPI, db: Database
) -> None:
    clock = ManualClock()
    app, adapter = await start(fake, db, clock)
    fake.answer_slowly("sendMessage", HANG_UP)  # Telegram has it; the connection drops unanswered
    fake.push_message("/idea Lock screen shortcuts", sender=ALICE)
    await until(lambda: replies_to(fake, "Logged your idea as #1"))
    await until_recorded(db, {"unknown": 1})
    clock.advance(REPLY_LEASE + timedelta(seconds=1))
    assert await app.recovery.sweep() == 0
    fake.push_message("/help", sender=ALICE)  # the next send works on a new connection
    await until(lambda: len(fake.calls_to("sendMessage")) == 2)
    await adapter.stop()
    assert len(replies_to(fake, "Logged your idea as #1")) == 1
