"""The Discord adapter (discord.py). ``plugin`` is what the core sees; the adapter is imported on
first use so that listing platforms does not load discord.py."""

from typing import Any

__all__ = ["DiscordAdapter", "point_at"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from adapters.discord import adapter

        return getattr(adapter, name)
    raise AttributeError(name)
