"""Roles of the fake Discord's servers and who holds them, with the REST routes that change them.

Answered as Discord does: ``POST /guilds/{id}/roles`` creates a role, ``PUT``/``DELETE
/guilds/{id}/members/{user}/roles/{role}`` give and take one (204), ``GET /guilds/{id}/members/{user}``
reads a member; every change is also announced on the gateway (``GUILD_ROLE_CREATE``,
``GUILD_MEMBER_UPDATE``), which is how discord.py's cache learns of it. The bot holds a role with
Manage Roles unless a test takes it away (``forbidden``: every change answers 403, Missing Permissions).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Awaitable, Callable
from typing import Any

MANAGE_ROLES = 0x10000000

Dispatch = Callable[[str, dict[str, Any]], Awaitable[None]]


def role(role_id: str, name: str, position: int, permissions: int = 0) -> dict[str, Any]:
    return {
        "id": role_id,
        "name": name,
        "permissions": str(permissions),
        "position": position,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


class GuildRoles:
    def __init__(self, dispatch: Dispatch, users: dict[str, dict[str, Any]]) -> None:
        self._dispatch = dispatch
        self._users = users
        #: guild id -> its roles other than @everyone
        self.roles: dict[str, list[dict[str, Any]]] = {}
        #: (guild id, user id) -> ids of the roles held
        self.held: dict[tuple[str, str], list[str]] = {}
        #: the bot lost Manage Roles: changes answer 403
        self.forbidden = False
        self._ids = itertools.count(7000)

    def bot_role(self, guild_id: str) -> str:
        """The bot's own role (with Manage Roles), made with the guild."""
        found = [r for r in self.roles.setdefault(guild_id, []) if r["name"] == "Fanloop"]
        if not found:
            self.roles[guild_id].append(role(f"{guild_id}9", "Fanloop", 10, MANAGE_ROLES))
        return f"{guild_id}9"

    def add(self, guild_id: str, name: str) -> str:
        role_id = str(next(self._ids))
        self.roles.setdefault(guild_id, []).append(role(role_id, name, len(self.roles[guild_id]) + 1))
        return role_id

    def of(self, guild_id: str, uid: str) -> list[str]:
        return list(self.held.get((guild_id, uid), []))

    def names(self, guild_id: str, uid: str) -> set[str]:
        by_id = {r["id"]: r["name"] for r in self.roles.get(guild_id, [])}
        return {by_id[r] for r in self.of(guild_id, uid)}

    def give(self, guild_id: str, uid: str, name: str) -> None:
        """A role given by hand (a moderator in Discord's client), not through the bot."""
        role_id = next(r["id"] for r in self.roles[guild_id] if r["name"] == name)
        self.held.setdefault((guild_id, uid), []).append(role_id)

    def payloads(self, guild_id: str) -> list[dict[str, Any]]:
        self.bot_role(guild_id)
        return list(self.roles[guild_id])

    def _member(self, guild_id: str, uid: str) -> dict[str, Any]:
        return {
            "guild_id": guild_id,
            "user": self._users[uid],
            "roles": self.of(guild_id, uid),
            "joined_at": "2024-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
            "nick": None,
        }

    async def handle(self, method: str, path: str, body: Any) -> tuple[int, Any] | None:
        """``(status, json)`` for a role route, None for any other."""
        if (m := re.fullmatch(r"guilds/(\d+)/roles", path)) is not None and method == "POST":
            if self.forbidden:
                return 403, {"message": "Missing Permissions", "code": 50013}
            guild_id = m.group(1)
            role_id = self.add(guild_id, str(body.get("name") or "new role"))
            created = next(r for r in self.roles[guild_id] if r["id"] == role_id)
            await self._dispatch("GUILD_ROLE_CREATE", {"guild_id": guild_id, "role": created})
            return 200, created
        if (m := re.fullmatch(r"guilds/(\d+)/members/(\d+)/roles/(\d+)", path)) is not None:
            if self.forbidden:
                return 403, {"message": "Missing Permissions", "code": 50013}
            guild_id, uid, role_id = m.groups()
            held = self.held.setdefault((guild_id, uid), [])
            if method == "PUT" and role_id not in held:
                held.append(role_id)
            elif method == "DELETE" and role_id in held:
                held.remove(role_id)
            await self._dispatch("GUILD_MEMBER_UPDATE", self._member(guild_id, uid))
            return 204, None
        if (m := re.fullmatch(r"guilds/(\d+)/members/(\d+)", path)) is not None and method == "GET":
            guild_id, uid = m.groups()
            if uid not in self._users:
                return 404, {"message": "Unknown Member", "code": 10007}
            return 200, self._member(guild_id, uid)
        return None


class GuildInvites:
    """Invites, as Discord keeps them: ``POST /channels/{id}/invites`` makes one, ``GET
    /guilds/{id}/invites`` lists them with their use counts (Manage Server; ``forbidden`` answers 403),
    and :meth:`join` is a member arriving through one (``GUILD_MEMBER_ADD``, sent only to bots with the
    Server Members intent — which the adapter asks for when ``members_intent`` is on)."""

    def __init__(self, dispatch: Dispatch, users: dict[str, dict[str, Any]], guild_of: Callable[[str], str | None],
                 bot: dict[str, Any]) -> None:  # fmt: skip
        self._dispatch, self._users, self._guild_of, self._bot = dispatch, users, guild_of, bot
        self.invites: dict[str, dict[str, Any]] = {}
        self.forbidden = False
        self._codes = itertools.count(1)

    def _payload(self, code: str) -> dict[str, Any]:
        i = self.invites[code]
        guild = {"id": i["guild_id"], "name": "Acme fans", "splash": None, "banner": None, "description": None,
                 "icon": None, "features": [], "verification_level": 0, "vanity_url_code": None,
                 "nsfw_level": 0}  # fmt: skip
        return {
            "type": 0,
            "code": code,
            "guild": guild,
            "channel": {"id": i["channel_id"], "name": "general", "type": 0},
            "inviter": self._bot,
            "uses": i["uses"],
            "max_uses": 0,
            "max_age": 0,
            "temporary": False,
            "created_at": "2026-01-05T12:00:00+00:00",
        }

    async def join(self, uid: str, name: str, code: str) -> None:
        from tests.fakes.discord_payloads import user

        self._users[uid] = user(uid, name)
        invite = self.invites[code]
        invite["uses"] += 1
        member = {"guild_id": invite["guild_id"], "user": self._users[uid], "roles": [], "flags": 0, "nick": None,
                  "joined_at": "2026-01-05T12:00:00+00:00", "deaf": False, "mute": False}  # fmt: skip
        await self._dispatch("GUILD_MEMBER_ADD", member)

    async def handle(self, method: str, path: str, body: Any) -> tuple[int, Any] | None:
        if (m := re.fullmatch(r"channels/(\d+)/invites", path)) is not None and method == "POST":
            guild_id = self._guild_of(m.group(1))
            if guild_id is None:
                return 404, {"message": "Unknown Channel", "code": 10003}
            code = f"fan{next(self._codes)}"
            self.invites[code] = {"guild_id": guild_id, "channel_id": m.group(1), "uses": 0}
            return 200, self._payload(code)
        if (m := re.fullmatch(r"guilds/(\d+)/invites", path)) is not None and method == "GET":
            if self.forbidden:
                return 403, {"message": "Missing Permissions", "code": 50013}
            return 200, [self._payload(c) for c, i in self.invites.items() if i["guild_id"] == m.group(1)]
        return None
