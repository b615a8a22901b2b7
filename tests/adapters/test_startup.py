"""`fanloop run` as an operator meets it: a bad token or an outage at start is one clear line,
retried with backoff when it may pass, and never stops the other adapters."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from tests.fakes.telegram_api import FakeTelegramAPI

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_env(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Awaitable[dict[str, str]]]:
    """Where the started fanloop keeps its data: SQLite in a temporary directory, or a new
    PostgreSQL database."""
    new_pg = request.getfixturevalue("new_pg_database") if request.param == "postgres" else None

    async def make() -> dict[str, str]:
        if new_pg is None:
            return {"FANLOOP_DATA_DIR": str(tmp_path / "data")}
        return {"FANLOOP_DATABASE_URL": await new_pg("startup")}

    return make


def env_for(database: dict[str, str], **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FANLOOP_")}
    env.update(PYTHONUNBUFFERED="1", **database, **extra)
    return env


async def fanloop(env: dict[str, str], *args: str, stdin: bytes | None = None) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        *args,
        cwd=REPO,
        env=env,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_a_rejected_token_stops_only_that_adapter(
    fake: FakeTelegramAPI, database_env: Callable[[], Awaitable[dict[str, str]]]
) -> None:
    env = env_for(await database_env(), FANLOOP_TELEGRAM_TOKEN="1:wrong", FANLOOP_TELEGRAM_BASE_URL=fake.base_url)
    proc = await fanloop(env, "--transcript", "-", stdin=b"alice: /help\n")
    out, err = await asyncio.wait_for(proc.communicate(b"alice: /help\n"), 60)
    stderr = err.decode()
    assert proc.returncode == 0, stderr
    assert "/idea" in out.decode()  # the console kept running and answered
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if "telegram" in line.lower()]
    assert len(lines) == 1, stderr
    assert "Telegram rejected the bot token (401 Unauthorized)" in lines[0]
    assert "FANLOOP_TELEGRAM_TOKEN" in lines[0] and "other adapters keep running" in lines[0]


async def test_when_every_adapter_fails_for_good_the_exit_code_is_1(
    fake: FakeTelegramAPI, database_env: Callable[[], Awaitable[dict[str, str]]]
) -> None:
    env = env_for(await database_env(), FANLOOP_TELEGRAM_TOKEN="1:wrong", FANLOOP_TELEGRAM_BASE_URL=fake.base_url)
    proc = await fanloop(env)
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    stderr = err.decode()
    assert proc.returncode == 1, stderr
    assert "Traceback" not in stderr
    assert stderr.splitlines()[-1].startswith("error: telegram: Telegram rejected the bot token")


async def test_an_unreachable_platform_is_retried_with_backoff_and_logged_once(
    database_env: Callable[[], Awaitable[dict[str, str]]],
) -> None:
    # nothing listens on port 9 of 127.0.0.1: "no network" for the adapter, start-up still completes
    env = env_for(
        await database_env(),
        FANLOOP_TELEGRAM_TOKEN="1:x",
        FANLOOP_TELEGRAM_BASE_URL="http://127.0.0.1:9/bot",
        FANLOOP_LOG_LEVEL="DEBUG",
    )
    proc = await fanloop(env)
    assert proc.stderr is not None
    seen: list[str] = []

    async def read_until_retried_twice() -> None:
        assert proc.stderr is not None
        while sum("still failing" in line for line in seen) < 2:
            line = (await proc.stderr.readline()).decode()
            assert line, "fanloop exited: " + "".join(seen)
            seen.append(line)

    await asyncio.wait_for(read_until_retried_twice(), 30)
    proc.send_signal(signal.SIGTERM)
    _, rest = await asyncio.wait_for(proc.communicate(), 60)
    seen += rest.decode().splitlines(keepends=True)
    warnings = [line for line in seen if "retrying with backoff" in line]
    assert len(warnings) == 1, "".join(seen)  # three tries or more, one line
    assert "telegram adapter" in warnings[0] and "NetworkError" in warnings[0]
    assert proc.returncode == 0, "".join(seen)
    assert "Traceback" not in "".join(seen)


async def test_an_unreachable_database_is_one_line_and_exit_code_3() -> None:
    env = env_for({"FANLOOP_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/fanloop"})
    proc = await fanloop(env, "--console")
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 3
    assert err.decode().strip().splitlines() == [err.decode().strip()] and err.decode().startswith("error: database: ")
