"""Message catalogs: every marked message has a Simplified Chinese translation that fits it, and the
modules already moved to catalogs have no user-facing literal that bypasses them."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bot.i18n import N_, Domain, available, negotiate
from bot.i18n_catalogs import BOT, load, messages
from bot.replies import Bold, Text

#: the domains whose every message is in the catalogs (the rest of fanloop speaks English for now)
DOMAINS = (
    "core",
    "feedback",
    "faq",
    "points",
    "grades",
    "beta",
    "announcements",
    "releases",
    "report",
    "mydata",
    "dashboard",
)
#: where a literal handed to a reply is a bug: all of bot/ (features and core)
CONVERTED = (".",)
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def test_the_bot_speaks_english_and_simplified_chinese() -> None:
    assert available() == ["en", "zh_CN"]
    assert [negotiate(t) for t in ("zh-CN", "zh_Hans", "zh", "zh-TW", "en-US", "EN", "fr", None)] == [
        "zh_CN", "zh_CN", "zh_CN", "zh_CN", "en", "en", None, None,
    ]  # fmt: skip


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_message_is_translated_with_the_same_placeholders(domain: str) -> None:
    catalog = load("zh_CN", domain)
    found = list(messages(domain))
    assert found, f"no messages extracted for {domain}"
    problems = []
    for msg, where in found:
        key = msg[0] if isinstance(msg, tuple) else msg
        entry = catalog.get(key)
        strings = (entry.string if isinstance(entry.string, tuple | list) else [entry.string]) if entry else [""]
        if not all(strings):
            problems.append(f"{where}: not translated: {key!r}")
            continue
        wanted = set(PLACEHOLDER.findall(" ".join(msg) if isinstance(msg, tuple) else msg))
        for s in strings:
            if set(PLACEHOLDER.findall(s)) - wanted - {"n"}:
                problems.append(f"{where}: translation uses placeholders the code doesn't fill: {s!r}")
    assert problems == []


def test_catalogs_hold_no_message_the_code_no_longer_uses() -> None:
    for domain in DOMAINS:
        used = {m[0] if isinstance(m, tuple) else m for m, _ in messages(domain)}
        stale = [
            m.id for m in load("zh_CN", domain) if m.id and (m.id if isinstance(m.id, str) else m.id[0]) not in used
        ]
        assert stale == [], domain


def test_a_translation_is_chosen_by_the_reader_and_composes_with_formatting() -> None:
    t = Domain("feedback")
    assert t("zh_CN", "You already voted for #{number}.", number=12) == "你已经给 #12 投过票了。"
    assert t("en", "You already voted for #{number}.", number=12) == "You already voted for #12."
    assert t.plural("zh_CN", "{n} vote", "{n} votes", 3) == "3 票"
    assert t.plural("en", "{n} vote", "{n} votes", 1) == "1 vote"
    segs = t.seg("zh_CN", "That message is already logged as {item}.", item=[Bold("#3"), Text(" “x”")])
    assert segs == [Text("这条消息已经记录为 "), Bold("#3"), Text(" “x”"), Text(" 了。")]
    assert N_("kept as is") == "kept as is"


def _words(node: ast.expr) -> bool:
    """A literal with words in it (punctuation, emoji and spacing are the same in every language)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and any(c.isalpha() for c in node.value)
    if isinstance(node, ast.JoinedStr):
        return any(_words(v) for v in node.values if isinstance(v, ast.Constant))
    return False


#: methods whose first argument is a notice to the managers (ManagerNotices.tell and its wrappers)
NOTICES = ("tell", "_report")


def _reply_literals(path: Path) -> list[str]:
    """Literals with words handed straight to say()/error()/Text()/Bold()/CommandError(), as a
    Button's label, or as a notice to the managers — bypassing T."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Attribute) and node.func.attr in NOTICES:
            found += [f"{path.name}:{node.lineno}" for arg in node.args[:1] if _words(arg)]
            continue
        name = getattr(node.func, "id", None)
        args = node.args if name in ("say", "error", "Text", "Bold", "CommandError") else node.args[:1]
        if name in ("say", "error", "Text", "Bold", "CommandError", "Button"):
            found += [f"{path.name}:{node.lineno}" for arg in args if _words(arg)]
    return found


@pytest.mark.parametrize("module", CONVERTED)
def test_converted_modules_say_nothing_past_the_catalogs(module: str) -> None:
    where = BOT / module
    files = sorted(where.rglob("*.py")) if where.is_dir() else [where]
    assert files
    assert [hit for f in files for hit in _reply_literals(f)] == []


def test_the_bypass_check_finds_a_literal(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        'say("Hello there")\nsay(T(ctx, "fine"), "🎉 ")\nerror(f"no {x}")\nButton("Vote", "a", "b")\n'
        'self._report(f"Announcement #{n} failed")\nnotices.tell(T(lang, "fine"))\n'
    )
    assert _reply_literals(bad) == ["bad.py:1", "bad.py:3", "bad.py:4", "bad.py:5"]
