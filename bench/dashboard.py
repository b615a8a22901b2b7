"""Dashboard page times on a grown community (20k feedback items, 50k members, 100k ledger rows,
5k FAQ entries), against a bare aiohttp page served by the same process in the same run.

    python bench/dashboard.py [--requests 30] [--postgres URL]

Prints JSON: per page p50/p99 in ms, and the bare page's, on SQLite (and PostgreSQL).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import socket
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.seed import grow, pg_execute

PAGES = [
    "/dashboard/",
    "/dashboard/feedback",
    "/dashboard/feedback?status=all&sort=waiting&page=200",
    "/dashboard/feedback?status=all&q=battery+widget",
    "/dashboard/feedback/10000",
    "/dashboard/questions",
    "/dashboard/members",
    "/dashboard/members?q=old4242",
    "/dashboard/members/4242",
    "/dashboard/report",
    "/dashboard/audit",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _timed(http: aiohttp.ClientSession, url: str, n: int) -> dict[str, float]:
    took = []
    for _ in range(n):
        started = time.perf_counter()
        async with http.get(url) as response:
            await response.read()
            assert response.status == 200, (url, response.status)
        took.append((time.perf_counter() - started) * 1000)
    took.sort()
    return {
        "p50_ms": round(statistics.median(took), 1),
        "p99_ms": round(took[min(len(took) - 1, int(0.99 * len(took)))], 1),
    }


async def measure(url: str, requests: int) -> dict[str, Any]:
    from bot.app import App
    from bot.commands import Role
    from bot.dashboard.auth import SignIn
    from bot.settings import Settings
    from storage.db import Database
    from storage.repositories.dashboard import DashboardRepo

    port = _free_port()
    schema = os.environ.get("FANLOOP_BENCH_SCHEMA")
    args = {"server_settings": {"search_path": schema}} if url.startswith("postgres") and schema else None
    db = Database(url, connect_args=args)
    app = App(Settings(http={"listen": f"127.0.0.1:{port}"}), db=db)  # type: ignore[arg-type]
    await app.prepare()
    seeded = await grow(app, [-100], True)
    assert app.http is not None

    async def bare(_: web.Request) -> web.Response:  # the baseline: a page with no work behind it
        return web.Response(text="<!doctype html><title>ok</title><p>ok</p>", content_type="text/html")

    app.http.route("GET", "/bare", bare)
    await app.http.start()
    try:
        link = await SignIn(DashboardRepo(db), app.clock, f"http://127.0.0.1:{port}").link(
            1, "telegram:900000000", Role.MANAGER, "en"
        )
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            async with http.post(link.split("?", 1)[0], data={"t": link.split("t=", 1)[1]}) as signed_in:
                assert signed_in.status == 200
            base = f"http://127.0.0.1:{port}"
            result: dict[str, Any] = {"seeded": seeded, "bare": await _timed(http, base + "/bare", requests)}
            for page in PAGES:
                await _timed(http, base + page, 2)  # warm
                result[page] = await _timed(http, base + page, requests)
        slowest = max(v["p99_ms"] for k, v in result.items() if k.startswith("/dashboard"))
        result["slowest_p99_ms"] = slowest
        return result
    finally:
        await app.http.stop()
        await app.llm.aclose()
        await db.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--postgres", default=os.environ.get("FANLOOP_TEST_DATABASE_URL"))
    options = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    report: dict[str, Any] = {"requests_per_page": options.requests}
    with tempfile.TemporaryDirectory() as tmp:
        report["sqlite"] = await measure(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}", options.requests)
    if options.postgres:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        os.environ["FANLOOP_BENCH_SCHEMA"] = schema
        await pg_execute(options.postgres, f'CREATE SCHEMA "{schema}"')
        try:
            report["postgres"] = await measure(options.postgres, options.requests)
        finally:
            await pg_execute(options.postgres, f'DROP SCHEMA "{schema}" CASCADE')
    print(json.dumps(report))


if __name__ == "__main__":
    asyncio.run(main())
