"""The dashboard's list of members: found by name, username, platform id or member number, the
most points first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlmodel import col

from storage.models import Identity, Member
from storage.points_tables import Balance
from storage.repositories.base import Repository, icontains


@dataclass(frozen=True, slots=True)
class MemberRow:
    member_id: int
    name: str
    balance: int
    since: datetime
    platforms: tuple[str, ...]


class MemberBoard(Repository):
    async def page(self, text: str | None, *, limit: int, offset: int) -> tuple[list[MemberRow], int]:
        balance = func.coalesce(col(Balance.balance), 0)
        where: list[ColumnElement[bool]] = []
        if text:
            needle = text.removeprefix("@")
            found = select(col(Identity.member_id)).where(
                or_(
                    icontains(col(Identity.display_name), needle),
                    icontains(col(Identity.username), needle),
                    col(Identity.user_id) == text,
                )
            )
            number = text.lower().removeprefix("member:")
            where.append(or_(col(Member.id).in_(found), col(Member.id) == (int(number) if number.isdigit() else -1)))
        query = (
            select(col(Member.id), col(Member.display_name), balance, col(Member.created_at))
            .outerjoin(Balance, col(Balance.member_id) == col(Member.id))
            .where(*where)
            .order_by(balance.desc(), col(Member.id))
            .limit(limit)
            .offset(offset)
        )
        async with self.db.session() as s:
            total = int((await s.execute(select(func.count()).select_from(Member).where(*where))).scalar_one())
            rows = (await s.execute(query)).all()
            ids = [int(r[0] or 0) for r in rows]
            platforms: dict[int, set[str]] = {}
            if ids:
                found_ids = await s.execute(
                    select(col(Identity.member_id), col(Identity.platform)).where(col(Identity.member_id).in_(ids))
                )
                for member_id, platform in found_ids.all():
                    platforms.setdefault(int(member_id), set()).add(platform)
            out = [
                MemberRow(int(m or 0), name, int(b), since, tuple(sorted(platforms.get(int(m or 0), ()))))
                for m, name, b, since in rows
            ]
            return out, total
