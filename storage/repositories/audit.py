"""The audit log of manager actions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, literal, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import col

from storage.feedback_tables import FeedbackItem
from storage.models import AuditEntry, Member
from storage.repositories.base import Repository


@dataclass(frozen=True, slots=True)
class AuditView:
    at: datetime
    actor: str
    action: str
    target: str | None
    args: dict[str, Any]
    reason: str | None
    #: who acted, as the community knows them (None once the member asked to be forgotten)
    actor_name: str | None = None
    actor_member_id: int | None = None
    #: the member a ``member:N`` target names, by name
    target_name: str | None = None


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

    async def recent(
        self, *, target: str | None = None, about_member: int | None = None, limit: int = 20, offset: int = 0
    ) -> list[AuditView]:
        """The newest entries; ``target`` one target; ``about_member`` every action on a member:
        on them (points, links) and on the feedback items they submitted."""
        actor, named = aliased(Member), aliased(Member)
        query = (
            select(AuditEntry, col(actor.display_name), col(named.display_name))
            .outerjoin(actor, col(actor.id) == col(AuditEntry.actor_member_id))
            .outerjoin(named, col(AuditEntry.target) == literal("member:") + cast(col(named.id), String))
            .order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
            .limit(limit)
            .offset(offset)
        )
        if target is not None:
            query = query.where(col(AuditEntry.target) == target)
        if about_member is not None:
            items = select(literal("#") + cast(col(FeedbackItem.id), String)).where(
                col(FeedbackItem.submitter_id) == about_member
            )
            query = query.where(
                or_(col(AuditEntry.target) == f"member:{about_member}", col(AuditEntry.target).in_(items))
            )
        async with self.db.session() as s:
            rows = (await s.execute(query)).all()
            return [
                AuditView(
                    r.at,
                    r.actor,
                    r.action,
                    r.target,
                    json.loads(r.args),
                    r.reason,
                    actor_name=actor_name,
                    actor_member_id=r.actor_member_id,
                    target_name=target_name,
                )
                for r, actor_name, target_name in rows
            ]
