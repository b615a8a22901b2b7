"""What every dashboard template may call besides its messages: dates, ages and numbers in the
viewer's language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.i18n import Domain, day, moment, number

T = Domain("core")


def age(lang: str, then: datetime, now: datetime) -> str:
    """How long ago, to the largest unit: ``5 min``, ``3 h``, ``12 d``."""
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 3600:
        return T.plural(lang, "{n} min", "{n} min", max(1, seconds // 60))
    if seconds < 2 * 86400:
        return T.plural(lang, "{n} h", "{n} h", seconds // 3600)
    return T.plural(lang, "{n} day", "{n} days", seconds // 86400)


def helpers(lang: str, now: datetime, tz: str = "UTC") -> dict[str, Callable[..., Any]]:
    zone = ZoneInfo(tz)
    return {
        "age": lambda then: age(lang, then, now),
        "when": lambda at: moment(lang, at.astimezone(zone)),
        "day": lambda at: day(lang, at.astimezone(zone)),
        "num": lambda n: number(lang, n),
    }
