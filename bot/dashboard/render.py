"""What every dashboard template may call besides its messages: dates, ages and numbers in the
viewer's language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton

from bot.i18n import SOURCE, Domain, day, moment, number

T = Domain("core")


def age(lang: str, then: datetime, now: datetime) -> str:
    """How long ago, to the largest unit: ``5 min``, ``3 h``, ``12 d``."""
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 3600:
        return T.plural(lang, "{n} min", "{n} min", max(1, seconds // 60))
    if seconds < 2 * 86400:
        return T.plural(lang, "{n} h", "{n} h", seconds // 3600)
    return T.plural(lang, "{n} day", "{n} days", seconds // 86400)


def _day_of(lang: str, d: date) -> str:
    if lang == SOURCE:
        return f"{d:%a %m-%d}"
    return str(format_skeleton("MMMEd", d, locale=lang))


def helpers(lang: str, now: datetime, tz: str = "UTC") -> dict[str, Callable[..., Any]]:
    zone = ZoneInfo(tz)
    return {
        "age": lambda then: age(lang, then, now),
        "when": lambda at: moment(lang, at.astimezone(zone)),
        "day": lambda at: day(lang, at.astimezone(zone)),
        #: a calendar day (a date, no time): "Mon 11-24" / "11月24日周一"
        "day_of": lambda d: _day_of(lang, d),
        "num": lambda n: number(lang, n),
    }
