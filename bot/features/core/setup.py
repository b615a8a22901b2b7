"""/setup: what this community has and lacks, each gap with the command that closes it — the same
problems /status shows — and the notices no manager chat could receive, until a manager saw them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.events import ChatRef
from storage.repositories.chats import ChatRepo
from storage.repositories.notices import NoticeRepo

KINDS = {
    "fan": (
        "Fan chats",
        "No fan chat yet: FAQ answers, feedback offers and chat points work only there. "
        "Run /chat fan in each fan group or channel.",
    ),
    "announcement": (
        "Announcement chats",
        "No announcement chat: releases and /announce would reach no one. Run /chat announcement where news should go.",
    ),
    "manager": (
        "Manager chats",
        "No manager chat: failed deliveries and flagged FAQ entries wait here in /setup. "
        "Run /chat manager in your team's chat.",
    ),
}


class SetupCheck:
    def __init__(self, chats: ChatRepo, notices: NoticeRepo, health: Callable[[ChatRef], Awaitable[list[str]]]) -> None:
        self.chats = chats
        self.notices = notices
        self.health = health

    async def problems(self, here: ChatRef, census: dict[tuple[str, str], int] | None = None) -> list[str]:
        """Every gap, one line each with its fix (what /status shows too)."""
        census = census if census is not None else await self.chats.census()
        lines = [f"✗ {fix}" for kind, (_, fix) in KINDS.items() if not _count(census, kind)]
        for chat in await self.chats.unreachable():
            lines.append(
                f"⚠ “{chat.title or chat.chat_id}” ({chat.platform}, {chat.kind}) can't be reached: "
                f"{chat.unreachable_reason or 'deliveries fail'}. Fix the bot's access there, or /chat other there."
            )
        lines += [line for line in await self.health(here) if line.startswith("⚠")]
        return lines

    async def checklist(self, here: ChatRef, now: datetime) -> list[str]:
        census = await self.chats.census()
        lines = []
        for kind, (label, _) in KINDS.items():
            n = _count(census, kind)
            if n:
                per = ", ".join(f"{p} {c}" for (k, p), c in sorted(census.items()) if k == kind)
                lines.append(f"✓ {label}: {n} ({per})")
        problems = await self.problems(here, census)
        lines = problems + lines if problems else ["✓ Nothing missing.", *lines]
        kept, total = await self.notices.unseen()
        if kept:
            lines.append(f"Kept for you ({len(kept)} of {total}, oldest first; no manager chat got them):")
            lines += [f"• {n.created_at:%Y-%m-%d %H:%M} UTC — {n.text}" for n in kept]
            await self.notices.mark_seen([n.id for n in kept], now)
        return lines


def _count(census: dict[tuple[str, str], int], kind: str) -> int:
    return sum(n for (k, _), n in census.items() if k == kind)
