"""Calling the Bot API so that nothing is dropped: flood waits are waited out, a migrated
group is followed to its new id, permanent refusals become :class:`DeliveryError`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

import aiohttp
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from adapters.telegram.request import NotSent
from bot.adapter import DeliveryError

log = logging.getLogger(__name__)
T = TypeVar("T")
NETWORK_ATTEMPTS = 5


#: calls that post something: resending one whose outcome is unknown could post it twice
SENDS = frozenset({"sendMessage", "sendPoll", "sendDocument", "sendPhoto"})


def _never_left(exc: TimedOut) -> bool:
    """The timeout happened before the request reached Telegram (connecting, or waiting for a
    free connection in the pool): sending again cannot duplicate anything."""
    return isinstance(exc.__cause__, NotSent)


def _may_have_arrived(exc: NetworkError) -> bool:
    """The connection failed after the request may have been written (dropped, reset mid-answer):
    Telegram may have acted on it. (Failures before it left are :class:`NotSent`.)"""
    return isinstance(exc.__cause__, aiohttp.ClientError)


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def explain(exc: Exception) -> str:
    """A manager-readable reason for a failed delivery."""
    text = getattr(exc, "message", str(exc))
    low = text.lower()
    if "blocked" in low:
        return "the user blocked the bot"
    if "kicked" in low or "not a member" in low:
        return "the bot was removed from this chat"
    if "chat not found" in low:
        return "the chat no longer exists (or the bot was never in it)"
    if "not enough rights" in low or "have no rights" in low:
        return "the bot lacks permission to post here"
    if "initiate conversation" in low or "can't initiate" in low:
        return "the member never started a private chat with the bot"
    return f"Telegram refused: {text}"


async def call(
    method: str,
    fn: Callable[..., Awaitable[T]],
    kwargs: dict[str, Any],
    on_migrate: Callable[[str, str], Awaitable[None]] | None = None,
    turn: Callable[[], Awaitable[None]] | None = None,
    on_wait: Callable[[float], None] | None = None,
) -> T:
    """Call ``fn(**kwargs)`` until it succeeds or fails for good; every attempt, retries included,
    first waits for its ``turn`` under the bot's rate limit."""
    network_failures = 0
    while True:
        try:
            if turn is not None:
                await turn()
            return await fn(**kwargs)
        except RetryAfter as exc:  # the rate limiter already retried: keep waiting, never drop
            wait = _seconds(exc.retry_after)
            log.warning("flood control: waiting", extra={"method": method, "seconds": wait})
            if on_wait is not None:
                on_wait(wait)
            await asyncio.sleep(wait + 0.1)
        except ChatMigrated as exc:
            old, new = str(kwargs.get("chat_id")), str(exc.new_chat_id)
            log.info("group migrated to a supergroup", extra={"old": old, "new": new})
            kwargs = {**kwargs, "chat_id": exc.new_chat_id}
            if on_migrate is not None:
                await on_migrate(old, new)
        except Forbidden as exc:
            raise DeliveryError(explain(exc), permanent=True) from exc
        except BadRequest as exc:
            log.warning("Telegram rejected a call", extra={"method": method, "error": exc.message})
            raise DeliveryError(explain(exc), permanent="not found" in exc.message.lower()) from exc
        except TimedOut as exc:
            if method in SENDS and not _never_left(exc):
                # the request went out and no answer came: Telegram may have the message
                raise DeliveryError(f"no answer from Telegram to {method}", permanent=False, unknown=True) from exc
            network_failures += 1
            if network_failures >= NETWORK_ATTEMPTS:
                raise DeliveryError(f"Telegram unreachable: {exc}", permanent=False) from exc
            await asyncio.sleep(min(30.0, 0.5 * 2**network_failures))
        except NetworkError as exc:
            if method in SENDS and _may_have_arrived(exc):
                raise DeliveryError(f"the connection failed during {method}", permanent=False, unknown=True) from exc
            network_failures += 1
            if network_failures >= NETWORK_ATTEMPTS:
                raise DeliveryError(f"Telegram unreachable: {exc}", permanent=False) from exc
            await asyncio.sleep(min(30.0, 0.5 * 2**network_failures))
