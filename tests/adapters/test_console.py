"""The console adapter as a user runs it: `fanloop run --console --transcript -`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.console import parse_line
from bot.commands import Role

REPO = Path(__file__).resolve().parents[2]


def run_transcript(text: str, data_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FANLOOP_")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "--data-dir",
            str(data_dir),
            "run",
            "--console",
            "--transcript",
            "-",
            *extra,
        ],
        input=text,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
        check=False,
    )


def test_transcript_shows_a_manager_more_commands_and_exits_zero(tmp_path: Path) -> None:
    result = run_transcript("alice: hi\nmia@manager: /help\nalice: /help\n", tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert all(line.startswith("bot> ") for line in lines)
    assert lines[0] == "bot> Sent you the full command list privately."  # the manager's long list: in private
    helps = [i for i, line in enumerate(lines) if line in ("bot> @mia: fanloop commands", "bot> fanloop commands")]
    assert len(helps) == 2
    manager_help, fan_help = lines[helps[0] : helps[1]], lines[helps[1] :]
    assert len(manager_help) > len(fan_help)
    assert any("/chat" in line for line in manager_help) and not any("/chat" in line for line in fan_help)


def test_running_twice_on_one_database_handles_both_runs(tmp_path: Path) -> None:
    first = run_transcript("alice: /whoami\n", tmp_path)
    second = run_transcript("alice: /whoami\n", tmp_path)
    assert first.stdout == second.stdout == "bot> @alice: You are member #1 (fan); identities: console:alice.\n"


def test_bad_transcript_lines_are_reported_not_fatal(tmp_path: Path) -> None:
    result = run_transcript("no colon here\nalice: /whoami\n", tmp_path)
    assert result.returncode == 0
    assert result.stdout.splitlines()[0].startswith("bot> (skipped line: expected 'NAME: TEXT'")


def test_parse_line() -> None:
    parsed = parse_line("mia@Manager (reply to alice): /log")
    assert parsed is not None and (parsed.name, parsed.role, parsed.reply_to, parsed.text) == (
        "mia",
        Role.MANAGER,
        "alice",
        "/log",
    )
    assert parse_line("   ") is None and parse_line("# note") is None
    with pytest.raises(ValueError, match="unknown role"):
        parse_line("x@wizard: hi")
