"""Word of mouth: fans' personal invite links, who joined through which, and the inviters' credit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlmodel import col

from storage.points_tables import Balance
from storage.recognition_tables import InviteLink, Referral
from storage.repositories.base import Repository, rowcount, saved_once


@dataclass(frozen=True, slots=True)
class Inviter:
    invite_id: int
    member_id: int


@dataclass(frozen=True, slots=True)
class Due:
    referral_id: int
    inviter_id: int
    member_id: int


class InviteRepo(Repository):
    async def link_of(self, member_id: int, platform: str, chat_id: str) -> str | None:
        async with self.db.session() as s:
            found = await s.execute(
                select(col(InviteLink.link)).where(
                    col(InviteLink.member_id) == member_id,
                    col(InviteLink.platform) == platform,
                    col(InviteLink.chat_id) == chat_id,
                )
            )
            return found.scalar()

    async def keep(self, member_id: int, platform: str, chat_id: str, link: str, at: datetime) -> str:
        """Keep a new link; when another process made one for the same fan and chat meanwhile, that one
        stands (returned), so a fan has one link per chat."""
        async with self.db.session() as s:
            s.add(InviteLink(member_id=member_id, platform=platform, chat_id=chat_id, link=link, created_at=at))
            if await saved_once(s):
                return link
        return await self.link_of(member_id, platform, chat_id) or link

    async def inviter(self, platform: str, link: str) -> Inviter | None:
        async with self.db.session() as s:
            found = (
                await s.execute(
                    select(col(InviteLink.id), col(InviteLink.member_id)).where(
                        col(InviteLink.platform) == platform, col(InviteLink.link) == link
                    )
                )
            ).first()
            return Inviter(int(found[0] or 0), int(found[1])) if found else None

    async def referred(self, invite_id: int, member_id: int, at: datetime) -> bool:
        """Record that ``member_id`` joined through the link; False when they came before (through
        this link or another: the first one counts)."""
        async with self.db.session() as s:
            s.add(Referral(invite_id=invite_id, member_id=member_id, joined_at=at))
            return await saved_once(s)

    async def due(self, after_points: int, limit: int = 200) -> list[Due]:
        """Referrals not credited yet whose newcomer has earned ``after_points`` (taken part)."""
        async with self.db.session() as s:
            rows = await s.execute(
                select(col(Referral.id), col(InviteLink.member_id), col(Referral.member_id))
                .join(InviteLink, col(InviteLink.id) == col(Referral.invite_id))
                .join(Balance, col(Balance.member_id) == col(Referral.member_id))
                .where(col(Referral.credited_at).is_(None), col(Balance.balance) >= after_points)
                .order_by(col(Referral.id))
                .limit(limit)
            )
            return [Due(int(r or 0), int(i), int(m)) for r, i, m in rows.all()]

    async def credited(self, referral_id: int, at: datetime) -> bool:
        async with self.db.session() as s:
            result = await s.execute(
                update(Referral)
                .where(col(Referral.id) == referral_id, col(Referral.credited_at).is_(None))
                .values(credited_at=at)
            )
            await s.commit()
            return rowcount(result) == 1

    async def board(self, limit: int = 200) -> list[tuple[int, int, bool]]:
        """``(inviter, fan who joined, whether they took part)``, the busiest inviters first."""
        async with self.db.session() as s:
            per_inviter = (
                select(col(InviteLink.member_id).label("inviter"), func.count().label("n"))
                .join(Referral, col(Referral.invite_id) == col(InviteLink.id))
                .group_by(col(InviteLink.member_id))
                .subquery()
            )
            rows = await s.execute(
                select(col(InviteLink.member_id), col(Referral.member_id), col(Referral.credited_at))
                .join(Referral, col(Referral.invite_id) == col(InviteLink.id))
                .join(per_inviter, per_inviter.c.inviter == col(InviteLink.member_id))
                .order_by(per_inviter.c.n.desc(), col(InviteLink.member_id), col(Referral.id))
                .limit(limit)
            )
            return [(int(i), int(m), c is not None) for i, m, c in rows.all()]
