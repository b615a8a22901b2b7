"""Discord interactions: slash commands and button presses handed to the core, and answered within
Discord's 3-second window (deferred when the core is slower; privately when the reply is private
or an error)."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from typing import Any

import discord

from adapters.discord.render import allowed_mentions, parse_custom_id, render_chunks, view
from adapters.discord.roles import ROLE_TTL
from bot.adapter import DeliveryError, EventSink, HandleResult
from bot.commands import CommandSpec, Role
from bot.events import Author, ButtonPressed, ChatRef, CommandInvocation, Event
from bot.replies import Reply

log = logging.getLogger(__name__)


class DiscordInteractions:
    """Mixed into the adapter, which provides the sink, chats, authors and delivery reports."""

    _sink: EventSink | None
    defer_after: float
    _roles: dict[tuple[str, str], tuple[float, Role | None]]

    def _chat(self, channel: Any, guild: discord.Guild | None) -> ChatRef:
        raise NotImplementedError  # the adapter's

    def _author(self, person: discord.User | discord.Member, guild: discord.Guild | None) -> Author:
        raise NotImplementedError  # the adapter's

    def _role_from(self, perms: discord.Permissions, roles: Any) -> Role | None:
        raise NotImplementedError  # DiscordRoles'

    async def _report(self, reply_id: int | None, failure: DeliveryError | None = None) -> None:
        raise NotImplementedError  # the adapter's

    async def _on_slash(self, interaction: discord.Interaction, spec: CommandSpec, values: dict[str, Any]) -> None:
        args: dict[str, str | int | None] = {}
        for name, value in values.items():
            args[name] = f"<@{value.id}>" if isinstance(value, discord.abc.User) else value
        event = CommandInvocation(
            chat=self._chat(interaction.channel or interaction.channel_id, interaction.guild),
            author=self._interaction_author(interaction),
            message_id=f"i{interaction.id}",
            name=spec.name,
            args=args,
            sent_at=interaction.created_at,
        )
        await self._answer(interaction, event, slow=spec.slow)

    async def _on_component(self, interaction: discord.Interaction) -> None:
        if interaction.type is not discord.InteractionType.component or not interaction.data:
            return
        parsed = parse_custom_id(str(interaction.data.get("custom_id", "")))
        if parsed is None:
            return
        event = ButtonPressed(
            self._chat(interaction.channel or interaction.channel_id, interaction.guild),
            self._interaction_author(interaction),
            f"i{interaction.id}",
            parsed[0],
            parsed[1],
            interaction.created_at,
        )
        await self._answer(interaction, event, slow=False)

    def _interaction_author(self, interaction: discord.Interaction) -> Author:
        author = self._author(interaction.user, interaction.guild)
        if interaction.guild is not None:  # the interaction carries the member's resolved permissions
            self._roles[(str(interaction.guild.id), author.user_id)] = (
                time.monotonic() + ROLE_TTL,
                self._role_from(interaction.permissions, getattr(interaction.user, "roles", [])),
            )
        return replace(author, language=str(interaction.locale))  # the member's Discord client language

    async def _answer(self, interaction: discord.Interaction, event: Event, *, slow: bool) -> None:
        """Hand the event to the core and answer the interaction within Discord's window."""
        assert self._sink is not None
        work = asyncio.create_task(self._sink.handle(event))
        if slow:
            await interaction.response.defer(thinking=True)
        else:
            done, _ = await asyncio.wait({work}, timeout=self.defer_after)
            if not done:
                await interaction.response.defer(thinking=True)
        result: HandleResult = await work
        replies = result.replies or (Reply(()),) if not interaction.response.is_done() else result.replies
        for reply in replies:
            await self._respond(interaction, reply)
        for reply_id in result.reply_ids:  # answered through the interaction (or it expired: logged)
            await self._report(reply_id)

    async def _respond(self, interaction: discord.Interaction, reply: Reply) -> None:
        chunks = render_chunks(reply) if reply.segments or reply.is_error else ["✓"]
        ephemeral = reply.private or reply.is_error
        components = view(reply.buttons)
        for i, content in enumerate(chunks):
            last = i == len(chunks) - 1
            kwargs: dict[str, Any] = {
                "content": content,
                "ephemeral": ephemeral,
                "allowed_mentions": allowed_mentions(reply),
            }
            if last and components is not None:
                kwargs["view"] = components
            try:
                if not interaction.response.is_done():
                    await interaction.response.send_message(**kwargs)
                else:
                    await interaction.followup.send(**kwargs)
            except discord.NotFound:
                log.warning("interaction expired before the answer", extra={"interaction": interaction.id})
                return
