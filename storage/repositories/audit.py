"""The audit log of manager actions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from storage.models import AuditEntry
from storage.repositories.base import Repository


@dataclass(frozen=True, slots=True)
class AuditView:
    at: datetime
    actor: str
    action: str
    target: str | None
    args: dict[str, Any]
    reason: str | None


class AuditRepo(Repository):
    async def record(
        self,
        *,
        at: datetime,
        actor: str,
        actor_member_id: int | None,
        action: str,
        target: str | None = None,
        args: dict[str, Any] | None = None,
        reason: str | None = None,
        platform: str | None = None,
        chat_id: str | None = None,
    ) -> None:
        async with self.db.session() as s:
            s.add(
                AuditEntry(
                    at=at,
                    actor=actor[:100],
                    actor_member_id=actor_member_id,
                    action=action,
                    target=target,
                    args=json.dumps(args or {}, default=str, ensure_ascii=False),
                    reason=reason,
                    platform=platform,
                    chat_id=chat_id,
                )
            )
            await s.commit()

    async def recent(self, *, target: str | None = None, limit: int = 20) -> list[AuditView]:
        query = select(AuditEntry).order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc()).limit(limit)
        if target is not None:
            query = query.where(col(AuditEntry.target) == target)
        async with self.db.session() as s:
            rows = (await s.execute(query)).scalars()
            return [AuditView(r.at, r.actor, r.action, r.target, json.loads(r.args), r.reason) for r in rows]
