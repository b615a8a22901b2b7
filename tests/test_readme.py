"""The README's transcripts are what the bot prints: each "```\\nNAME: …```\\n\\nprints\\n\\n```bot> …```"
pair is run through `fanloop run --transcript` on a fresh database and compared line by line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PAIR = re.compile(
    r"```\n((?:[a-z]+(?:@[a-z]+)?(?: \(reply to \w+\))?: .*\n)+)```\n\nprints[^\n]*\n\n```\n((?:bot>.*\n)+)```"
)
PAIRS = PAIR.findall((REPO / "README.md").read_text(encoding="utf-8"))


def test_the_readme_has_transcripts() -> None:
    assert len(PAIRS) >= 3


@pytest.mark.parametrize(("transcript", "expected"), PAIRS, ids=[f"transcript-{i}" for i in range(len(PAIRS))])
def test_a_readme_transcript_prints_what_the_readme_says(transcript: str, expected: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FANLOOP_")} | {"FANLOOP_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--transcript", "-"],
        input=transcript, capture_output=True, text=True, cwd=REPO, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == expected.splitlines()
