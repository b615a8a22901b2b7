"""The one scheduler of a fanloop process: APScheduler 3's AsyncIOScheduler.

Jobs are rebuilt from configuration (and, for announcements, from the database) at start;
nothing is persisted in APScheduler itself.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.clock import Clock
from storage.repositories.jobs import JobRunRepo

log = logging.getLogger(__name__)
Job = Callable[[], Awaitable[object]]


class Scheduler:
    def __init__(self) -> None:
        self._scheduler = AsyncIOScheduler(timezone="UTC")

    def weekly(self, name: str, day: str, hour: int, minute: int, timezone: str, job: Job) -> None:
        trigger = CronTrigger(day_of_week=day, hour=hour, minute=minute, timezone=ZoneInfo(timezone))
        self._add(name, trigger, job, misfire_grace_time=3600)

    def every(self, name: str, seconds: float, job: Job) -> None:
        self._add(name, IntervalTrigger(seconds=seconds), job, misfire_grace_time=int(seconds))

    def _add(self, name: str, trigger: object, job: Job, misfire_grace_time: int) -> None:
        async def run() -> None:
            try:
                await job()
            except Exception:
                log.exception("scheduled job failed", extra={"job": name})

        self._scheduler.add_job(
            run,
            trigger,
            id=name,
            name=name,
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=misfire_grace_time,
        )

    def start(self) -> None:
        if not self._scheduler.running:
            self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def next_run(self, name: str) -> object:
        job = self._scheduler.get_job(name)
        return job.next_run_time if job else None


def once_a_week(job_runs: JobRunRepo, clock: Clock, worker_id: str, name: str, run: Job, tz: str) -> Job:
    """``run`` guarded so that, of every process on the database, one runs it per ISO week (in
    ``tz``): each process's scheduler fires, the first to claim the week runs it."""

    async def once() -> object:
        now = clock.now()
        year, week, _ = now.astimezone(ZoneInfo(tz)).isocalendar()
        if not await job_runs.claim(name, f"{year}-W{week:02d}", worker_id, now):
            log.info("scheduled job already ran in another process", extra={"job": name})
            return None
        return await run()

    return once
