"""Parsing when an announcement runs: absolute, relative, or recurring — with time zones and DST."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

from bot.commands import Problem, parse_duration
from bot.i18n import N_, SOURCE, Domain, Where, clock, moment

T = Domain("core")

DAYS = {
    "mon": "mon",
    "tue": "tue",
    "wed": "wed",
    "thu": "thu",
    "fri": "fri",
    "sat": "sat",
    "sun": "sun",
    "day": "*",
    "daily": "*",
    "weekday": "mon-fri",
    "weekdays": "mon-fri",
    "weekend": "sat,sun",
}
_ZONE = re.compile(r"^(UTC|[A-Za-z]+(?:/[A-Za-z0-9_+\-]+)+)$")


class WhenError(Problem):
    """Bad time input, phrased for the manager (a catalog message, as every :class:`Problem`)."""

    def sentence(self, where: Where) -> str:
        """As a reply: capitalised, ending in a full stop (the catalogs end Chinese ones in 。)."""
        text = self.text(where)
        return text[:1].upper() + text[1:] + ("" if text.endswith(("。", "）", ".")) else ".")


@dataclass(frozen=True, slots=True)
class Schedule:
    kind: str  # once | cron
    timezone: str
    run_at: datetime | None = None  # UTC, for once
    cron: str | None = None  # "m h dom mon dow", for cron

    def trigger(self) -> CronTrigger:
        assert self.cron is not None
        return CronTrigger.from_crontab(self.cron, timezone=ZoneInfo(self.timezone))

    def next_after(self, after: datetime) -> datetime | None:
        """The first run strictly after ``after`` (UTC), or None when there is none."""
        if self.kind == "once":
            return self.run_at if self.run_at and self.run_at > after else None
        trigger, cursor = self.trigger(), after
        while (nxt := trigger.get_next_fire_time(None, cursor + timedelta(seconds=1))) is not None:
            if not _repeated_wall_time(nxt):
                return nxt.astimezone(ZoneInfo("UTC"))
            cursor = nxt.astimezone(ZoneInfo("UTC"))  # 01:30 on the night the clocks go back: first only
        return None

    def upcoming(self, now: datetime, count: int = 3) -> list[datetime]:
        out: list[datetime] = []
        cursor = now
        while len(out) < count and (nxt := self.next_after(cursor)) is not None:
            out.append(nxt)
            cursor = nxt
        return out

    def describe(self, where: Where = SOURCE) -> str:
        if self.kind == "once":
            assert self.run_at is not None
            local = self.run_at.astimezone(ZoneInfo(self.timezone))
            return T(where, "once at {time} {zone}", time=moment(where, local, weekday=False), zone=self.timezone)
        return T(where, "cron '{cron}' {zone}", cron=self.cron, zone=self.timezone)


def _repeated_wall_time(at: datetime) -> bool:
    """``at`` is the second pass of a wall-clock time repeated when the clocks go back (a DST fold)."""
    first = at.replace(fold=0).astimezone(ZoneInfo("UTC"))
    return first < at.astimezone(ZoneInfo("UTC"))


def shown(at: datetime, tz: str, reader_tz: str | None = None, where: Where = SOURCE) -> str:
    """A time as managers read it: in the zone it was given in, and in the reader's (the
    community's default) zone where that differs — never a bare UTC they must convert. Written
    the way ``where``'s language writes dates (Babel)."""
    local = at.astimezone(zone(tz))
    text = f"{moment(where, local)} {tz}"
    if reader_tz and reader_tz != tz:
        other = at.astimezone(zone(reader_tz))
        same_day = other.date() == local.date()
        text += f" ({clock(where, other, weekday=not same_day)} {reader_tz})"
    return text


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise WhenError(
            N_("unknown time zone '{zone}' (use e.g. Europe/Berlin, Asia/Shanghai, UTC)"), zone=name
        ) from None


def _clock(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
    if m is None or int(m[1]) > 23 or int(m[2]) > 59:
        raise WhenError(N_("'{text}' is not a time of day (HH:MM)"), text=text)
    return int(m[1]), int(m[2])


def local_to_utc(naive: datetime, tz: str) -> datetime:
    """A wall-clock time in ``tz`` as UTC; refuses times that don't exist (a DST gap)."""
    z = zone(tz)
    aware = naive.replace(tzinfo=z)
    back = aware.astimezone(ZoneInfo("UTC")).astimezone(z)
    if back.replace(tzinfo=None) != naive:
        raise WhenError(
            N_("{time} does not exist in {zone} (the clocks jump forward then)"),
            time=f"{naive:%Y-%m-%d %H:%M}",
            zone=tz,
        )
    return aware.astimezone(ZoneInfo("UTC"))


def parse_when(text: str, now: datetime, default_tz: str) -> tuple[Schedule, str]:
    """Parse WHEN at the start of ``text``; returns the schedule and the rest of the text."""
    tokens = text.split()
    if not tokens:
        raise WhenError(N_("when? e.g. 'in 2h', '2026-12-04 17:00 Asia/Shanghai', 'every fri 17:00'"))
    head = tokens[0].lower()

    def take_zone(i: int) -> tuple[str, int]:
        if i < len(tokens) and _ZONE.match(tokens[i]):
            zone(tokens[i])
            return tokens[i], i + 1
        return default_tz, i

    if head == "in":
        if len(tokens) < 2:
            raise WhenError(N_("in how long? e.g. 'in 2h' or 'in 1d'"))
        try:
            delta = parse_duration(tokens[1])
        except Problem as exc:
            raise WhenError(N_("'{text}' is not a duration (e.g. 90s, 15m, 2h, 1d, 1h30m)"), text=tokens[1]) from exc
        return Schedule("once", default_tz, run_at=now + delta), " ".join(tokens[2:])
    if head == "every":
        if len(tokens) < 3:
            raise WhenError(N_("every when? e.g. 'every fri 17:00' or 'every day 09:00 Europe/Berlin'"))
        day = DAYS.get(
            tokens[1].lower()[:3] if tokens[1].lower()[:3] in DAYS and len(tokens[1]) <= 3 else tokens[1].lower()
        )
        if day is None:
            raise WhenError(N_("'{text}' is not a day (mon..sun, day, weekday, weekend)"), text=tokens[1])
        hour, minute = _clock(tokens[2])
        tz, i = take_zone(3)
        return Schedule("cron", tz, cron=f"{minute} {hour} * * {day}"), " ".join(tokens[i:])
    if head == "cron":
        m = re.match(r'cron\s+"([^"]+)"\s*(.*)$', text.strip(), re.IGNORECASE)
        if m is None:
            raise WhenError(N_('write a cron expression in quotes: cron "0 9 * * mon-fri" [Zone]'))
        rest_tokens = m[2].split()
        tz = default_tz
        if rest_tokens and _ZONE.match(rest_tokens[0]):
            tz, rest_tokens = rest_tokens[0], rest_tokens[1:]
        schedule = Schedule("cron", tz, cron=m[1].strip())
        try:
            schedule.trigger()
        except ValueError as exc:
            raise WhenError(N_("bad cron expression '{cron}': {problem}"), cron=m[1], problem=str(exc)) from None
        return schedule, " ".join(rest_tokens)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", head) and len(tokens) >= 2:
        hour, minute = _clock(tokens[1])
        y, mo, d = (int(x) for x in head.split("-"))
        try:
            naive = datetime(y, mo, d, hour, minute)
        except ValueError:
            raise WhenError(N_("{text} is not a date"), text=head) from None
        tz, i = take_zone(2)
        run_at = local_to_utc(naive, tz)
        if run_at <= now:
            raise WhenError(N_("{time} {zone} is in the past"), time=f"{head} {tokens[1]}", zone=tz)
        return Schedule("once", tz, run_at=run_at), " ".join(tokens[i:])
    raise WhenError(N_("when? e.g. 'in 2h', '2026-12-04 17:00 Asia/Shanghai', 'every fri 17:00', 'cron \"0 9 * * *\"'"))
