"""``/healthz`` and ``/metrics``: each adapter's state, the database, and the shared queues' age.

``/healthz`` answers 200 with ``"status": "ok"`` or ``"degraded"`` (an adapter retrying or failed,
a queue older than ``[http] stale_after_seconds``), and 503 with ``"down"`` when the database is
unreachable or no adapter runs — what a load balancer or a supervisor's probe acts on.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.clock import Clock
from bot.metrics import CONTENT_TYPE, Metrics
from bot.web import HttpServer
from storage.db import Database
from storage.repositories.health import HealthRepo

PING_TIMEOUT = 3.0


@dataclass(frozen=True, slots=True)
class AdapterHealth:
    state: str  # starting | running | retrying | failed | stopped
    problem: str | None = None
    seconds_in_state: float = 0.0


class Health:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        metrics: Metrics,
        adapters: Callable[[], Mapping[str, AdapterHealth]],
        stale_after: float,
        about: Mapping[str, str],
    ) -> None:
        self.repo = HealthRepo(db)
        self.clock = clock
        self.metrics = metrics
        self.adapters = adapters
        self.stale_after = stale_after
        self.about = dict(about)

    def mount(self, server: HttpServer) -> None:
        server.route("GET", "/healthz", self._healthz)
        server.route("GET", "/metrics", self._metrics)

    async def report(self) -> tuple[int, dict[str, Any]]:
        adapters = self.adapters()
        body: dict[str, Any] = {
            **self.about,
            "adapters": {
                name: {"state": a.state, "problem": a.problem, "seconds_in_state": round(a.seconds_in_state, 1)}
                for name, a in adapters.items()
            },
        }
        problems: list[str] = [
            f"{n}: {a.state}" + (f" ({a.problem})" if a.problem else "")
            for n, a in adapters.items()
            if a.state != "running" or a.problem
        ]
        try:
            latency = await asyncio.wait_for(self.repo.ping(), PING_TIMEOUT)
        except Exception as exc:  # unreachable, timed out, refused: all mean "down" to a probe
            body["database"] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
            return 503, {"status": "down", **body, "problems": [*problems, "database unreachable"]}
        body["database"] = {"ok": True, "latency_ms": round(latency * 1000, 2)}
        now = self.clock.now()
        try:
            backlog = await asyncio.wait_for(self.repo.backlog(now), PING_TIMEOUT)
        except Exception as exc:
            problems.append(f"queues unreadable: {type(exc).__name__}: {exc}"[:300])
            backlog = {}
        body["queues"] = {
            name: {"pending": b.pending, "oldest_seconds": round(b.age(now), 1)} for name, b in backlog.items()
        }
        problems += [
            f"{name} queue: oldest waiting {b.age(now):.0f} s"
            for name, b in backlog.items()
            if b.age(now) > self.stale_after
        ]
        if adapters and not any(a.state == "running" for a in adapters.values()):
            return 503, {"status": "down", **body, "problems": [*problems, "no adapter is running"]}
        return 200, {"status": "degraded" if problems else "ok", **body, "problems": problems}

    async def refresh_metrics(self) -> None:
        m = self.metrics
        for name, a in self.adapters().items():
            m.adapter_up.labels(name).set(1 if a.state == "running" else 0)
        try:
            m.database_seconds.set(await asyncio.wait_for(self.repo.ping(), PING_TIMEOUT))
            backlog = await self.repo.backlog(self.clock.now())
            deliveries = await self.repo.deliveries()
        except Exception:
            m.database_up.set(0)
            return
        m.database_up.set(1)
        now = self.clock.now()
        for name, b in backlog.items():
            m.queue_pending.labels(name).set(b.pending)
            m.queue_oldest.labels(name).set(b.age(now))
        for status in ("pending", "sending", "sent", "failed", "missed"):
            m.broadcast_deliveries.labels(status).set(deliveries.get(status, 0))

    async def _healthz(self, request: web.Request) -> web.Response:
        status, body = await self.report()
        return web.Response(
            status=status, text=json.dumps(body, ensure_ascii=False, indent=2), content_type="application/json"
        )

    async def _metrics(self, request: web.Request) -> web.Response:
        await self.refresh_metrics()
        return web.Response(body=self.metrics.render(), headers={"Content-Type": CONTENT_TYPE})
