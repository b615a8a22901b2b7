"""Chats the bot is in and the role managers gave each (fan, announcement, manager)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from storage.models import Chat
from storage.repositories.base import Repository, is_unique_violation, keys_in

CHAT_KINDS = ("fan", "announcement", "manager", "private", "other")


@dataclass(frozen=True, slots=True)
class ChatView:
    platform: str
    chat_id: str
    title: str
    kind: str
    community_id: str | None
    reachable: bool
    unreachable_reason: str | None
    #: the language messages to this chat use (/chat language); None: the configured default
    language: str | None = None


def _view(c: Chat) -> ChatView:
    return ChatView(
        c.platform, c.chat_id, c.title, c.kind, c.community_id, c.reachable, c.unreachable_reason, c.language
    )


class ChatRepo(Repository):
    async def ensure(
        self,
        platform: str,
        chat_id: str,
        *,
        title: str,
        kind: str,
        community_id: str | None,
        now: datetime,
    ) -> ChatView:
        """Record a chat on first sight; ``kind`` applies only when it is new."""
        cached: ChatView | None = self.db.chat_cache.get((platform, chat_id))
        if cached is not None and (not title or cached.title == title[:200]):
            return cached
        view = await self._ensure(platform, chat_id, title=title, kind=kind, community_id=community_id, now=now)
        self.db.chat_cache.put((platform, chat_id), view)
        return view

    async def _ensure(
        self, platform: str, chat_id: str, *, title: str, kind: str, community_id: str | None, now: datetime
    ) -> ChatView:
        for _ in range(2):
            async with self.db.session() as s:
                chat = (
                    await s.execute(select(Chat).where(col(Chat.platform) == platform, col(Chat.chat_id) == chat_id))
                ).scalar_one_or_none()
                if chat is not None:
                    if title and chat.title != title[:200]:
                        chat.title = title[:200]
                        await s.commit()
                    return _view(chat)
                chat = Chat(
                    platform=platform,
                    chat_id=chat_id,
                    title=title[:200],
                    kind=kind,
                    community_id=community_id,
                    created_at=now,
                )
                s.add(chat)
                try:
                    await s.commit()
                    return _view(chat)
                except IntegrityError as exc:
                    await s.rollback()
                    if not is_unique_violation(exc):
                        raise
        raise RuntimeError(f"could not record chat {platform}:{chat_id}")

    async def get(self, platform: str, chat_id: str) -> ChatView | None:
        async with self.db.session() as s:
            chat = (
                await s.execute(select(Chat).where(col(Chat.platform) == platform, col(Chat.chat_id) == chat_id))
            ).scalar_one_or_none()
            return _view(chat) if chat else None

    async def set_kind(self, platform: str, chat_id: str, kind: str) -> None:
        if kind not in CHAT_KINDS:
            raise ValueError(f"unknown chat kind {kind!r}")
        await self._update(platform, chat_id, {"kind": kind})

    async def set_language(self, platform: str, chat_id: str, language: str | None) -> None:
        await self._update(platform, chat_id, {"language": language})

    async def _update(self, platform: str, chat_id: str, values: dict[str, object]) -> None:
        """Change one chat's row; this process's cached copy goes at once (others' within its TTL)."""
        self.db.chat_cache.drop((platform, chat_id))
        async with self.db.session() as s:
            await s.execute(
                update(Chat).where(col(Chat.platform) == platform, col(Chat.chat_id) == chat_id).values(values)
            )
            await s.commit()

    async def titles(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """The titles of these chats, ``(platform, chat_id) -> title``."""
        if not keys:
            return {}
        async with self.db.session() as s:
            rows = await s.execute(
                select(col(Chat.platform), col(Chat.chat_id), col(Chat.title)).where(
                    keys_in((col(Chat.platform), col(Chat.chat_id)), keys)
                )
            )
            return {(p, c): t for p, c, t in rows.all()}

    async def keys_by_kind(self, kind: str) -> list[tuple[str, str]]:
        """``(platform, chat_id)`` of every chat set up as ``kind`` (light: broadcasts to thousands)."""
        async with self.db.session() as s:
            rows = await s.execute(
                select(col(Chat.platform), col(Chat.chat_id)).where(col(Chat.kind) == kind).order_by(col(Chat.id))
            )
            return [(p, c) for p, c in rows.all()]

    async def by_kind(self, kind: str) -> list[ChatView]:
        async with self.db.session() as s:
            rows = (
                await s.execute(select(Chat).where(col(Chat.kind) == kind).order_by(col(Chat.platform), col(Chat.id)))
            ).scalars()
            return [_view(c) for c in rows]

    async def census(self) -> dict[tuple[str, str], int]:
        """How many chats of each ``(kind, platform)``."""
        async with self.db.session() as s:
            rows = await s.execute(
                select(col(Chat.kind), col(Chat.platform), func.count()).group_by(col(Chat.kind), col(Chat.platform))
            )
            return {(k, p): int(n) for k, p, n in rows.all()}

    async def unreachable(self, limit: int = 10) -> list[ChatView]:
        """Chats the bot serves (fan, announcement, manager) whose last delivery failed for good."""
        async with self.db.session() as s:
            rows = (
                await s.execute(
                    select(Chat)
                    .where(col(Chat.reachable).is_(False), col(Chat.kind).in_(("fan", "announcement", "manager")))
                    .order_by(col(Chat.id))
                    .limit(limit)
                )
            ).scalars()
            return [_view(c) for c in rows]

    async def mark_unreachable(self, platform: str, chat_id: str, reason: str) -> None:
        await self._update(platform, chat_id, {"reachable": False, "unreachable_reason": reason[:300]})

    async def migrate(self, platform: str, old_chat_id: str, new_chat_id: str) -> None:
        """A Telegram group became a supergroup: its id changed, its role did not."""
        self.db.chat_cache.drop((platform, new_chat_id))
        await self._update(platform, old_chat_id, {"chat_id": new_chat_id})
