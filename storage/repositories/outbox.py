"""The notification outbox and the passive-capture offers of the feedback loop."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlmodel import col

from storage.feedback_tables import FeedbackOffer, Notification
from storage.repositories.base import Repository, claim_rows, saved_once, settle_rows


@dataclass(frozen=True, slots=True)
class NotificationView:
    id: int
    change_id: int
    member_id: int
    channel: str
    platform: str
    chat_id: str
    thread_id: str | None
    user_id: str
    display_name: str


class NotificationRepo(Repository):
    async def claim(
        self,
        owner: str,
        now: datetime,
        lease: timedelta,
        change_id: int | None = None,
        limit: int = 500,
        platforms: Sequence[str] | None = None,
    ) -> list[NotificationView]:
        """Atomically take pending rows (and rows a crashed worker left 'sending'); only rows for
        ``platforms`` when given (those this process can send to)."""
        where = [col(Notification.change_id) == change_id] if change_id is not None else []
        if platforms is not None:
            where.append(col(Notification.platform).in_(list(platforms)))
        async with self.db.session() as s:
            rows = await claim_rows(s, Notification, owner=owner, now=now, lease=lease, limit=limit, where=where)
            return [
                NotificationView(
                    r.id or 0,
                    r.change_id,
                    r.member_id,
                    r.channel,
                    r.platform,
                    r.chat_id,
                    r.thread_id,
                    r.user_id,
                    r.display_name,
                )
                for r in rows
            ]

    async def mark(self, ids: Sequence[int], status: str, now: datetime, error: str | None = None) -> None:
        async with self.db.session() as s:
            await settle_rows(s, Notification, ids, status, error, sent_at=now if status == "sent" else None)

    async def counts(self) -> dict[str, int]:
        async with self.db.session() as s:
            rows = await s.execute(select(col(Notification.status), func.count()).group_by(col(Notification.status)))
            return {str(k): int(v) for k, v in rows.all()}


@dataclass(frozen=True, slots=True)
class OfferView:
    id: int
    member_id: int
    kind: str
    text: str
    platform: str
    chat_id: str
    thread_id: str | None
    message_id: str
    source_key: str
    offered_at: datetime
    feedback_id: int | None


def _offer(o: FeedbackOffer) -> OfferView:
    return OfferView(
        o.id or 0,
        o.member_id,
        o.kind,
        o.text,
        o.platform,
        o.chat_id,
        o.thread_id,
        o.message_id,
        o.source_key,
        o.offered_at,
        o.feedback_id,
    )


class OfferRepo(Repository):
    async def record(
        self,
        *,
        member_id: int,
        kind: str,
        text: str,
        platform: str,
        chat_id: str,
        thread_id: str | None,
        message_id: str,
        source_key: str,
        now: datetime,
        cooldown: timedelta,
    ) -> OfferView | None:
        """Record an offer unless this fan had one within ``cooldown`` (None then)."""
        async with self.db.session() as s:
            recent = await s.execute(
                select(col(FeedbackOffer.id)).where(
                    col(FeedbackOffer.member_id) == member_id, col(FeedbackOffer.offered_at) > now - cooldown
                )
            )
            if recent.first() is not None:
                return None
            offer = FeedbackOffer(
                member_id=member_id,
                kind=kind,
                text=text,
                platform=platform,
                chat_id=chat_id,
                thread_id=thread_id,
                message_id=message_id,
                source_key=source_key,
                offered_at=now,
            )
            s.add(offer)
            if not await saved_once(s):
                return None  # another worker recorded an offer for this message first
            return _offer(offer)

    async def get(self, offer_id: int) -> OfferView | None:
        async with self.db.session() as s:
            o = await s.get(FeedbackOffer, offer_id)
            return _offer(o) if o else None

    async def latest_open(self, member_id: int, since: datetime) -> OfferView | None:
        async with self.db.session() as s:
            o = (
                await s.execute(
                    select(FeedbackOffer)
                    .where(
                        col(FeedbackOffer.member_id) == member_id,
                        col(FeedbackOffer.feedback_id).is_(None),
                        col(FeedbackOffer.offered_at) > since,
                    )
                    .order_by(col(FeedbackOffer.offered_at).desc())
                    .limit(1)
                )
            ).scalar_one_or_none()
            return _offer(o) if o else None

    async def mark_logged(self, source_key: str, feedback_id: int) -> None:
        async with self.db.session() as s:
            await s.execute(
                update(FeedbackOffer).where(col(FeedbackOffer.source_key) == source_key).values(feedback_id=feedback_id)
            )
            await s.commit()
