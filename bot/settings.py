"""Configuration: one TOML file, overridden by ``FANLOOP_*`` environment variables.

``FANLOOP_TELEGRAM_TOKEN`` sets ``[telegram] token``; ``FANLOOP_DATABASE_URL`` sets the
top-level ``database_url``. Secrets are :class:`SecretStr`: never logged or echoed, and may
also come from a file (``token_file``) so they stay out of the TOML.
"""

from __future__ import annotations

import itertools
import json
import os
import tomllib
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

ENV_CONFIG = "FANLOOP_CONFIG"


def _comma_list(value: Any) -> Any:
    """``2000,2001`` or ``["2000", "2001"]`` from the environment; lists from TOML pass through."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("["):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            raise ValueError(f"{text!r} is neither a JSON list nor comma-separated values") from None
    return [part.strip() for part in text.split(",") if part.strip()]


#: a list setting that also reads ``a,b,c`` (environment variables, where JSON is awkward)
StrList = Annotated[list[str], NoDecode, BeforeValidator(_comma_list)]
IntList = Annotated[list[int], NoDecode, BeforeValidator(_comma_list)]


class ConfigError(Exception):
    """A configuration problem, already phrased for the user (``key: why``)."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


def check_template(template: str, fields: tuple[str, ...]) -> str:
    """A ``str.format`` template that may use only ``fields``; raises ValueError naming the problem."""
    import string

    try:
        used = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise ValueError(f"{exc} (write {{{{ and }}}} for a literal brace)") from None
    unknown = sorted({n for n in used if n.split(".")[0].split("[")[0] not in fields or n != n.strip() or not n})
    if unknown:
        allowed = ", ".join("{" + f + "}" for f in fields)
        raise ValueError(f"unknown placeholder(s) {', '.join('{' + u + '}' for u in unknown)}; use {allowed}")
    return template


def read_secret(value: SecretStr | None, path: Path | None, key: str) -> SecretStr | None:
    if value is not None and value.get_secret_value():
        return value
    if path is None:
        return value
    try:
        text = path.expanduser().read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ValueError(f"cannot read {key}_file {str(path)!r}: {exc.strerror}") from None
    return SecretStr(text) if text else None


class RolesSettings(Section):
    """Allowlists of ``platform:user_id`` (console: ``console:name``) per role."""

    admins: StrList = Field(default_factory=list)
    managers: StrList = Field(default_factory=list)
    moderators: StrList = Field(default_factory=list)

    @field_validator("admins", "managers", "moderators")
    @classmethod
    def _platform_ids(cls, values: list[str]) -> list[str]:
        for v in values:
            platform, _, uid = v.partition(":")
            if not platform or not uid:  # which platforms exist is the adapters' to say (bot.platforms)
                raise ValueError(f"{v!r} must look like telegram:123, discord:456 or console:name")
        return values


class LimitsSettings(Section):
    #: commands a member may run per window before being told to slow down
    commands_per_window: int = Field(default=6, ge=1, le=1000)
    #: moderators' and managers' own, higher limit (triage runs many commands in a row)
    staff_commands_per_window: int = Field(default=40, ge=1, le=1000)
    window_seconds: float = Field(default=20.0, gt=0, le=3600)
    #: a claim on an event left by a crashed worker is taken over after this long
    claim_lease_seconds: float = Field(default=60.0, ge=1, le=3600)


class AnnouncementsSettings(Section):
    timezone: str = "UTC"
    #: a run missed while the bot was down is still sent at start within this grace, else marked missed
    misfire_grace_minutes: float = Field(default=60, ge=0, le=7 * 24 * 60)
    #: when the weekly community report goes to the announcement chats ("DAY HH:MM", this zone)
    report_at: str = "mon 10:00"

    @field_validator("report_at")
    @classmethod
    def _weekly_report(cls, value: str) -> str:
        parse_weekly(value)
        return value

    #: the release announcement; {version}, {notes} and {ideas} are filled in
    release_template: str = (
        "🚀 {version} is out!\n\n{notes}\n\nFan ideas in this release:\n{ideas}\n\n"
        "Thank you to everyone who shared feedback — keep it coming with /idea."
    )

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return validate_timezone(value)

    @field_validator("release_template")
    @classmethod
    def _template(cls, value: str) -> str:
        """Checked here (``fanloop config check`` and start), not when a release ships."""
        return check_template(value, ("version", "notes", "ideas"))


class FeedbackSettings(Section):
    #: longest idea or bug report accepted, in characters
    max_length: int = Field(default=2000, ge=100, le=4000)
    #: a fan gets at most one "shall I log this?" offer per this many minutes
    offer_cooldown_minutes: float = Field(default=30, ge=0, le=10080)
    #: how alike (0-1) an open item must be to offer "+1 #N instead"
    similar_threshold: float = Field(default=0.25, gt=0, le=1)
    #: when the weekly digest goes to the manager chats: "DAY HH:MM" in announcements.timezone
    digest_at: str = "mon 09:00"
    #: extra phrases (any language) that mark a chat message as an idea / a bug report
    idea_phrases: StrList = Field(default_factory=list)
    bug_phrases: StrList = Field(default_factory=list)
    #: publish /roadmap on the HTTP server: planned, in progress and recently shipped items with
    #: their votes, no member names (off: the page does not exist)
    roadmap: bool = False

    @field_validator("digest_at")
    @classmethod
    def _weekly(cls, value: str) -> str:
        parse_weekly(value)
        return value


class GradeSettings(Section):
    name: str = Field(min_length=1, max_length=40)
    threshold: int = Field(ge=0)
    #: e.g. beta_eligible (can be picked for beta tests), can_triage (read-only /triage)
    perks: list[str] = Field(default_factory=list)


def _default_grades() -> list[GradeSettings]:
    return [
        GradeSettings(name="Newcomer", threshold=0),
        GradeSettings(name="Regular", threshold=50),
        GradeSettings(name="Contributor", threshold=200, perks=["beta_eligible"]),
        GradeSettings(name="Expert", threshold=600, perks=["beta_eligible", "can_triage"]),
        GradeSettings(name="Legend", threshold=1500, perks=["beta_eligible", "can_triage"]),
    ]


class PointsSettings(Section):
    per_message: int = Field(default=1, ge=0, le=100)
    message_min_length: int = Field(default=15, ge=0, le=1000)
    message_cooldown_seconds: float = Field(default=60, ge=0, le=86400)
    per_feedback: int = Field(default=5, ge=0, le=1000)
    per_vote_received: int = Field(default=2, ge=0, le=1000)
    per_feedback_shipped: int = Field(default=50, ge=0, le=10000)
    per_accepted_answer: int = Field(default=25, ge=0, le=10000)
    #: the bonus of ``/award #N`` (the team's award for the week's best feedback)
    per_award: int = Field(default=100, ge=0, le=100000)
    #: a friend who joined through your ``/invite`` link took part...
    per_invite: int = Field(default=20, ge=0, le=100000)
    #: ...which means: earned this many points themselves (never the join alone)
    invite_after_points: int = Field(default=10, ge=1, le=100000)
    #: the weekly report names this many top contributors of the week — ideas, bug reports, answers,
    #: awards, invites; never chat — (0 leaves them out)
    weekly_top: int = Field(default=5, ge=0, le=50)
    #: seasons: standings that start again every this many weeks, counted from season_start
    #: (/leaderboard season, and the season's leaders in the weekly report); 0: no seasons
    season_weeks: int = Field(default=0, ge=0, le=520)
    season_start: date = date(2026, 1, 5)

    def season(self, now: datetime) -> tuple[int, datetime] | None:
        """``(number, start)`` of the season ``now`` is in (the first is 1), None without seasons."""
        if not self.season_weeks:
            return None
        first = datetime.combine(self.season_start, time(0), tzinfo=UTC)
        length = timedelta(weeks=self.season_weeks)
        n = max(0, (now - first) // length)
        return n + 1, first + n * length

    #: most points a member earns per UTC day from chat, feedback and votes received
    #: (shipped ideas, accepted answers and manager grants are not capped)
    daily_cap: int = Field(default=60, ge=0, le=100000)
    #: votes from accounts first seen less than this long ago earn their target nothing
    min_account_age_hours: float = Field(default=24, ge=0, le=24 * 365)
    #: most accepted answers a member is credited for per UTC day (accepted answers always count
    #: as accepted; past this they earn no points, so an ask-and-accept ring can't farm them)
    answers_per_day: int = Field(default=5, ge=0, le=1000)
    #: chats where messages earn nothing: "telegram:-100123", "discord:456"
    quiet_chats: StrList = Field(default_factory=list)
    grades: list[GradeSettings] = Field(default_factory=_default_grades)
    #: where "reached a new grade" is posted: the chat where it was earned ("chat"), to the member
    #: alone ("private"), the announcement chats ("announcements") or nowhere ("off")
    grade_up: Literal["chat", "private", "announcements", "off"] = "chat"
    #: grade-ups within this many seconds of the first one go out together, as one message
    grade_up_wait_seconds: float = Field(default=120, ge=0, le=86400)
    #: chats only members of a grade may join: {"telegram:-1001234" = "Contributor"}. Their invite
    #: link asks for approval; the bot approves requests from members at that grade or above
    grade_chats: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _gated_by_known_grades(self) -> PointsSettings:
        names = [g.name for g in self.grades]
        unknown = sorted(set(self.grade_chats.values()) - set(names))
        if unknown:
            raise ValueError(f"grade_chats names no such grade: {', '.join(unknown)} (grades: {', '.join(names)})")
        return self

    @field_validator("grades")
    @classmethod
    def _ordered(cls, grades: list[GradeSettings]) -> list[GradeSettings]:
        if not grades or grades[0].threshold != 0:
            raise ValueError("the first grade must have threshold 0")
        if any(b.threshold <= a.threshold for a, b in itertools.pairwise(grades)):
            raise ValueError("grade thresholds must increase")
        return grades


class BetaSettings(Section):
    #: how long a fan has to accept a beta invitation; unanswered, their place goes to the waitlist
    respond_hours: float = Field(default=72, gt=0, le=24 * 90)
    #: only fans active within this many days are picked
    active_days: int = Field(default=30, ge=1, le=3650)
    #: the testers' chat ("telegram:-1001234"): its invite link asks for approval, and the bot
    #: approves fans who joined an open beta
    chat: str | None = None
    #: that invite link, sent to every fan who joins a beta
    chat_link: str | None = Field(default=None, pattern=r"^https://")


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_weekly(value: str) -> tuple[str, int, int]:
    """``"mon 09:00"`` → ``("mon", 9, 0)``; raises ValueError with a clear message."""
    day, _, clock = value.strip().lower().partition(" ")
    hour, _, minute = clock.strip().partition(":")
    if day[:3] not in DAYS or not hour.isdigit() or not minute.isdigit():
        raise ValueError(f"{value!r} is not 'DAY HH:MM' (e.g. 'mon 09:00')")
    h, m = int(hour), int(minute)
    if not (0 <= h < 24 and 0 <= m < 60):
        raise ValueError(f"{value!r}: no such time of day")
    return day[:3], h, m


class FaqSettings(Section):
    #: answer in a fan channel only when at least this sure (the probability, from 0 to 1, that the
    #: entry is the right answer — the same scale on every engine); /ask always answers. 0.875: on
    #: the development data, over 90% of the answers given are right and under 5% of off-topic
    #: questions get one (bench/faq.py --calibrate; with semantic matching on, 0.8 does as well)
    answer_threshold: float = Field(default=0.875, gt=0, le=1)
    #: the same entry is not re-posted in a chat within this many minutes
    repeat_window_minutes: float = Field(default=10, ge=0, le=1440)
    #: an entry with this many 👎 (and more 👎 than 👍) is flagged to managers
    flag_after_downvotes: int = Field(default=3, ge=1, le=1000)
    #: an entry this many askers said 👎 to, for questions alike, is lowered for questions like
    #: theirs (one fan's 👎 changes nothing for others); /faq reset N clears them
    demote_after_downvotes: int = Field(default=3, ge=1, le=1000)
    #: fuse sentence embeddings with the lexical engine: "local" (the fanloop[semantic] extra) or
    #: "remote" (the /embeddings endpoint of the [llm] server, model [llm] embedding_model)
    semantic: Literal["off", "local", "remote"] = "off"
    #: a local sentence-transformers model directory; default: the packaged all-MiniLM-L6-v2
    semantic_model: str | None = None


class PrivacySettings(Section):
    #: when a fan deletes their data, keep their ideas others voted for (as "a former member")
    keep_voted_feedback: bool = True


class LLMSettings(Section):
    base_url: str | None = None  # e.g. http://127.0.0.1:11434/v1
    model: str = "gpt-4o-mini"
    embedding_model: str = "text-embedding-3-small"
    api_key: SecretStr | None = None
    timeout_seconds: float = Field(default=8.0, gt=0, le=120)
    #: answer a fan in their language when the FAQ entry is written in another: the LLM's translation
    #: first, the entry as written always kept below it. Off: fanloop never translates anything.
    translate: bool = False


def validate_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}") from None
    return value


class EnvFirstSettings(BaseSettings):
    """Settings whose ``FANLOOP_*`` environment variables beat the TOML file (passed as init kwargs);
    the core's and every platform's section (``adapters/platform_settings.py``) read them so."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # environment beats the TOML file (passed as init kwargs)
        return (env_settings, init_settings)


class HttpSettings(Section):
    """The process's HTTP server: /healthz, /metrics, webhooks and the dashboard. Off when empty."""

    #: HOST:PORT, e.g. "127.0.0.1:8080" (FANLOOP_HTTP_LISTEN); "0.0.0.0:8080" to be reached from outside
    listen: str | None = None
    #: where browsers reach this server, e.g. "https://fans.example.com" (dashboard sign-in links);
    #: empty: http://LISTEN, for a dashboard opened on the same machine
    public_url: str | None = None
    #: an adapter is "degraded" in /healthz when its oldest queued reply/notification/broadcast is older
    stale_after_seconds: float = Field(default=600, ge=10, le=7 * 86400)

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str | None) -> str | None:
        if not value:
            return None
        host, sep, port = value.rpartition(":")
        if not sep or not port.isdigit() or not 0 <= int(port) < 65536:  # 0: any free port
            raise ValueError(f"{value!r} must look like 127.0.0.1:8080")
        return f"{host or '127.0.0.1'}:{port}"

    @field_validator("public_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("https://", "http://")) or " " in value:
            raise ValueError(f"{value!r} must be a web address like https://fans.example.com")
        return value.rstrip("/")


class Settings(EnvFirstSettings):
    model_config = SettingsConfigDict(
        env_prefix="FANLOOP_",
        env_nested_delimiter="_",
        env_nested_max_split=1,
        extra="forbid",
        case_sensitive=False,
    )

    community_name: str = "fanloop"
    #: the language the bot speaks where nobody chose one: "en", "zh-CN" (members: /language,
    #: chats: /chat language)
    language: str = "en"
    #: SQLite when empty (in ``data_dir``); PostgreSQL: postgresql://user@host/db
    database_url: str | None = None
    data_dir: Path | None = None
    log_level: str = "INFO"
    log_format: str = "text"  # text | json
    #: the adapters' own sections (``[telegram]``, ``[discord]``, ...), validated by each adapter
    platforms: dict[str, dict[str, Any]] = Field(default_factory=dict, exclude=True)
    roles: RolesSettings = Field(default_factory=RolesSettings)
    limits: LimitsSettings = Field(default_factory=LimitsSettings)
    announcements: AnnouncementsSettings = Field(default_factory=AnnouncementsSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    feedback: FeedbackSettings = Field(default_factory=FeedbackSettings)
    points: PointsSettings = Field(default_factory=PointsSettings)
    beta: BetaSettings = Field(default_factory=BetaSettings)
    faq: FaqSettings = Field(default_factory=FaqSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    http: HttpSettings = Field(default_factory=HttpSettings)

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        from bot.i18n import available, negotiate

        if negotiate(value) is None:
            spoken = ", ".join(a.replace("_", "-") for a in available())
            raise ValueError(f"fanloop doesn't speak {value!r} (it speaks {spoken})")
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.upper()
        if value not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError(f"unknown log level {value!r} (DEBUG, INFO, WARNING, ERROR)")
        return value

    @field_validator("log_format")
    @classmethod
    def _format(cls, value: str) -> str:
        if value not in ("text", "json"):
            raise ValueError("must be 'text' or 'json'")
        return value


def load_settings(path: str | Path | None = None, platforms: Iterable[str] = ()) -> Settings:
    """Read the TOML file (if any) and the environment; raise :class:`ConfigError` if invalid.

    Tables named after an installed platform (``platforms``) are kept raw for its adapter."""
    source = path if path is not None else os.environ.get(ENV_CONFIG)
    data: dict[str, Any] = {}
    if source:
        file = Path(source).expanduser()
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {file}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{file}: invalid TOML: {exc}") from None
        except OSError as exc:
            raise ConfigError(f"cannot read config file {file}: {exc.strerror}") from None
    names = set(platforms)
    sections = {k: data.pop(k) for k in list(data) if k in names and isinstance(data[k], dict)}
    try:
        return Settings(**data, platforms=sections)
    except ValidationError as exc:
        raise ConfigError(describe(exc)) from None


def describe(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "config"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown setting"
        lines.append(f"{key}: {msg}")
    return "\n".join(lines)
