"""Records manager actions in the audit log (who, what, when, args, why)."""

from __future__ import annotations

from typing import Any

from bot.context import Context
from storage.repositories.audit import AuditRepo


class Auditor:
    def __init__(self, repo: AuditRepo) -> None:
        self.repo = repo

    async def record(
        self,
        ctx: Context,
        action: str,
        *,
        target: str | None = None,
        args: dict[str, Any] | None = None,
        reason: str | None = None,
    ) -> None:
        await self.repo.record(
            at=ctx.now,
            actor=ctx.actor,
            actor_member_id=ctx.member.member_id,
            action=action,
            target=target,
            args=args,
            reason=reason,
            platform=str(ctx.chat.platform),
            chat_id=ctx.chat.chat_id,
        )
