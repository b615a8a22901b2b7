"""/healthz and /metrics of a running bot (the real Telegram adapter against the fake Bot API)."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator

import aiohttp
import pytest

from adapters.telegram import TelegramAdapter
from bot.app import App
from bot.clock import ManualClock
from bot.health import AdapterHealth, Health
from bot.metrics import Metrics
from bot.settings import Settings
from storage.db import Database
from tests.adapters.test_telegram_e2e import ALICE, section_for
from tests.adapters.waits import until
from tests.fakes.telegram_api import FakeTelegramAPI


class Running:
    def __init__(self, app: App, task: asyncio.Task[None]) -> None:
        self.app, self.task = app, task
        assert app.http is not None
        self.url = app.http.url

    async def get(self, path: str) -> tuple[int, str, str]:
        async with aiohttp.ClientSession() as http, http.get(self.url + path) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), await resp.text()


@pytest.fixture
async def running(fake: FakeTelegramAPI, db: Database) -> AsyncIterator[Running]:
    settings = Settings(http={"listen": "127.0.0.1:0"})  # type: ignore[arg-type]
    app = App(settings, db=db)
    app.add_adapter(TelegramAdapter(settings=section_for(fake), clock=app.clock, poll_timeout=1, retry_delay=0.05))
    await app.prepare()
    task = asyncio.create_task(app.run())
    await until(lambda: app.http is not None and app.http.port != 0 and app.supervisors)
    await until(lambda: app.adapter_health()["telegram"].state == "running")
    yield Running(app, task)
    app.stop()
    await asyncio.wait_for(task, 30)


def metric(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        m = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? (\S+)", line)
        if m is None or m.group(1) != name:
            continue
        have = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        if all(have.get(k) == v for k, v in labels.items()):
            return float(m.group(3))
    raise AssertionError(f"no {name}{labels} in /metrics")


async def test_healthz_reports_adapters_database_and_queues(running: Running) -> None:
    status, ctype, body = await running.get("/healthz")
    assert status == 200 and ctype.startswith("application/json"), body
    report = json.loads(body)
    assert report["status"] == "ok" and report["problems"] == []
    assert report["adapters"]["telegram"]["state"] == "running"
    assert report["database"]["ok"] is True and report["database"]["latency_ms"] >= 0
    assert set(report["queues"]) == {"replies", "notifications", "broadcasts"}
    assert (await running.get("/nothing"))[0] == 404


async def test_metrics_count_events_replies_and_rate_limits(fake: FakeTelegramAPI, running: Running) -> None:
    fake.fail_next("sendMessage", 429, retry_after=1)
    fake.push_message("/help", sender=ALICE)
    await until(lambda: fake.sent, wait=15)
    await until(lambda: running.app.metrics.replies.labels("sent")._value.get() == 1)
    status, ctype, text = await running.get("/metrics")
    assert status == 200 and ctype.startswith("text/plain")
    assert metric(text, "fanloop_events_total", platform="telegram", kind="message", outcome="handled") == 1
    assert metric(text, "fanloop_replies_total", outcome="queued") == 1
    assert metric(text, "fanloop_replies_total", outcome="sent") == 1
    assert metric(text, "fanloop_rate_limited_total", platform="telegram") == 1
    assert metric(text, "fanloop_rate_limited_seconds_total", platform="telegram") == 1
    assert metric(text, "fanloop_adapter_up", platform="telegram") == 1
    assert metric(text, "fanloop_database_up") == 1
    assert metric(text, "fanloop_queue_pending", queue="replies") == 0
    assert metric(text, "fanloop_event_seconds_count", platform="telegram") == 1


async def test_healthz_is_degraded_when_an_adapter_retries_and_down_without_one(sqlite_db: Database) -> None:
    states: dict[str, AdapterHealth] = {
        "telegram": AdapterHealth("retrying", "NetworkError: connect failed"),
        "discord": AdapterHealth("running"),
    }
    health = Health(
        db=sqlite_db, clock=ManualClock(), metrics=Metrics(), adapters=lambda: states, stale_after=600, about={}
    )
    status, report = await health.report()
    assert (status, report["status"]) == (200, "degraded")
    assert report["problems"] == ["telegram: retrying (NetworkError: connect failed)"]
    states["discord"] = AdapterHealth("failed", "Discord rejected the bot token")
    status, report = await health.report()
    assert (status, report["status"]) == (503, "down") and "no adapter is running" in report["problems"]


async def test_healthz_is_down_when_the_database_is_unreachable() -> None:
    broken = Database("postgresql://postgres@127.0.0.1:1/nothing")  # nothing listens on port 1
    health = Health(
        db=broken,
        clock=ManualClock(),
        metrics=Metrics(),
        adapters=lambda: {"telegram": AdapterHealth("running")},
        stale_after=600,
        about={},
    )
    try:
        status, report = await health.report()
    finally:
        await broken.dispose()
    assert (status, report["status"], report["database"]["ok"]) == (503, "down", False)


async def test_the_telegram_webhook_shares_the_http_port(fake: FakeTelegramAPI, db: Database) -> None:
    settings = Settings(http={"listen": "127.0.0.1:0"})  # type: ignore[arg-type]
    app = App(settings, db=db)
    section = section_for(fake, webhook_url="https://fans.example.org/tg-hook", webhook_secret="s3cret-token")
    app.add_adapter(TelegramAdapter(settings=section, clock=app.clock))
    await app.prepare()
    task = asyncio.create_task(app.run())
    try:
        await until(lambda: app.adapter_health()["telegram"].state == "running" if app.supervisors else False)
        assert fake.webhook is not None and fake.webhook["url"] == "https://fans.example.org/tg-hook"
        assert app.http is not None
        update = {"update_id": 501, "message": fake.message("/whoami", sender=ALICE)}
        async with aiohttp.ClientSession() as http:
            hook = await http.post(
                app.http.url + "/tg-hook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
            )
            health = await http.get(app.http.url + "/healthz")
            assert (hook.status, health.status) == (200, 200)
        await until(lambda: fake.sent)
        assert "You are member #" in fake.sent[0]["visible"]
    finally:
        app.stop()
        await asyncio.wait_for(task, 30)
