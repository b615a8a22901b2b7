"""fanloop grades as Discord roles: ``[discord] grade_roles`` maps a grade to a role (name or id).

The bot creates a named role the server lacks, gives each member the role of their grade and takes
the other grade roles away, in every server this process serves. Roles the mapping doesn't name are
never touched. Needs Manage Roles, with the bot's own role above the grade roles.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import TypeVar

import discord

from adapters.discord.plugin import DiscordSettings
from bot.adapter import DeliveryError

log = logging.getLogger(__name__)
REASON = "fanloop grade"
R = TypeVar("R")


class DiscordGrades:
    """Mixed into the adapter, which provides the client and settings."""

    client: discord.Client
    settings: DiscordSettings
    #: what this process last applied per user (a repeat is then free); cleared on restart
    _shown: dict[str, str]
    _grade_lock: asyncio.Lock

    def shows_grades(self) -> bool:
        return bool(self.settings.grade_roles)

    def _grade_guilds(self) -> list[discord.Guild]:
        wanted = set(self.settings.guild_ids)
        return [g for g in self.client.guilds if not wanted or g.id in wanted]

    async def _grade_role_map(self, guild: discord.Guild) -> dict[str, discord.Role]:
        """Each mapped grade's role in ``guild``, creating those named but missing (once: under a lock,
        and created roles are found by name afterwards)."""
        roles: dict[str, discord.Role] = {}
        async with self._grade_lock:
            for grade, ref in self.settings.grade_roles.items():
                role = guild.get_role(int(ref)) if ref.isdigit() else discord.utils.get(guild.roles, name=ref)
                if role is None and not ref.isdigit():
                    role = await self._guarded(guild, guild.create_role(name=ref, reason=REASON))
                if role is not None:
                    roles[grade] = role
        return roles

    async def _guarded(self, guild: discord.Guild, call: Awaitable[R]) -> R:
        try:
            return await call
        except discord.Forbidden as exc:
            raise DeliveryError(
                f"I can't manage roles in Discord server {guild.name}: give me Manage Roles and put my role "
                "above the grade roles",
                permanent=True,
            ) from exc
        except discord.HTTPException as exc:
            raise DeliveryError(f"Discord answered {exc.status} while changing roles", permanent=False) from exc

    async def show_grade(self, user_id: str, grade: str) -> bool:
        if not self.settings.grade_roles or self._shown.get(user_id) == grade:
            return False
        changed = False
        for guild in self._grade_guilds():
            roles = await self._grade_role_map(guild)
            member = guild.get_member(int(user_id))
            if member is None:
                try:
                    member = await guild.fetch_member(int(user_id))
                except discord.NotFound:
                    continue  # not in this server
                except discord.HTTPException as exc:
                    raise DeliveryError(f"Discord answered {exc.status} for a member", permanent=False) from exc
            held = {r.id for r in member.roles}
            stale = [r for g, r in roles.items() if g != grade and r.id in held]
            if stale:
                await self._guarded(guild, member.remove_roles(*stale, reason=REASON))
                changed = True
            role = roles.get(grade)
            if role is not None and role.id not in held:
                await self._guarded(guild, member.add_roles(role, reason=REASON))
                changed = True
        self._shown[user_id] = grade
        return changed

    async def grade_holders(self) -> dict[str, str]:
        holders: dict[str, str] = {}
        for guild in self._grade_guilds():
            for grade, role in (await self._grade_role_map(guild)).items():
                for member in role.members:  # the members this process has cached
                    holders[str(member.id)] = grade
                    self._shown.pop(str(member.id), None)  # seen as it is now, not as last applied
        return holders
