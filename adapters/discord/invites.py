"""Personal invite links on Discord: ``/invite`` makes a unique invite per fan; a member who joins is
matched to the invite whose use count went up (Discord doesn't say which invite a member used).

Needs the Server Members intent (``members_intent``: joins are only delivered with it) and Manage
Server (to read the invites' use counts). Use counts are read when a server becomes available and
after each join; two joins within the same instant can't be told apart and are credited to nobody.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord

from adapters.discord.plugin import DiscordSettings
from adapters.lanes import Lanes
from bot.adapter import DeliveryError, EventSink
from bot.events import Author, ChatRef, MemberJoined

log = logging.getLogger(__name__)


class DiscordInvites:
    """Mixed into the adapter, which provides the client and settings."""

    client: discord.Client
    settings: DiscordSettings
    #: guild id -> invite code -> uses, as last read
    _invite_uses: dict[int, dict[str, int]]
    _invite_lock: asyncio.Lock
    _sink: EventSink | None
    lanes: Lanes

    def _chat(self, channel: Any, guild: discord.Guild | None) -> ChatRef:
        raise NotImplementedError  # the adapter's

    def _author(self, person: discord.User | discord.Member, guild: discord.Guild | None) -> Author:
        raise NotImplementedError  # the adapter's

    async def _on_member_join(self, member: discord.Member) -> None:
        """A member joined a server: tell the core, with the invite they came through when known."""
        if member.bot or self._sink is None:
            return
        guild = member.guild
        via = await self._invite_used(guild)
        channel = guild.system_channel or next(iter(guild.text_channels), None)
        if channel is None:
            return
        when = member.joined_at or discord.utils.utcnow()
        event = MemberJoined(
            self._chat(channel, guild), self._author(member, guild), f"join:{member.id}:{int(when.timestamp())}",
            when, via,
        )  # fmt: skip
        sink = self._sink
        await self.lanes.submit(event.chat.chat_id, lambda: sink.handle(event))

    async def create_invite(self, chat: ChatRef, name: str) -> str:
        if not self.settings.members_intent:
            raise DeliveryError(
                "crediting invites on Discord needs the Server Members intent (members_intent = true)", permanent=True
            )
        channel = self.client.get_channel(int(chat.chat_id))
        if not isinstance(channel, discord.TextChannel):
            raise DeliveryError("invites are made in a server's text channel", permanent=True)
        try:
            invite = await channel.create_invite(max_age=0, max_uses=0, unique=True, reason=f"fanloop: {name}")
        except discord.Forbidden as exc:
            raise DeliveryError("I need the Create Invite permission in this channel", permanent=True) from exc
        except discord.HTTPException as exc:
            raise DeliveryError(f"Discord answered {exc.status} for a new invite", permanent=False) from exc
        self._invite_uses.setdefault(channel.guild.id, {})[invite.code] = invite.uses or 0
        return invite.url

    async def _read_invites(self, guild: discord.Guild) -> dict[str, int] | None:
        try:
            return {i.code: i.uses or 0 for i in await guild.invites()}
        except discord.HTTPException as exc:  # no Manage Server: joins can't be attributed
            log.info("invite uses unreadable", extra={"guild": guild.id, "status": exc.status})
            return None

    async def _baseline_invites(self, guild: discord.Guild) -> None:
        uses = await self._read_invites(guild)
        if uses is not None:
            self._invite_uses[guild.id] = uses

    async def _invite_used(self, guild: discord.Guild) -> str | None:
        """The invite a member who just joined came through: the one whose uses went up (None when
        it can't be told: several went up, or the counts can't be read)."""
        async with self._invite_lock:
            before = self._invite_uses.get(guild.id, {})
            now = await self._read_invites(guild)
            if now is None:
                return None
            self._invite_uses[guild.id] = now
        grew = [code for code, uses in now.items() if uses > before.get(code, 0)]
        return f"https://discord.gg/{grew[0]}" if len(grew) == 1 else None
