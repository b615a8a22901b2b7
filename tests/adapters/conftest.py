"""Shared fixtures of the adapter tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.telegram_api import FakeTelegramAPI


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramAPI]:
    """The fake Bot API on a free port of 127.0.0.1 (a module may override ``fake`` with its own,
    as the Discord tests do with the fake Discord)."""
    api = FakeTelegramAPI()
    await api.start()
    yield api
    await api.stop()
