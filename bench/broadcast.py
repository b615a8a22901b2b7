"""One announcement to many chats through the real Telegram adapter, against the local fake Bot
API enforcing a rate (Telegram's ~30 messages/s by default; 429 with retry_after beyond it).
Prints one JSON object: time to the first send, the rate reached as a share of the allowed one,
messages lost and duplicated.

    python bench/broadcast.py [--chats 2000] [--rate 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters.telegram import TelegramAdapter
from adapters.telegram.plugin import TelegramSettings
from bot.app import App
from bot.contracts import ANNOUNCER
from bot.settings import Settings
from storage.db import Database, sqlite_url
from tests.fakes.telegram_api import FakeTelegramAPI


async def run(chats: int, rate: int) -> dict[str, object]:
    fake = FakeTelegramAPI()
    await fake.start()
    fake.rate_limit = rate
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(sqlite_url(Path(tmp)))
        settings = Settings()
        pace = rate - 0.5  # the bot's own ceiling just under the fake's limit
        section = TelegramSettings(token=fake.token, base_url=fake.base_url, messages_per_second=pace)  # type: ignore[arg-type]
        app = App(settings, db=db)
        adapter = TelegramAdapter(settings=section, clock=app.clock, poll_timeout=1)
        app.add_adapter(adapter)
        await app.prepare()
        for i in range(chats):
            await app.chats.ensure(
                "telegram",
                str(-2_000_000 - i),
                title=f"group {i}",
                kind="announcement",
                community_id=None,
                now=app.clock.now(),
            )
        await adapter.start(app.dispatcher)
        before = len(fake.calls_to("sendMessage"))
        announcer = app.get(ANNOUNCER)
        assert announcer is not None
        await announcer.announce_now("🚀 3.2.0 is out! Thanks to every fan who sent an idea.", None)
        started = time.monotonic()
        await announcer.tick()
        seconds = time.monotonic() - started
        first_send = min(c.at for c in fake.calls_to("sendMessage")) - started
        per_chat = Counter(m["chat_id"] for m in fake.sent)
        attempts = len(fake.calls_to("sendMessage")) - before
        await adapter.stop()
        await db.dispose()
    await fake.stop()
    return {
        "chats": chats,
        "seconds": round(seconds, 2),
        "first_send_s": round(first_send, 2),
        "rate_ratio": round((chats / seconds) / rate, 3),
        "lost": sum(1 for i in range(chats) if per_chat.get(str(-2_000_000 - i), 0) == 0),
        "duplicated": sum(1 for n in per_chat.values() if n > 1),
        "retries_after_429": fake.rate_limited,
        "send_attempts": attempts,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chats", type=int, default=2000)
    parser.add_argument("--rate", type=int, default=30)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    print(json.dumps(asyncio.run(run(args.chats, args.rate))))


if __name__ == "__main__":
    main()
