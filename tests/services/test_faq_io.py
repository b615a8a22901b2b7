"""FAQ files: validation, round trip, and the import/export CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.features.faq.files import FaqFileError, FaqItem, dump, parse

REPO = Path(__file__).resolve().parents[2]


def test_example_file_parses() -> None:
    items = parse((REPO / "config" / "faq.example.yaml").read_text(encoding="utf-8"))
    assert len(items) >= 5 and all(i.question and i.answer for i in items)


def test_round_trip_keeps_everything() -> None:
    items = [FaqItem("How?", "Line one.\nLine two.", ["how though", "怎么办"], ["a", "b"], "en")]
    text = dump(items)
    assert "answer: |" in text and "怎么办" in text
    assert parse(text) == items


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("- just a list", "top-level 'entries:' list"),
        ("entries:\n  - question: x\n", "entries[0].answer: must be non-empty text"),
        ("entries:\n  - question: x\n    answer: y\n    colour: red\n", "entries[0]: unknown key(s) colour"),
        ("entries:\n  - question: x\n    answer: y\n    alternates: nope\n", "entries[0].alternates: must be a list"),
        ("entries: [", "not valid YAML"),
    ],
)
def test_bad_files_name_the_problem(source: str, message: str) -> None:
    with pytest.raises(
        FaqFileError, match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(").replace(")", r"\)")
    ):
        parse(source)


def test_import_is_idempotent_and_export_round_trips(tmp_path: Path) -> None:
    def fanloop(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "--data-dir", str(tmp_path / "data"), *args],
            capture_output=True,
            text=True,
            cwd=REPO,
            check=False,
        )

    example = str(REPO / "config" / "faq.example.yaml")
    first = fanloop("faq", "import", example)
    assert first.returncode == 0 and first.stdout.startswith("imported 5 entries (5 new, 0 updated)")
    again = fanloop("faq", "import", example)
    assert again.stdout.startswith("imported 5 entries (0 new, 5 updated)")
    exported = fanloop("faq", "export", "-")
    assert parse(exported.stdout) == parse(Path(example).read_text(encoding="utf-8"))
    bad = tmp_path / "bad.yaml"
    bad.write_text("entries:\n  - answer: no question\n")
    result = fanloop("faq", "import", str(bad))
    assert result.returncode == 2 and "entries[0].question: must be non-empty text" in result.stderr
