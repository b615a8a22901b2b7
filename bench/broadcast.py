"""One announcement to many chats through the real Telegram adapter, against the local fake Bot
API enforcing a rate (Telegram's ~30 messages/s by default; 429 with retry_after beyond it).
Prints one JSON object: time to the first send, the rate reached as a share of the allowed one,
messages lost and duplicated, 429s.

    python bench/broadcast.py [--chats 2000] [--rate 30] [--instances 2 --postgres URL]

``--instances 2`` runs two fanloop instances (each its own engine, pool and adapter, in this one
process) on one PostgreSQL, both delivering the same broadcast: they share the bot's rate.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from adapters.telegram import TelegramAdapter
from adapters.telegram.plugin import TelegramSettings
from bench.seed import pg_execute
from bot.app import App
from bot.contracts import ANNOUNCER
from bot.settings import Settings
from storage.db import Database, sqlite_url
from tests.fakes.telegram_api import FakeTelegramAPI


async def run(chats: int, rate: int, instances: int, url: str) -> dict[str, object]:
    fake = FakeTelegramAPI()
    await fake.start()
    fake.rate_limit = rate
    apps: list[App] = []
    try:
        for n in range(instances):
            db = Database(url, connect_args={"server_settings": {"search_path": SCHEMA}} if SCHEMA else None)
            pace = rate - 0.5  # the bot's own ceiling just under the fake's limit
            section = TelegramSettings(token=fake.token, base_url=fake.base_url, messages_per_second=pace)  # type: ignore[arg-type]
            app = App(Settings(), db=db)
            # one instance polls the token; the others are send-only workers (Telegram allows one poller)
            adapter = TelegramAdapter(settings=section, clock=app.clock, poll_timeout=1, receive=n == 0)
            app.add_adapter(adapter)
            await app.prepare()
            await adapter.start(app.dispatcher)
            apps.append(app)
        first = apps[0]
        now = first.clock.now()
        for i in range(chats):
            await first.chats.ensure(
                "telegram", str(-2_000_000 - i), title=f"group {i}", kind="announcement", community_id=None, now=now
            )
        announcer = first.get(ANNOUNCER)
        assert announcer is not None
        await announcer.announce_now("🚀 3.2.0 is out! Thanks to every fan who sent an idea.", None)
        started = time.monotonic()
        await asyncio.gather(*(app.run_job("announcements") for app in apps))
        seconds = time.monotonic() - started
        first_send = min(c.at for c in fake.calls_to("sendMessage")) - started
        per_chat = Counter(m["chat_id"] for m in fake.sent)
        attempts = len(fake.calls_to("sendMessage"))
    finally:
        for app in apps:
            await app.adapters["telegram"].stop()
            await app.db.dispose()
        await fake.stop()
    return {
        "chats": chats,
        "instances": instances,
        "seconds": round(seconds, 2),
        "first_send_s": round(first_send, 2),
        "rate_ratio": round((chats / seconds) / rate, 3),
        "lost": sum(1 for i in range(chats) if per_chat.get(str(-2_000_000 - i), 0) == 0),
        "duplicated": sum(1 for n in per_chat.values() if n > 1),
        "retries_after_429": fake.rate_limited,
        "send_attempts": attempts,
    }


SCHEMA: str | None = None


async def main(args: Any) -> dict[str, object]:
    global SCHEMA
    if args.postgres:
        SCHEMA = f"bench_{uuid.uuid4().hex[:8]}"
        await pg_execute(args.postgres, f'CREATE SCHEMA "{SCHEMA}"')
        try:
            return await run(args.chats, args.rate, args.instances, args.postgres)
        finally:
            await pg_execute(args.postgres, f'DROP SCHEMA "{SCHEMA}" CASCADE')
    if args.instances != 1:
        raise SystemExit("several instances share a PostgreSQL database: give --postgres URL")
    with tempfile.TemporaryDirectory() as tmp:
        return await run(args.chats, args.rate, 1, sqlite_url(Path(tmp)))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--chats", type=int, default=2000)
    parser.add_argument("--rate", type=int, default=30)
    parser.add_argument("--instances", type=int, default=1)
    parser.add_argument("--postgres", default=None)
    logging.basicConfig(level=logging.ERROR)
    print(json.dumps(asyncio.run(main(parser.parse_args()))))
