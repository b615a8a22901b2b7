"""Who may do what: config allowlists on top of what the platform says."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.commands import Role
from bot.events import Author, ChatRef
from bot.settings import RolesSettings

PlatformRoleLookup = Callable[[ChatRef, Author], Awaitable[Role | None]]


class RoleResolver:
    """A member's role is the highest of: the config allowlist, and the platform's hint
    (Telegram chat creator/administrator, Discord Manage Server, a console transcript's
    ``name@role``), resolved by the adapter."""

    def __init__(self, settings: RolesSettings, *, fold_case: Callable[[str], bool] = lambda _platform: False) -> None:
        #: platforms whose user ids are names that ignore case (the console)
        self._fold = fold_case
        self._allow: dict[str, Role] = {}
        for role, ids in (
            (Role.MODERATOR, settings.moderators),
            (Role.MANAGER, settings.managers),
            (Role.ADMIN, settings.admins),
        ):
            for key in ids:
                self._allow[self._key(key)] = role
        self._platform: dict[str, PlatformRoleLookup] = {}

    def register_platform(self, platform: str, lookup: PlatformRoleLookup) -> None:
        self._platform[platform] = lookup

    def _key(self, key: str) -> str:
        return key.lower() if self._fold(key.partition(":")[0]) else key

    def allowlisted(self, author: Author) -> Role:
        return self._allow.get(self._key(author.key), Role.FAN)

    async def resolve(self, chat: ChatRef, author: Author) -> Role:
        role = self.allowlisted(author)
        lookup = self._platform.get(str(author.platform))
        if lookup is not None:
            platform_role = await lookup(chat, author)
            if platform_role is not None and platform_role > role:
                role = platform_role
        return role
