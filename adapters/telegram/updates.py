"""getUpdates over a client of the adapter's own, building python-telegram-bot Updates only for
updates the receiver has not seen yet.

Polling keeps the offset at the lowest update not yet handled (a watermark), so a poll returns the
updates still running above it again — up to 100 each time. Building an ``Update`` costs ~150 µs;
decoding its JSON a few. So the JSON is filtered by ``update_id`` first and PTB builds objects only
for the new ones. Errors are raised as PTB's own (``InvalidToken``, ``Conflict``, ``RetryAfter``,
``NetworkError``, ``TimedOut``), so callers handle a poll like any other Bot API call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import httpx
from telegram import Bot, Update
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

LIMIT = 100  # the most Telegram returns in one poll


class UpdateSource:
    def __init__(self, bot: Bot, *, allowed_updates: Sequence[str]) -> None:
        self.bot = bot
        self.allowed = list(allowed_updates)
        self._client: httpx.AsyncClient | None = None
        #: polls made and Update objects built (each update once, however often it is polled)
        self.polls = 0
        self.built = 0

    async def get(self, *, offset: int | None, wait: int, seen: Callable[[int], bool]) -> list[Update]:
        """The updates from ``offset`` on that ``seen`` does not know, in Telegram's order."""
        if self._client is None:
            self._client = httpx.AsyncClient(limits=httpx.Limits(max_connections=1))
        body: dict[str, Any] = {"timeout": wait, "limit": LIMIT, "allowed_updates": self.allowed}
        if offset:
            body["offset"] = offset
        try:
            response = await self._client.post(
                f"{self.bot.base_url}/getUpdates",
                json=body,
                timeout=httpx.Timeout(10.0, read=wait + 10.0),
            )
        except httpx.TimeoutException as exc:
            raise TimedOut(f"getUpdates: {type(exc).__name__}") from exc
        except httpx.HTTPError as exc:
            raise NetworkError(f"getUpdates: {type(exc).__name__}: {exc}") from exc
        try:
            answer = response.json()
        except ValueError:
            raise NetworkError(f"getUpdates: HTTP {response.status_code}, not JSON") from None
        if not isinstance(answer, dict) or not answer.get("ok"):
            raise _error(response.status_code, answer if isinstance(answer, dict) else {})
        self.polls += 1
        fresh = [
            Update.de_json(data, self.bot)
            for data in answer.get("result") or ()
            if isinstance(data, dict) and not seen(int(data.get("update_id", 0)))
        ]
        self.built += len(fresh)
        return fresh

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def _error(status: int, answer: dict[str, Any]) -> TelegramError:
    """The exception python-telegram-bot raises for the same answer."""
    description = str(answer.get("description") or f"HTTP {status}")
    parameters = answer.get("parameters") or {}
    if status in (401, 404):  # Telegram answers 404 for a malformed token
        return InvalidToken(description)
    if status == 403:
        return Forbidden(description)
    if status == 409:
        return Conflict(description)
    if status == 429 and "retry_after" in parameters:
        return RetryAfter(int(parameters["retry_after"]))
    if status == 400:
        return BadRequest(description)
    return NetworkError(description)
