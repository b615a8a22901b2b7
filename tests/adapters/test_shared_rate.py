"""One rate limit per bot token for every process on a PostgreSQL database: two processes
broadcasting together stay under Telegram's limit instead of each using all of it."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from adapters.telegram import TelegramAdapter
from adapters.telegram.plugin import TelegramSettings
from bot.app import App
from bot.contracts import ANNOUNCER
from bot.gates import SharedGate
from bot.settings import Settings
from storage.db import Database
from storage.repositories.rates import RateRepo
from tests.conftest import pg_database
from tests.fakes.telegram_api import FakeTelegramAPI


def postgres_only(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("one SQLite database serves one process: its pacer is in memory")


async def test_slots_are_shared_and_never_overlap(db: Database) -> None:
    postgres_only(db)
    now = datetime.now(UTC)
    interval = timedelta(milliseconds=50)
    a, b = RateRepo(db), RateRepo(db)  # two processes' views of one database
    slots = await asyncio.gather(*(repo.reserve("telegram:x", interval, now) for repo in [a, b] * 10))
    ordered = sorted(slots)
    assert ordered[0] >= now - timedelta(milliseconds=1)
    assert all(later - earlier == interval for earlier, later in itertools.pairwise(ordered))


class CountingRates(RateRepo):
    """A process's view of the slots that counts its round trips."""

    calls: list[int]

    async def reserve(self, key: str, interval: timedelta, now: datetime, count: int = 1) -> datetime:
        self.calls.append(count)
        return await super().reserve(key, interval, now, count)


async def test_sends_waiting_together_share_one_reservation(db: Database) -> None:
    postgres_only(db)
    repo = CountingRates(db)
    repo.calls = []
    gate = SharedGate(repo, "telegram:batch", rate=200)
    other = RateRepo(db)  # another process takes a slot in between
    started = datetime.now(UTC)
    await asyncio.gather(*(gate.wait() for _ in range(20)), other.reserve("telegram:batch", gate.interval, started))
    assert sum(repo.calls) == 20 and len(repo.calls) <= 2  # one round trip per batch, not per send
    after = await other.reserve("telegram:batch", gate.interval, datetime.now(UTC))
    # 20 + 1 slots taken, none shared: the next free one is at least that far from the start
    assert after - started >= 21 * gate.interval - timedelta(milliseconds=5)


async def test_two_processes_broadcast_together_under_the_limit(db: Database, pg_schema: str) -> None:
    postgres_only(db)
    fake = FakeTelegramAPI()
    await fake.start()
    fake.rate_limit = 10  # messages a second, across all chats
    chats = [str(-3_000_000 - i) for i in range(40)]
    apps: list[App] = []
    try:
        for n in range(2):
            url = db.url
            own = pg_database(url, pg_schema)  # each process its own engine and pool
            app = App(Settings(), db=own)
            section = TelegramSettings(token=fake.token, base_url=fake.base_url, messages_per_second=9.5)  # type: ignore[arg-type]
            adapter = TelegramAdapter(settings=section, clock=app.clock, poll_timeout=1, receive=n == 0)
            app.add_adapter(adapter)
            await app.prepare()
            await adapter.start(app.dispatcher)
            apps.append(app)
        for chat in chats:
            await apps[0].chats.ensure(
                "telegram", chat, title=chat, kind="announcement", community_id=None, now=apps[0].clock.now()
            )
        announcer = apps[0].get(ANNOUNCER)
        assert announcer is not None
        await announcer.announce_now("🚀 3.2.0 is out!", None)
        started = time.monotonic()
        await asyncio.gather(*(app.run_job("announcements") for app in apps))
        seconds = time.monotonic() - started
        per_chat = Counter(m["chat_id"] for m in fake.sent)
        assert sorted(per_chat) == sorted(chats) and set(per_chat.values()) == {1}  # each once, none lost
        assert fake.rate_limited <= 2  # both together kept under the limit
        assert len(chats) / seconds > 0.8 * 9.5  # and used it
    finally:
        for app in apps:
            await app.adapters["telegram"].stop()
            await app.db.dispose()
        await fake.stop()
