"""What the bot says, in the reader's language: gettext catalogs (Babel), one domain per feature.

Sources are ``bot/locales/<locale>/LC_MESSAGES/<domain>.po``, compiled in memory when first used
(``babel.messages.mofile``), so a checkout and a wheel work alike with no build step. English is
the source language (the msgids); adding a language is dropping in a catalog.

In code a message goes through a domain's translator, which Babel's extractor knows by name::

    T = Domain("feedback")
    T(ctx, "Thanks {name}! Logged your idea as #{number}.", name=..., number=...)
    N(ctx, "{n} vote", "{n} votes", n)          # plural forms of the reader's language

``ctx`` is anything with a ``lang`` (a command context) or a language tag itself.
"""

from __future__ import annotations

import functools
import io
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from gettext import NullTranslations
from pathlib import Path
from typing import Any, Protocol

from babel import Locale
from babel.dates import format_skeleton
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

from bot.commands import CommandSpec
from bot.replies import Segment, Text

log = logging.getLogger(__name__)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
LOCALES = Path(__file__).resolve().parent / "locales"
SOURCE = "en"


class HasLang(Protocol):
    @property
    def lang(self) -> str: ...


Where = str | HasLang


def available() -> list[str]:
    """The languages the bot speaks: English and every locale with a catalog."""
    found = sorted(p.name for p in LOCALES.iterdir() if (p / "LC_MESSAGES").is_dir()) if LOCALES.is_dir() else []
    return [SOURCE, *found]


def negotiate(tag: str | None) -> str | None:
    """A platform's or a member's language tag (``zh-CN``, ``zh_Hans``, ``en-US``, ``zh``) as one of
    the languages the bot speaks, or None when it speaks none close to it."""
    if not tag:
        return None
    norm = tag.strip().replace("-", "_").lower()
    for have in available():
        if norm == have.lower():
            return have
    base = norm.split("_")[0]
    for have in available():  # zh-TW, zh-Hans, zh → zh_CN; en-GB → en
        if have.lower().split("_")[0] == base:
            return have
    return None


@functools.cache
def _catalog(locale: str, domain: str) -> NullTranslations:
    path = LOCALES / locale / "LC_MESSAGES" / f"{domain}.po"
    if locale == SOURCE or not path.is_file():
        return NullTranslations()
    with path.open("rb") as f:
        catalog = read_po(f, locale=locale, domain=domain)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(fp=buf, domain=domain)


def lang_of(where: Where) -> str:
    """The language tag of ``where`` (a context's ``lang``, or a tag itself)."""
    return where if isinstance(where, str) else where.lang


def _fill(text: str, values: Mapping[str, Any]) -> str:
    if not values:
        return text
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):  # a broken translation must not break the bot
        log.warning("translation does not fit its values", extra={"text": text[:80]})
        return text


class Domain:
    """The messages of one feature (its own catalog)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, where: Where, msgid: str, **values: Any) -> str:
        return _fill(_catalog(lang_of(where), self.name).gettext(msgid), values)

    def plural(self, where: Where, singular: str, plural: str, n: int, **values: Any) -> str:
        text = _catalog(lang_of(where), self.name).ngettext(singular, plural, n)
        return _fill(text, {"n": n, **values})

    def label(self, where: Where, labels: Mapping[str, str], key: str) -> str:
        """``labels[key]`` (a message marked with ``N_``) translated; an unknown key as it is."""
        return self(where, labels[key]) if key in labels else key

    def seg(self, where: Where, msgid: str, **parts: str | Segment | Sequence[Segment]) -> list[Segment]:
        """A message with formatted pieces (mentions, bold item numbers) wherever the translation
        puts them: ``{name}`` placeholders are filled with text or segments."""
        return _segments(_catalog(lang_of(where), self.name).gettext(msgid), parts)

    def plural_seg(
        self, where: Where, singular: str, plural: str, n: int, **parts: str | Segment | Sequence[Segment]
    ) -> list[Segment]:
        """:meth:`seg` with the reader's plural forms (``{n}`` is the count)."""
        return _segments(_catalog(lang_of(where), self.name).ngettext(singular, plural, n), {"n": str(n), **parts})


def _segments(text: str, parts: Mapping[str, str | Segment | Sequence[Segment]]) -> list[Segment]:
    """``text``'s ``{name}`` placeholders filled: strings inline, segments as segments."""
    out: list[Segment] = []
    pending = ""
    for i, piece in enumerate(_PLACEHOLDER.split(text)):
        if i % 2 == 0:
            pending += piece
            continue
        value = parts.get(piece)
        if value is None:
            pending += "{" + piece + "}"
        elif isinstance(value, str):
            pending += value
        else:
            if pending:
                out.append(Text(pending))
                pending = ""
            out.extend(value if isinstance(value, list | tuple) else [value])  # type: ignore[list-item]
    if pending:
        out.append(Text(pending))
    return out


@functools.cache
def _babel(lang: str) -> Locale:
    return Locale.parse(lang)


def listing(where: Where, items: Iterable[str]) -> str:
    """``a, b, and c`` / ``a、b和c``: a list as the reader's language writes one."""
    seq = list(items)
    return format_list(seq, locale=_babel(lang_of(where))) if seq else ""


def language_name(lang: str) -> str:
    """A language's English name, for an LLM prompt (``zh_CN`` → "Chinese (Simplified, China)")."""
    return str(_babel(lang).get_display_name("en"))


def number(where: Where, n: int | float) -> str:
    return format_decimal(n, locale=_babel(lang_of(where)))


def day(where: Where, at: datetime) -> str:
    """A date: ``2026-11-24`` in English (unambiguous for an international team), the
    locale's own form elsewhere (``2026年11月24日``)."""
    lang = lang_of(where)
    return f"{at:%Y-%m-%d}" if lang == SOURCE else format_skeleton("yMMMd", at, locale=_babel(lang))


def moment(where: Where, at: datetime, *, weekday: bool = True, year: bool = True) -> str:
    """A date and time of day, already in the zone it is to be read in (``at.astimezone(...)``):
    ``Tue 2026-11-24 19:21`` / ``2026年11月24日周二 19:21``."""
    lang = lang_of(where)
    if lang == SOURCE:
        return f"{at:{'%a ' if weekday else ''}{'%Y-' if year else ''}%m-%d %H:%M}"
    skeleton = ("y" if year else "") + "MMM" + ("E" if weekday else "") + "d"
    locale = _babel(lang)
    return f"{format_skeleton(skeleton, at, locale=locale)} {format_skeleton('Hm', at, locale=locale)}"


def clock(where: Where, at: datetime, *, weekday: bool = False) -> str:
    """A time of day (``19:21``, ``Tue 19:21`` / ``周二 19:21``)."""
    lang = lang_of(where)
    if lang == SOURCE:
        return f"{at:%a %H:%M}" if weekday else f"{at:%H:%M}"
    locale = _babel(lang)
    hm = format_skeleton("Hm", at, locale=locale)
    return f"{format_skeleton('E', at, locale=locale)} {hm}" if weekday else hm


def elapsed(where: Where, delta: timedelta) -> str:
    """How long, to the largest unit: ``5 min``, ``3 h``, ``12 days`` / ``5 分钟``, ``3 小时``."""
    core = Domain("core")
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 3600:
        return core.plural(where, "{n} min", "{n} min", max(1, seconds // 60))
    if seconds < 2 * 86400:
        return core.plural(where, "{n} h", "{n} h", seconds // 3600)
    return core.plural(where, "{n} day", "{n} days", seconds // 86400)


def summary(spec: CommandSpec, where: Where) -> str:
    """A command's one-line summary in the reader's language (menus, /help)."""
    return Domain(spec.domain)(where, spec.summary)


def N_(msgid: str) -> str:
    """Marks a message for extraction where it is chosen before it is translated
    (``T(ctx, N_("…") if idea else N_("…"))``)."""
    return msgid
