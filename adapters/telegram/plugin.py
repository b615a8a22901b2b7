"""How the core knows Telegram: its settings section, mention and chat syntax, and the adapter.

Light on purpose: python-telegram-bot is imported only when the adapter is created."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from adapters.platform_settings import PlatformSection
from bot.platforms import PlatformPlugin
from bot.settings import read_secret

if TYPE_CHECKING:
    from bot.adapter import Adapter
    from bot.clock import Clock


class TelegramSettings(PlatformSection):
    model_config = SettingsConfigDict(env_prefix="FANLOOP_TELEGRAM_")

    token: SecretStr | None = None
    token_file: Path | None = None
    #: python-telegram-bot's form, e.g. ``http://127.0.0.1:8081/bot`` (token appended)
    base_url: str = "https://api.telegram.org/bot"
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1:8443"
    webhook_secret: SecretStr | None = None
    #: the bot's sending ceiling: Telegram allows about 30 messages/s (paid broadcasts: up to 1,000)
    messages_per_second: float = Field(default=29.5, gt=0, le=1000)

    @model_validator(mode="after")
    def _secret_file(self) -> TelegramSettings:
        self.token = read_secret(self.token, self.token_file, "token")
        return self


def _create(section: TelegramSettings, clock: Clock, options: Mapping[str, Any]) -> Adapter:
    from adapters.telegram.adapter import TelegramAdapter

    return TelegramAdapter(settings=section, clock=clock, **options)


def _configured(section: TelegramSettings) -> bool:
    return bool(section.token and section.token.get_secret_value())


plugin = PlatformPlugin(
    name="telegram",
    settings=TelegramSettings,
    create=_create,
    configured=_configured,
    mention=re.compile(r"^tg://user\?id=(\d+)$"),
    chat_id=re.compile(r"-?\d{1,20}"),
    secrets=lambda s: (s.token, s.webhook_secret),
)
