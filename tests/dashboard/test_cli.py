"""`fanloop web` serves the dashboard alone; `fanloop dashboard link` signs the operator in there."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.dashboard.conftest import LINK, free_port

REPO = Path(__file__).resolve().parents[2]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FANLOOP_")}
    return {**env, **extra}


def _cli(data: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "bot", "--data-dir", str(data), *args]
    return subprocess.run(command, capture_output=True, text=True, env=_env(**env), cwd=REPO, timeout=60, check=False)


def _wait_until_up(url: str, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stderr.read() if server.stderr else ""
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code in (200, 503):
                return
        except httpx.TransportError:
            time.sleep(0.1)  # not listening yet: the server is still starting
    raise AssertionError("fanloop web did not start within 30 s")


def test_fanloop_web_serves_the_dashboard_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    managers = '["console:mia"]'
    server = subprocess.Popen(
        [sys.executable, "-m", "bot", "--data-dir", str(tmp_path), "web", "--port", str(port)],
        env=_env(FANLOOP_ROLES_MANAGERS=managers), cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, server)
        assert httpx.get(base + "/dashboard/").status_code == 401
        made = _cli(tmp_path, "dashboard", "link", "console:mia", "--port", str(port), FANLOOP_ROLES_MANAGERS=managers)
        assert made.returncode == 0, made.stderr
        link = made.stdout.strip()
        assert LINK.fullmatch(link), made.stdout  # the URL alone on its line
        with httpx.Client(follow_redirects=True) as browser:
            assert "Sign in" in browser.get(link).text
            page = browser.post(link.split("?", 1)[0], data={"t": link.split("t=", 1)[1]})
            assert page.status_code == 200 and "Overview" in page.text
        revoked = _cli(tmp_path, "dashboard", "revoke", "console:mia")
        assert revoked.stdout.strip() == "signed out of 1 session"
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
