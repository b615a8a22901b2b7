"""Reading ``/poll "Question?" option | option … [to here|all|CHAT] [closes in 2d]`` and
``/poll items 12 15 19 [to …] [closes in …]``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from bot.commands import CommandError, parse_duration
from bot.context import Context
from bot.i18n import Domain
from bot.platforms import PlatformRegistry

T = Domain("polls")
MAX_OPTIONS = 10  # Telegram's limit for a native poll
QUESTION_LIMIT, OPTION_LIMIT = 300, 100  # Telegram's limits (Discord's buttons allow 80: cut there)
DEFAULT_OPEN = timedelta(days=2)
SHORTEST, LONGEST = timedelta(minutes=5), timedelta(days=30)

_QUOTED = re.compile(r'^\s*["“”](.+?)["“”]\s*(.*)$', re.S)
_CLAUSE = re.compile(r"\s+(?:to\s+(?P<to>\S+)|closes\s+in\s+(?P<closes>\S+))\s*$", re.IGNORECASE)
_ITEMS = re.compile(r"^items?\s+((?:#?\d+[\s,]*)+)(.*)$", re.IGNORECASE | re.S)


@dataclass(frozen=True, slots=True)
class Asked:
    question: str | None  # None: the item poll's question, worded for each chat
    options: tuple[str, ...]
    items: tuple[int, ...]
    to: str
    open_for: timedelta


def usage(ctx: Context) -> str:
    return T(ctx, 'Ask like this: /poll "Question?" option | option [to here|all|CHAT] [closes in 2d]')


def read(ctx: Context, text: str, platforms: PlatformRegistry) -> Asked:
    rest, to, closes = _clauses(text.strip(), platforms)
    open_for = DEFAULT_OPEN
    if closes is not None:
        try:
            open_for = parse_duration(closes)
        except ValueError:
            raise CommandError(T(ctx, "“{value}” is not a duration like 2d, 12h or 1w.", value=closes)) from None
        if not SHORTEST <= open_for <= LONGEST:
            raise CommandError(T(ctx, "A poll stays open between 5 minutes and 30 days."))
    if (m := _ITEMS.match(rest)) is not None and not m.group(2).strip():
        items = tuple(dict.fromkeys(int(n) for n in re.findall(r"\d+", m.group(1))))
        if not 2 <= len(items) <= MAX_OPTIONS:
            raise CommandError(T(ctx, "A poll needs 2 to {max} options.", max=MAX_OPTIONS))
        return Asked(None, (), items, to, open_for)
    quoted = _QUOTED.match(rest)
    if quoted is not None:
        question, body = quoted.group(1).strip(), quoted.group(2)
    elif "?" in rest:
        question, _, body = rest.partition("?")
        question += "?"
    else:
        raise CommandError(usage(ctx))
    options = tuple(o.strip() for o in body.split("|") if o.strip())
    if not question.strip() or not 2 <= len(options) <= MAX_OPTIONS:
        raise CommandError(T(ctx, "A poll needs 2 to {max} options.", max=MAX_OPTIONS) + " " + usage(ctx))
    if len(question) > QUESTION_LIMIT:
        raise CommandError(T(ctx, "The question is {n} characters; polls allow {limit}.", n=len(question),
                             limit=QUESTION_LIMIT))  # fmt: skip
    long = next((o for o in options if len(o) > OPTION_LIMIT), None)
    if long is not None:
        raise CommandError(T(ctx, "“{option}…” is longer than {limit} characters.", option=long[:30],
                             limit=OPTION_LIMIT))  # fmt: skip
    if len(set(o.casefold() for o in options)) < len(options):
        raise CommandError(T(ctx, "Two options are the same."))
    return Asked(question, options, (), to, open_for)


def _clauses(text: str, platforms: PlatformRegistry) -> tuple[str, str, str | None]:
    """Peel ``to X`` and ``closes in D`` off the end, in either order. ``to X`` counts only when X is
    a target (here, all, platform:chat): "Go to Mars" stays an option."""
    to, closes = "here", None
    for _ in range(2):
        m = _CLAUSE.search(text)
        if m is None:
            break
        if m.group("to") is not None:
            target = m.group("to")
            if target.lower() not in ("here", "all") and platforms.parse_target(target) is None:
                break
            to, text = target.lower() if target.lower() in ("here", "all") else target, text[: m.start()]
        else:
            closes, text = m.group("closes"), text[: m.start()]
    return text, to, closes
