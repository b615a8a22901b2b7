"""Configuration: one TOML file, overridden by ``FANLOOP_*`` environment variables.

``FANLOOP_TELEGRAM_TOKEN`` sets ``[telegram] token``; ``FANLOOP_DATABASE_URL`` sets the
top-level ``database_url``. Secrets are :class:`SecretStr`: never logged or echoed, and may
also come from a file (``token_file``) so they stay out of the TOML.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from bot.settings_base import ConfigError as ConfigError
from bot.settings_base import IntList as IntList
from bot.settings_base import Section as Section
from bot.settings_base import StrList as StrList
from bot.settings_base import check_template as check_template
from bot.settings_base import read_secret as read_secret
from bot.settings_community import BetaSettings as BetaSettings
from bot.settings_community import GradeSettings as GradeSettings
from bot.settings_community import PointsSettings as PointsSettings

ENV_CONFIG = "FANLOOP_CONFIG"


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
    #: how sure (0-1, the matching engine's calibrated confidence) that an open item is the same idea
    #: before "+1 #N instead" is offered. 0.68: ~70% of such hints right, ~6.5% of different ideas
    #: hinted (bench/duplicates.py --choose ../shared/faq-bench bench/zh-faq/dev)
    similar_threshold: float = Field(default=0.68, gt=0, le=1)
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
    #: entry is the right answer — the same scale on every engine); /ask always answers. 0.875:
    #: on the development data, over 90% of the answers given are right and under 5% of off-topic
    #: questions get one, on either engine (bench/faq.py --eval ../shared/faq-bench)
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
