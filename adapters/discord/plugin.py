"""How the core knows Discord: its settings section, mention and chat syntax, and the adapter.

Light on purpose: discord.py is imported only when the adapter is created."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from adapters.platform_settings import PlatformSection
from bot.platforms import PlatformPlugin
from bot.settings import IntList, StrList, read_secret

if TYPE_CHECKING:
    from bot.adapter import Adapter
    from bot.clock import Clock


class DiscordSettings(PlatformSection):
    model_config = SettingsConfigDict(env_prefix="FANLOOP_DISCORD_")

    token: SecretStr | None = None
    token_file: Path | None = None
    api_base: str | None = None
    gateway_url: str | None = None
    guild_ids: IntList = Field(default_factory=list)
    manager_roles: StrList = Field(default_factory=list)
    moderator_roles: StrList = Field(default_factory=list)
    #: fanloop grades shown as server roles: {grade = role name or id}; a role named here that the
    #: server lacks is created. The bot needs Manage Roles, and its own role above these.
    grade_roles: dict[str, str] = Field(default_factory=dict)
    #: the Server Members intent (privileged: enable it in the Developer Portal too). With it the bot
    #: sees every member's roles, so grade roles given or kept by hand are put right at start.
    members_intent: bool = False
    #: total shards of the bot (Discord requires sharding past 2,500 servers); with ``shard_ids``,
    #: this process runs only those shards (``fanloop run --shards 0-1 --shard-count 4``)
    shard_count: int | None = Field(default=None, ge=1, le=10000)
    shard_ids: IntList | None = None

    @model_validator(mode="after")
    def _shards(self) -> DiscordSettings:
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise ValueError("shard_ids needs shard_count (the bot's total number of shards)")
            bad = [i for i in self.shard_ids if not 0 <= i < self.shard_count]
            if bad or not self.shard_ids:
                raise ValueError(f"shard_ids must be between 0 and {self.shard_count - 1}")
        return self

    @model_validator(mode="after")
    def _secret_file(self) -> DiscordSettings:
        self.token = read_secret(self.token, self.token_file, "token")
        return self


def _create(section: DiscordSettings, clock: Clock, options: Mapping[str, Any]) -> Adapter:
    from adapters.discord.adapter import DiscordAdapter

    options = dict(options)
    shards = {k: options.pop(k) for k in ("shard_ids", "shard_count") if k in options}
    if shards:  # fanloop run --shards/--shard-count: validated like the settings
        section = DiscordSettings.model_validate({**section.model_dump(), **shards})
    return DiscordAdapter(settings=section, clock=clock, **options)


def _configured(section: DiscordSettings) -> bool:
    return bool(section.token and section.token.get_secret_value())


plugin = PlatformPlugin(
    name="discord",
    settings=DiscordSettings,
    create=_create,
    configured=_configured,
    mention=re.compile(r"^<@!?(\d{5,25})>$"),
    chat_id=re.compile(r"\d{5,25}"),
    secrets=lambda s: (s.token,),
)
