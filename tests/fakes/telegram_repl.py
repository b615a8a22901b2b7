"""The fake Telegram Bot API on its own, in a terminal: type "NAME: TEXT" to post in the group as NAME
and watch what the bot answers.

    python -m tests.fakes.telegram_repl --port 8081
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from typing import Any

from tests.fakes.telegram_api import GROUP, FakeTelegramAPI, user


async def _serve(port: int, token: str) -> None:
    fake = FakeTelegramAPI(token)
    await fake.start(port)
    print(f"fake Telegram Bot API on {fake.base_url} (token {token}); group chat id {GROUP['id']}")
    print("type 'NAME: TEXT' to post in the group as NAME ('NAME@admin: ...' makes NAME a chat admin)")
    users: dict[str, dict[str, Any]] = {}
    seen = 0
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    async def show_sent() -> None:
        nonlocal seen
        while True:
            await asyncio.sleep(0.2)
            for msg in fake.sent[seen:]:
                print(f"bot> {msg['visible']}")
            seen = len(fake.sent)

    printer = asyncio.create_task(show_sent())
    try:
        while line := (await reader.readline()).decode():
            name, sep, text = line.strip().partition(":")
            if not sep:
                continue
            name, _, role = name.strip().partition("@")
            sender = users.setdefault(name, user(1000 + len(users), name))
            if role == "admin":
                fake.admins.setdefault(int(GROUP["id"]), set()).add(sender["id"])
            fake.push_message(text.strip(), sender=sender)
    finally:
        printer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await printer
        await fake.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123456:TEST-TOKEN")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port, args.token))


if __name__ == "__main__":
    main()
