"""How the core knows the console: the fallback platform when no token is configured."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic_settings import SettingsConfigDict

from adapters.platform_settings import PlatformSection
from bot.platforms import PlatformPlugin

if TYPE_CHECKING:
    from bot.adapter import Adapter
    from bot.clock import Clock


class ConsoleSettings(PlatformSection):
    model_config = SettingsConfigDict(env_prefix="FANLOOP_CONSOLE_")


def _create(section: ConsoleSettings, clock: Clock, options: Mapping[str, Any]) -> Adapter:
    from adapters.console.adapter import ConsoleAdapter
    from bot.commands import Role

    return ConsoleAdapter(clock=clock, **{"default_role": Role.ADMIN, **options})


plugin = PlatformPlugin(
    name="console",
    settings=ConsoleSettings,
    create=_create,
    chat_id=re.compile(r"[\w.\-]{1,64}"),
    fallback=True,
    fan_channels=("fans",),
    fold_case=True,
)
