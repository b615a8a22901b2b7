"""What one fanloop process counts, in Prometheus' format (``/metrics``).

Counters live in this process (Prometheus scrapes each process and sums); queue sizes and ages
are read from the shared database at scrape time, so every process reports the same backlog.
Each :class:`Metrics` has its own registry: several apps in one test process never collide.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Metrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.events = Counter(
            "fanloop_events",
            "Platform events taken by the core, by platform, kind and outcome (handled, duplicate, busy, ignored)",
            ["platform", "kind", "outcome"],
            registry=r,
        )
        self.handler_errors = Counter(
            "fanloop_handler_errors",
            "Handlers that raised (the fan got an apology with an error id)",
            ["kind"],
            registry=r,
        )
        self.handle_seconds = Histogram(
            "fanloop_event_seconds",
            "Time from taking an event to its replies being stored",
            ["platform"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=r,
        )
        self.replies = Counter(
            "fanloop_replies",
            "Replies by outcome: queued (stored with their event), sent, failed, unknown, retry",
            ["outcome"],
            registry=r,
        )
        self.rate_limited = Counter(
            "fanloop_rate_limited", "Platform rate limits (429) waited out", ["platform"], registry=r
        )
        self.rate_limited_seconds = Counter(
            "fanloop_rate_limited_seconds", "Seconds spent waiting out platform rate limits", ["platform"], registry=r
        )
        self.adapter_up = Gauge(
            "fanloop_adapter_up", "1 when the platform adapter is running, else 0", ["platform"], registry=r
        )
        self.queue_pending = Gauge(
            "fanloop_queue_pending",
            "Items waiting in the shared queues: replies, notifications, broadcasts (due deliveries)",
            ["queue"],
            registry=r,
        )
        self.queue_oldest = Gauge(
            "fanloop_queue_oldest_seconds", "Age of the oldest waiting item per queue", ["queue"], registry=r
        )
        self.broadcast_deliveries = Gauge(
            "fanloop_broadcast_deliveries", "Announcement deliveries by status", ["status"], registry=r
        )
        self.database_seconds = Gauge(
            "fanloop_database_ping_seconds", "Round trip of a trivial query, measured at scrape", registry=r
        )
        self.database_up = Gauge("fanloop_database_up", "1 when the database answered the last ping", registry=r)

    def render(self) -> bytes:
        return generate_latest(self.registry)
