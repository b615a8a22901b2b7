"""Replay synthetic chat through the real dispatcher and points service; print JSON per database.

    python bench/points.py [--messages 100000] [--members 5000]

SQLite always (a fresh file); PostgreSQL too when FANLOOP_TEST_DATABASE_URL is set (a throwaway
schema). Messages are varied, some repeat, some are too short; the clock advances so
cooldowns and daily caps apply as in a real community.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from bot.app import App
from bot.clock import ManualClock
from bot.events import Author, ChatRef, IncomingMessage, Platform
from bot.settings import Settings
from storage.db import Database, sqlite_url
from storage.migrate import upgrade
from storage.repositories.points import PointsRepo

WORDS = [
    "camera",
    "battery",
    "update",
    "screen",
    "launcher",
    "theme",
    "gesture",
    "widget",
    "night",
    "photo",
    "video",
    "music",
    "charge",
    "speaker",
    "volume",
    "wallpaper",
    "notch",
    "refresh",
    "smooth",
    "lag",
    "bluetooth",
    "wifi",
    "signal",
    "gallery",
    "keyboard",
]


def corpus(n: int, members: int, seed: int = 7) -> list[tuple[int, str]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        member = rng.randrange(members)
        roll = rng.random()
        if roll < 0.1:
            body = "ok"  # too short
        elif roll < 0.2:
            body = "same old message about the phone again"  # spammy repeat
        else:
            body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 14)))
        out.append((member, body))
    return out


async def run(db: Database, name: str, messages: int, members: int) -> dict[str, object]:
    await upgrade(db)
    clock = ManualClock()
    app = App(Settings(limits={"commands_per_window": 1000}), db=db, clock=clock)  # type: ignore[arg-type]
    chats = [ChatRef(Platform("telegram"), str(-1000 - i), title=f"fans {i}") for i in range(5)]
    latencies = []
    started = time.perf_counter()
    for i, (member, body) in enumerate(corpus(messages, members)):
        clock.advance(timedelta(milliseconds=600))  # 100k messages span ~17 hours
        author = Author(Platform("telegram"), str(10_000 + member), f"fan{member}")
        event = IncomingMessage(chats[member % 5], author, str(i), body, clock.now())
        t0 = time.perf_counter()
        await app.dispatcher.handle(event)
        latencies.append((time.perf_counter() - t0) * 1000)
    elapsed = time.perf_counter() - started
    ledger = await PointsRepo(app.db).ledger_count()
    verified = await PointsRepo(app.db).mismatches() == []
    latencies.sort()
    return {
        "database": name,
        "messages": messages,
        "members": members,
        "messages_per_second": round(messages / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 3),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 3),
        "ledger_rows": ledger,
        "verified": verified,
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=5_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(sqlite_url(Path(tmp)))
        try:
            print(json.dumps(await run(db, "sqlite", args.messages, args.members)), flush=True)
        finally:
            await db.dispose()
    url = os.environ.get("FANLOOP_TEST_DATABASE_URL")
    if url:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = Database(url)
        async with admin.engine.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        db = Database(url, connect_args={"server_settings": {"search_path": schema}})
        try:
            print(json.dumps(await run(db, "postgresql", args.messages, args.members)), flush=True)
        finally:
            await db.dispose()
            async with admin.engine.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            await admin.dispose()


if __name__ == "__main__":
    asyncio.run(main())
