"""The fake Discord (REST + gateway) on its own, in a terminal: type "NAME: TEXT" to post in #general
as NAME ("/cmd opt=value" runs a slash command; NAME@manager for managers) and watch the bot.

    python -m tests.fakes.discord_repl --port 8082
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

from tests.fakes.discord_api import GUILD_ID, FakeDiscordAPI


async def _serve(port: int) -> None:
    fake = FakeDiscordAPI()
    await fake.start(port)
    print(f"fake Discord: REST {fake.api_base}, gateway {fake.gateway_url}; guild {GUILD_ID}, channel #general")
    print("type 'NAME: TEXT' to post in #general ('/cmd opt=value' runs a slash command; NAME@manager for managers)")
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    seen = [0, 0]

    async def show() -> None:
        while True:
            await asyncio.sleep(0.2)
            for m in fake.messages[seen[0] :]:
                print(f"bot> {m.get('content', '')}")
            for r in fake.interaction_responses[seen[1] :]:
                print(f"bot> {r.get('content') or '(deferred)'}")
            seen[:] = [len(fake.messages), len(fake.interaction_responses)]

    printer = asyncio.create_task(show())
    names: dict[str, str] = {}
    try:
        while line := (await reader.readline()).decode():
            name, sep, text = line.strip().partition(":")
            if not sep:
                continue
            name, _, role = name.strip().partition("@")
            uid = names.setdefault(name, str(5000 + len(names)))
            if uid not in fake.members:
                fake.add_member(uid, name, manager=role == "manager")
            text = text.strip()
            if text.startswith("/"):
                cmd, *opts = text[1:].split()
                options = [{"name": k, "type": 3, "value": v} for k, _, v in (o.partition("=") for o in opts)]
                try:
                    await fake.slash(uid, cmd, options)
                except (KeyError, PermissionError) as exc:
                    print(f"(discord client: {exc})")
            else:
                await fake.user_says(uid, text)
    finally:
        printer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await printer
        await fake.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8082)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port))


if __name__ == "__main__":
    main()
