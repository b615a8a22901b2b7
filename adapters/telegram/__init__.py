"""The Telegram adapter (python-telegram-bot). ``plugin`` is what the core sees; the adapter class
is imported on first use so that listing platforms does not load python-telegram-bot."""

from typing import Any

__all__ = ["TelegramAdapter"]


def __getattr__(name: str) -> Any:
    if name == "TelegramAdapter":
        from adapters.telegram.adapter import TelegramAdapter

        return TelegramAdapter
    raise AttributeError(name)
