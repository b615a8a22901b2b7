"""Fan messages through the real Telegram adapter, against the tests' fake Bot API in a process of
its own; the same run measures a bare python-telegram-bot Application on the same fake. Prints JSON.

    python bench/pipeline.py [--messages 5000] [--rate 500] [--seconds 10] [--grown] [--postgres URL]

The mix is a busy community's: 70% chatter, 15% questions (FAQ paraphrases and off-topic ones),
10% /idea, 5% other commands, from 2,000 members in 200 fan channels. ``messages_per_s`` is a
backlog of ``--messages`` handled as fast as the bot can (every update confirmed to Telegram);
``latency`` is update queued → reply sent while updates arrive at ``--rate`` a second. Replies are
paced at 1,000/s (Telegram's paid-broadcast ceiling) so the platform limit is not what is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.seed import FAQ, grow, pg_execute

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:TEST-TOKEN"
CHATS = [-1_000_000_000_000 - i for i in range(200)]
MEMBERS = 2000
CHATTER = "camera battery update screen launcher theme gesture widget night photo video music charge speaker".split()
IDEAS = ["dark mode for", "a shortcut to", "bigger icons in", "an option to hide", "faster animations in"]
PLACES = ["the settings app", "the gallery", "the camera", "the launcher", "notifications", "the lock screen"]
OFF_TOPIC = ["what's everyone having for lunch?", "is it raining where you are?", "who won the match yesterday?"]
COMMANDS = ["/help", "/rank", "/feedback top", "/leaderboard week", "/faq search battery"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def mix(n: int, start_id: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        uid = rng.randrange(MEMBERS) + 1
        roll = rng.random()
        if roll < 0.70:
            text = " ".join(rng.choice(CHATTER) for _ in range(rng.randint(3, 16)))
        elif roll < 0.85:
            text = rng.choice(FAQ)[2] if rng.random() < 0.7 else rng.choice(OFF_TOPIC)
        elif roll < 0.95:
            text = f"/idea {rng.choice(IDEAS)} {rng.choice(PLACES)} {rng.randrange(1000)}"
        else:
            text = rng.choice(COMMANDS)
        message: dict[str, Any] = {
            "message_id": start_id + i,
            "date": int(time.time()),
            "chat": {"id": rng.choice(CHATS), "type": "supergroup", "title": "fans"},
            "from": {"id": 10_000 + uid, "is_bot": False, "first_name": f"Fan{uid}", "username": f"fan{uid}"},
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split(" ")[0])}]
        out.append(message)
    return out


class Fake:
    def __init__(self) -> None:
        self.port, self.control = free_port(), free_port()
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "fake_telegram.py"), str(self.port), str(self.control)],
            stdout=subprocess.PIPE,
        )
        assert self.proc.stdout is not None
        self.proc.stdout.readline()  # "ready"
        self.http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{self.control}", timeout=60)
        self.base_url = f"http://127.0.0.1:{self.port}/bot"

    async def push(self, messages: list[dict[str, Any]]) -> int:
        r = await self.http.post("/push", json={"messages": messages})
        return int(r.json()["last_update_id"])

    async def stats(self, latencies: bool = False) -> dict[str, Any]:
        return dict((await self.http.get("/stats", params={"latencies": "1"} if latencies else None)).json())

    async def until_confirmed(self, last_id: int, limit: float = 600) -> None:
        deadline = time.monotonic() + limit
        while (await self.stats())["confirmed"] <= last_id:
            if time.monotonic() > deadline:
                raise TimeoutError("the bot did not handle every update in time")
            await asyncio.sleep(0.05)

    async def until_replies_settle(self, limit: float = 120) -> None:
        """Until no reply has been sent for half a second (the send lanes are empty)."""
        deadline = time.monotonic() + limit
        last, since = -1, time.monotonic()
        while time.monotonic() - since < 0.5:
            sent = (await self.stats())["sent"]
            if sent != last:
                last, since = sent, time.monotonic()
            if time.monotonic() > deadline:
                raise TimeoutError("replies kept coming")
            await asyncio.sleep(0.1)

    async def close(self) -> None:
        await self.http.aclose()
        self.proc.terminate()
        self.proc.wait()


async def measure(fake: Fake, messages: int, rate: int, seconds: float, next_id: int) -> tuple[dict[str, Any], int]:
    """Backlog throughput, then latency at a steady rate."""
    batch = mix(messages, next_id, seed=1)
    started = time.monotonic()
    last = await fake.push(batch)
    await fake.until_confirmed(last)
    throughput = messages / (time.monotonic() - started)
    next_id += messages
    await fake.until_replies_settle()
    await fake.stats(latencies=True)  # drop the backlog's latencies
    steady = mix(int(rate * seconds), next_id, seed=2)
    tick, per_tick = 0.02, max(1, int(rate * 0.02))
    began = time.monotonic()
    for i in range(0, len(steady), per_tick):
        last = await fake.push(steady[i : i + per_tick])
        await asyncio.sleep(max(0.0, began + (i // per_tick + 1) * tick - time.monotonic()))
    await fake.until_confirmed(last)
    await fake.until_replies_settle()  # replies still in their send lanes
    latencies = sorted((await fake.stats(latencies=True))["latencies"])
    next_id += len(steady)
    result = {"messages_per_s": round(throughput, 1)}
    if latencies:
        result |= {
            "latency_p50_ms": round(1000 * statistics.median(latencies), 1),
            "latency_p99_ms": round(1000 * latencies[int(len(latencies) * 0.99) - 1], 1),
            "replies_measured": len(latencies),
        }
    return result, next_id


async def bare(fake: Fake, messages: int, rate: int, seconds: float) -> dict[str, Any]:
    from telegram import Update
    from telegram.ext import Application, ContextTypes, MessageHandler, filters

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        msg = update.effective_message
        if msg is not None and msg.text and msg.text.startswith("/"):
            await msg.reply_text("ok")

    app = Application.builder().token(TOKEN).base_url(fake.base_url).build()
    app.add_handler(MessageHandler(filters.ALL, answer))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(timeout=1, poll_interval=0)
    try:
        result, _ = await measure(fake, messages, rate, seconds, 1)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    return result


async def fanloop(fake: Fake, url: str, messages: int, rate: int, seconds: float, grown: bool) -> dict[str, Any]:
    from adapters.telegram import TelegramAdapter
    from adapters.telegram.plugin import TelegramSettings
    from bot.app import App
    from bot.settings import Settings
    from storage.db import Database

    settings = Settings(limits={"commands_per_window": 1000})  # type: ignore[arg-type]
    seeding = Database(url, connect_args=_schema_args(url))
    first = App(settings, db=seeding)
    await first.prepare()
    seeded = await grow(first, CHATS, grown)
    await first.llm.aclose()
    await seeding.dispose()
    # start-up as after a restart: migrations checked, the FAQ index built, the adapter connected
    started = time.monotonic()
    db = Database(url, connect_args=_schema_args(url))
    app = App(settings, db=db)
    section = TelegramSettings(token=TOKEN, base_url=fake.base_url, messages_per_second=1000)  # type: ignore[arg-type]
    adapter = TelegramAdapter(settings=section, clock=app.clock, poll_timeout=1)
    app.add_adapter(adapter)
    await app.prepare()
    await adapter.start(app.dispatcher)
    startup = time.monotonic() - started
    try:
        result, _ = await measure(fake, messages, rate, seconds, 10_000_000)
    finally:
        await adapter.stop()
        await app.dispatcher.drain(5)
        await db.dispose()
    return result | {"seeded": seeded, "startup_s": round(startup, 2)}


def _schema_args(url: str) -> dict[str, Any] | None:
    if not url.startswith("postgres"):
        return None
    return {"server_settings": {"search_path": os.environ["FANLOOP_BENCH_SCHEMA"]}}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--grown", action="store_true", help="50k members, 100k ledger rows, 20k items, 5k FAQ")
    parser.add_argument("--postgres", default=os.environ.get("FANLOOP_TEST_DATABASE_URL"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    report: dict[str, Any] = {"messages": args.messages, "rate": args.rate, "grown": args.grown}
    fake = Fake()
    try:
        report["bare_ptb"] = await bare(fake, args.messages, args.rate, args.seconds)
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
            report["sqlite"] = await fanloop(fake, url, args.messages, args.rate, args.seconds, args.grown)
        if args.postgres:
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            os.environ["FANLOOP_BENCH_SCHEMA"] = schema
            await pg_execute(args.postgres, f'CREATE SCHEMA "{schema}"')
            try:
                report["postgres"] = await fanloop(
                    fake, args.postgres, args.messages, args.rate, args.seconds, args.grown
                )
            finally:
                await pg_execute(args.postgres, f'DROP SCHEMA "{schema}" CASCADE')
    finally:
        await fake.close()
    base = report["bare_ptb"]["messages_per_s"]
    for name in ("sqlite", "postgres"):
        if name in report:
            report[name]["ratio_to_bare"] = round(report[name]["messages_per_s"] / base, 3)
    print(json.dumps(report))


if __name__ == "__main__":
    asyncio.run(main())
