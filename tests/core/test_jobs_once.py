"""Weekly jobs (the community report, the feedback digest) run once per week across every process
on the database, whatever number of schedulers fire."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.app import App
from bot.clock import ManualClock
from storage.db import Database
from tests.conftest import settings_with


async def test_a_weekly_job_runs_once_a_week_however_many_processes_fire_it(db: Database, clock: ManualClock) -> None:
    apps = [App(settings_with(), clock=clock, db=db) for _ in range(3)]
    runs: list[str] = []

    def job_of(app: App) -> object:
        async def post() -> str:
            runs.append(app.worker_id)
            return "posted"

        return app.once_a_week("community-report", post, "Asia/Shanghai")

    guarded = [job_of(app) for app in apps]
    results = await asyncio.gather(*(g() for g in guarded))  # type: ignore[operator]
    assert sorted(map(str, results)) == ["None", "None", "posted"]
    assert len(runs) == 1
    await asyncio.gather(*(g() for g in guarded))  # a misfire re-run within the same week: nothing
    assert len(runs) == 1
    clock.advance(timedelta(days=7))
    await asyncio.gather(*(g() for g in guarded))
    assert len(runs) == 2
    for app in apps:
        await app.llm.aclose()
