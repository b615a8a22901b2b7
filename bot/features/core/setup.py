"""/setup: what this community has and lacks, each gap with the command that closes it — the same
problems /status shows — and the notices no manager chat could receive, until a manager saw them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.events import ChatRef
from bot.i18n import N_, SOURCE, Domain, Where, lang_of, moment
from storage.repositories.chats import ChatRepo
from storage.repositories.notices import NoticeRepo

T = Domain("core")
KINDS = {
    "fan": (
        N_("Fan chats"),
        N_(
            "No fan chat yet: FAQ answers, feedback offers and chat points work only there. "
            "Run /chat fan in each fan group or channel."
        ),
    ),
    "announcement": (
        N_("Announcement chats"),
        N_(
            "No announcement chat: releases and /announce would reach no one. "
            "Run /chat announcement where news should go."
        ),
    ),
    "manager": (
        N_("Manager chats"),
        N_(
            "No manager chat: failed deliveries and flagged FAQ entries wait here in /setup. "
            "Run /chat manager in your team's chat."
        ),
    ),
}


class SetupCheck:
    def __init__(
        self, chats: ChatRepo, notices: NoticeRepo, health: Callable[[ChatRef, str], Awaitable[list[str]]]
    ) -> None:
        self.chats = chats
        self.notices = notices
        self.health = health

    async def problems(
        self, here: ChatRef, census: dict[tuple[str, str], int] | None = None, where: Where = SOURCE
    ) -> list[str]:
        """Every gap, one line each with its fix (what /status shows too)."""
        census = census if census is not None else await self.chats.census()
        lines = [f"✗ {T(where, fix)}" for kind, (_, fix) in KINDS.items() if not _count(census, kind)]
        for chat in await self.chats.unreachable():
            problem = T(
                where,
                "“{chat}” ({platform}, {kind}) can't be reached: {reason}. Fix the bot's access there, or /chat "
                "other there.",
                chat=chat.title or chat.chat_id,
                platform=chat.platform,
                kind=chat.kind,
                reason=chat.unreachable_reason or T(where, "deliveries fail"),
            )
            lines.append(f"⚠ {problem}")
        lines += [line for line in await self.health(here, lang_of(where)) if line.startswith("⚠")]
        return lines

    async def checklist(self, here: ChatRef, now: datetime, where: Where = SOURCE) -> list[str]:
        census = await self.chats.census()
        lines = []
        for kind, (label, _) in KINDS.items():
            n = _count(census, kind)
            if n:
                per = ", ".join(f"{p} {c}" for (k, p), c in sorted(census.items()) if k == kind)
                lines.append(f"✓ {T(where, label)}: {n} ({per})")
        problems = await self.problems(here, census, where)
        nothing = T(where, "Nothing missing.")
        lines = problems + lines if problems else [f"✓ {nothing}", *lines]
        kept, total = await self.notices.unseen()
        if kept:
            lines.append(
                T(
                    where,
                    "Kept for you ({count} of {total}, oldest first; no manager chat got them):",
                    count=len(kept),
                    total=total,
                )
            )
            lines += [f"• {moment(where, n.created_at, weekday=False)} UTC — {n.text}" for n in kept]
            await self.notices.mark_seen([n.id for n in kept], now)
        return lines


def _count(census: dict[tuple[str, str], int], kind: str) -> int:
    return sum(n for (k, _), n in census.items() if k == kind)
