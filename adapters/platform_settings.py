"""What every adapter's settings section shares: ``[name]`` in the TOML, ``FANLOOP_NAME_*`` in the
environment (which wins), unknown keys refused, and secrets that may come from a file."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from bot.settings import EnvFirstSettings


class PlatformSection(EnvFirstSettings):
    model_config = SettingsConfigDict(extra="forbid", case_sensitive=False)
