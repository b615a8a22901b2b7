"""Who is a manager on Discord (permissions, configured roles), and the adapter's health lines."""

from __future__ import annotations

import time
from typing import Any

import discord

from adapters.discord.plugin import DiscordSettings
from bot.commands import Role
from bot.events import Author, ChatRef
from bot.i18n import Domain

T = Domain("core")  # the lines the adapter writes for /status live in the core catalog

ROLE_TTL = 300.0


class DiscordRoles:
    """Mixed into the adapter, which provides the client, settings and the role cache."""

    client: discord.Client
    settings: DiscordSettings
    message_content: bool
    unreachable: dict[str, str]
    _roles: dict[tuple[str, str], tuple[float, Role | None]]

    # -- roles and health -------------------------------------------------------------------------
    def _role_from(self, perms: discord.Permissions, roles: Any) -> Role | None:
        names = {str(r.name).lower() for r in roles or []} | {str(r.id) for r in roles or []}
        if perms.administrator or perms.manage_guild or names & {r.lower() for r in self.settings.manager_roles}:
            return Role.MANAGER
        if perms.manage_messages or names & {r.lower() for r in self.settings.moderator_roles}:
            return Role.MODERATOR
        return None

    def _remember_role(self, guild_id: str, member: discord.Member) -> None:
        self._roles[(guild_id, str(member.id))] = (
            time.monotonic() + ROLE_TTL,
            self._role_from(member.guild_permissions, member.roles),
        )

    async def resolve_role(self, chat: ChatRef, author: Author) -> Role | None:
        if chat.community_id is None:
            return None
        cached = self._roles.get((chat.community_id, author.user_id))
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        guild = self.client.get_guild(int(chat.community_id))
        member = guild.get_member(int(author.user_id)) if guild else None
        if member is None:
            return None
        self._remember_role(chat.community_id, member)
        return self._roles[(chat.community_id, author.user_id)][1]

    async def describe(self, chat: ChatRef, where: str = "en") -> list[str]:
        lines = [
            "⚠ " + T(where, "Discord server {server} is configured but I can't reach it ({why}).", server=g, why=why)
            for g, why in self.unreachable.items()
        ]
        if not self.message_content:
            lines.append(
                "⚠ " + T(where, "The Message Content intent is off: I only see slash commands and mentions here.")
            )
        channel = self.client.get_channel(int(chat.chat_id))
        guild = getattr(channel, "guild", None)
        if guild is not None and channel is not None:
            perms = channel.permissions_for(guild.me)  # type: ignore[union-attr]
            if not perms.send_messages:
                lines.append("⚠ " + T(where, "I can't post in this channel (missing Send Messages permission)."))
            if self.settings.grade_roles and not guild.me.guild_permissions.manage_roles:
                lines.append(
                    "⚠ " + T(where, "Grades can't show as roles in this server: I need the Manage Roles permission.")
                )
        return lines
