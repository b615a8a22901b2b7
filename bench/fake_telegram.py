"""The tests' fake Bot API in a process of its own, for benchmarks, with a control API.

    python bench/fake_telegram.py PORT CONTROL_PORT

Control (JSON): ``POST /push`` ``{"messages": [message, ...]}`` queues updates and notes when;
``GET /stats`` reports the highest offset confirmed, the last update id and replies sent; with
``?latencies=1`` also (once) each reply's latency from its update being queued to the sendMessage
that quotes it (seconds).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakes.telegram_api import FakeTelegramAPI


class TimedFake(FakeTelegramAPI):
    def __init__(self) -> None:
        super().__init__()
        self.queued_at: dict[tuple[str, int], float] = {}
        self.latencies: list[float] = []
        self.last_update_id = 0

    async def api_sendMessage(self, p: dict[str, Any]) -> Any:
        result = await super().api_sendMessage(p)
        quoted = p.get("reply_parameters")
        if quoted:
            ref = quoted if isinstance(quoted, dict) else json.loads(str(quoted))
            at = self.queued_at.pop((str(p["chat_id"]), int(ref.get("message_id", 0))), None)
            if at is not None:
                self.latencies.append(time.monotonic() - at)
        return result

    def sent_count(self) -> int:
        return len(self.sent)


async def main(port: int, control_port: int) -> None:
    fake = TimedFake()
    await fake.start(port)

    async def push(request: web.Request) -> web.Response:
        body = await request.json()
        now = time.monotonic()
        for message in body["messages"]:
            fake.queued_at[(str(message["chat"]["id"]), int(message["message_id"]))] = now
            fake.last_update_id = fake.push({"message": message})["update_id"]
        return web.json_response({"last_update_id": fake.last_update_id})

    async def stats(request: web.Request) -> web.Response:
        body = {"confirmed": fake.confirmed, "last_update_id": fake.last_update_id, "sent": fake.sent_count()}
        if request.query.get("latencies"):  # hand them over once
            body["latencies"], fake.latencies = fake.latencies, []
        return web.json_response(body)

    async def reset(request: web.Request) -> web.Response:
        fake.sent.clear()
        fake.calls.clear()
        fake.latencies.clear()
        fake.queued_at.clear()
        return web.json_response({"ok": True})

    control = web.Application(client_max_size=2**26)
    control.router.add_post("/push", push)
    control.router.add_get("/stats", stats)
    control.router.add_post("/reset", reset)
    runner = web.AppRunner(control)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", control_port).start()
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
