"""Three fanloop processes on one PostgreSQL database, as a community at scale deploys them:
Telegram, Discord shards 0-1 and Discord shards 2-3 of 4, against the fakes of both platforms.

They start together on a fresh database (migrations under an advisory lock), each handles the
events of its own platform or shards exactly once, and one broadcast scheduled in Telegram goes
out once to each announcement chat, by the process serving that chat's platform."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text

from storage.db import Database
from tests.adapters.test_telegram_e2e import ALICE, MIA
from tests.adapters.waits import until
from tests.fakes.discord_api import CHANNEL_ID, GUILD_ID, FakeDiscordAPI
from tests.fakes.telegram_api import GROUP, FakeTelegramAPI

pytestmark = pytest.mark.postgres

REPO = Path(__file__).resolve().parents[2]
GUILD_2, CHANNEL_2 = str((2 << 22) | 7), str((2 << 22) | 70)  # a guild on shard 2 of 4
DISCORD_MIA, DISCORD_ALICE, DISCORD_BOB = "4003", "4001", "4002"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Process:
    def __init__(self, name: str, args: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.args, self.env, self.log = name, args, env, log
        self.port = free_port()
        self.proc: asyncio.subprocess.Process | None = None
        self.worker = ""

    async def start(self) -> None:
        env = {**self.env, "FANLOOP_HTTP_LISTEN": f"127.0.0.1:{self.port}"}
        with self.log.open("wb") as out:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", *self.args,
                cwd=REPO, env=env, stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out,
            )  # fmt: skip

    async def health(self) -> dict[str, Any] | None:
        try:
            async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{self.port}/healthz") as r:
                report: dict[str, Any] = json.loads(await r.text())
                return report
        except (aiohttp.ClientError, json.JSONDecodeError):
            assert self.proc is not None and self.proc.returncode is None, self.log.read_text()
            return None

    async def stop(self) -> int:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.proc.wait(), 60)


@pytest.fixture
async def fakes() -> AsyncIterator[tuple[FakeTelegramAPI, FakeDiscordAPI]]:
    telegram, discord = FakeTelegramAPI(), FakeDiscordAPI()
    await telegram.start()
    await discord.start()
    discord.add_guild(GUILD_2, CHANNEL_2, "Acme fans (CN)")
    yield telegram, discord
    await discord.stop()
    await telegram.stop()


async def test_three_processes_share_one_database(
    fakes: tuple[FakeTelegramAPI, FakeDiscordAPI],
    new_pg_database: Callable[[str], Awaitable[str]],
    tmp_path: Path,
) -> None:
    telegram, discord = fakes
    url = await new_pg_database("three")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FANLOOP_")} | {
        "FANLOOP_DATABASE_URL": url,
        "FANLOOP_TELEGRAM_TOKEN": telegram.token,
        "FANLOOP_TELEGRAM_BASE_URL": telegram.base_url,
        "FANLOOP_DISCORD_TOKEN": "fake-token",
        "FANLOOP_DISCORD_API_BASE": discord.api_base,
        "FANLOOP_DISCORD_GATEWAY_URL": discord.gateway_url,
        "FANLOOP_DISCORD_GUILD_IDS": f"{GUILD_ID},{GUILD_2}",
        "FANLOOP_ROLES_MANAGERS": f"telegram:{MIA['id']},discord:{DISCORD_MIA}",
        "FANLOOP_LIMITS_COMMANDS_PER_WINDOW": "1000",
    }
    procs = [
        Process("telegram", ["--adapters", "telegram"], env, tmp_path / "telegram.log"),
        Process(
            "discord 0-1", ["--adapters", "discord", "--shards", "0-1", "--shard-count", "4"], env, tmp_path / "d01.log"
        ),
        Process(
            "discord 2-3", ["--adapters", "discord", "--shards", "2-3", "--shard-count", "4"], env, tmp_path / "d23.log"
        ),
    ]
    # all three at once on a fresh database: the migrations' advisory lock lets every one come up
    await asyncio.gather(*(p.start() for p in procs))
    try:
        for p in procs:
            report = await until_healthy(p)
            p.worker = report["worker"]
        assert sorted((shard, count) for _, shard, count in discord.sessions) == [(0, 4), (1, 4), (2, 4), (3, 4)]

        # managers make one announcement chat on each platform / shard
        telegram.push_message("/chat announcement", sender=MIA)
        await discord.user_says(DISCORD_MIA, "/chat announcement", guild_id=GUILD_ID)
        await discord.user_says(DISCORD_MIA, "/chat announcement", guild_id=GUILD_2)
        # fans log ideas everywhere
        tg_idea = telegram.push_message("/idea Dark mode for the gallery app", sender=ALICE)
        g1_idea = await discord.user_says(DISCORD_ALICE, "/idea Dual SIM settings per app", guild_id=GUILD_ID)
        g2_idea = await discord.user_says(DISCORD_BOB, "/idea 希望相册支持深色模式", guild_id=GUILD_2)
        await until(lambda: len(replies_to(telegram, discord)) >= 6, wait=30)

        telegram.push_message("/announce at in 3s to all Version 2.0 is out, thank you all!", sender=MIA)
        try:
            await until(lambda: len(broadcasts(telegram, discord)) >= 3, wait=45)
        except AssertionError:
            raise AssertionError(
                f"broadcast not delivered: {telegram.texts()[-3:]} {discord.contents()[-3:]}"
            ) from None
        await until_queues_empty(procs[0])

        answered = replies_to(telegram, discord)
        assert sorted(answered.values()) == [1] * len(answered) and len(answered) >= 7  # one reply each
        assert answered[("telegram", str(tg_idea["message"]["message_id"]))] == 1
        assert answered[("discord", g1_idea["id"])] == 1 and answered[("discord", g2_idea["id"])] == 1
        assert sorted(broadcasts(telegram, discord)) == sorted(
            [("telegram", str(GROUP["id"])), ("discord", CHANNEL_ID), ("discord", CHANNEL_2)]
        )

        db = Database(url)
        try:
            handled = await rows(db, "SELECT platform, chat_id, claimed_by, status FROM processed_events")
            delivered = await rows(db, "SELECT platform, chat_id, claimed_by, status FROM announcement_deliveries")
            ideas = await rows(db, "SELECT count(*) FROM feedback")
        finally:
            await db.dispose()
        by_chat = {
            ("telegram", str(GROUP["id"])): procs[0],
            ("discord", CHANNEL_ID): procs[1],
            ("discord", CHANNEL_2): procs[2],
        }
        assert ideas == [(3,)]
        for platform, chat_id, worker, status in handled:  # each chat's events by the process serving it
            assert (status, worker) == ("done", by_chat[(platform, chat_id)].worker)
        assert len(delivered) == 3
        for platform, _, claim, status in delivered:  # by a process serving the platform (REST reaches any guild)
            senders = [p.worker for p in procs if p.name.startswith(platform)]
            assert status == "sent" and claim.split(":")[0] in senders
        summary = {p.name: sum(1 for *_, w, _ in handled if w == p.worker) for p in procs}
        print(f"\nthree processes on one PostgreSQL: events handled {summary}, "
              f"broadcast deliveries {len(delivered)} (one per chat), ideas {ideas[0][0]}")  # fmt: skip
    finally:
        codes = [await p.stop() for p in procs]
    assert codes == [0, 0, 0], [p.log.read_text()[-2000:] for p in procs]


async def until_healthy(p: Process) -> dict[str, Any]:
    async def check() -> dict[str, Any]:
        while True:
            report = await p.health()
            if report is not None and report["status"] == "ok":
                return report
            await asyncio.sleep(0.2)

    try:
        return await asyncio.wait_for(check(), 60)
    except TimeoutError:
        raise AssertionError(f"{p.name} never became healthy:\n{p.log.read_text()[-3000:]}") from None


async def until_queues_empty(p: Process) -> None:
    async def check() -> None:
        while True:
            report = await p.health()
            if report is not None and all(q["pending"] == 0 for q in report["queues"].values()):
                return
            await asyncio.sleep(0.2)

    await asyncio.wait_for(check(), 30)


def replies_to(telegram: FakeTelegramAPI, discord: FakeDiscordAPI) -> dict[tuple[str, str], int]:
    """How many bot messages answer each fan message, per platform."""
    counts: dict[tuple[str, str], int] = {}
    for m in telegram.sent:
        quoted = (m.get("reply_parameters") or {}).get("message_id")
        if quoted is not None and not m.get("edited"):
            counts[("telegram", str(quoted))] = counts.get(("telegram", str(quoted)), 0) + 1
    for m in discord.messages:
        quoted = (m.get("message_reference") or {}).get("message_id")
        if quoted is not None and not m.get("edited"):
            counts[("discord", str(quoted))] = counts.get(("discord", str(quoted)), 0) + 1
    return counts


def broadcasts(telegram: FakeTelegramAPI, discord: FakeDiscordAPI) -> list[tuple[str, str]]:
    out = [("telegram", str(m["chat_id"])) for m in telegram.sent if "Version 2.0 is out" in m["text"]]
    out += [
        ("discord", str(m["channel_id"])) for m in discord.messages if "Version 2.0 is out" in (m.get("content") or "")
    ]
    return out


async def rows(db: Database, query: str) -> list[tuple[Any, ...]]:
    async with db.engine.connect() as conn:
        return [tuple(r) for r in (await conn.execute(text(query))).all()]
