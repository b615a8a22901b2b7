"""Messages posted while the bot was away are not lost: after every new gateway session (a start,
or a reconnect Discord could not resume) each readable channel where fanloop has handled messages
before is read from history since the newest one it handled, oldest first, through the same path
as live messages — the core's claims make each one handled once, also when the live event and the
history both bring it. Bounded: the last day, at most ``LIMIT`` messages a channel."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import discord

from bot.adapter import EventSink

log = logging.getLogger(__name__)
LIMIT = 200
WINDOW = timedelta(hours=24)


async def catch_up(
    client: discord.Client,
    sink: EventSink,
    handle: Callable[[discord.Message], Awaitable[None]],
    now: datetime,
) -> int:
    try:
        return await _catch_up(client, sink, handle, now)
    except Exception:
        log.exception("Discord catch-up failed")
        raise


async def _catch_up(
    client: discord.Client,
    sink: EventSink,
    handle: Callable[[discord.Message], Awaitable[None]],
    now: datetime,
) -> int:
    floor = discord.utils.time_snowflake(now - WINDOW)
    handled = 0
    for guild in client.guilds:
        me = guild.me
        for channel in guild.text_channels:
            perms = channel.permissions_for(me) if me is not None else None
            if perms is not None and not (perms.view_channel and perms.read_message_history):
                continue
            last = await sink.last_handled("discord", str(channel.id))
            if last is None:  # never handled anything here: no point to resume from
                continue
            after = discord.Object(max(int(last), floor))
            try:
                async for message in channel.history(after=after, limit=LIMIT, oldest_first=True):
                    if not message.author.bot:
                        await handle(message)
                        handled += 1
            except discord.HTTPException as exc:
                log.warning("Discord catch-up skipped a channel", extra={"chat": channel.id, "error": str(exc)})
    if handled:
        log.info("Discord: caught up with %d message(s) posted while offline", handled)
    return handled
