"""Dashboard sign-in links and sessions (see ``storage/dashboard_tables.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import col

from storage.dashboard_tables import DashboardLink, DashboardSession
from storage.repositories.base import Repository, rowcount


@dataclass(frozen=True, slots=True)
class Grant:
    """Who a link or a session signs in: a member, with the role they had where they asked."""

    member_id: int
    identity: str
    role: int
    lang: str


@dataclass(frozen=True, slots=True)
class SessionView:
    grant: Grant
    csrf: str
    expires_at: datetime


class DashboardRepo(Repository):
    async def add_link(self, digest: str, grant: Grant, now: datetime, expires_at: datetime) -> None:
        async with self.db.session() as s:
            s.add(
                DashboardLink(
                    digest=digest,
                    member_id=grant.member_id,
                    identity=grant.identity,
                    role=grant.role,
                    lang=grant.lang,
                    created_at=now,
                    expires_at=expires_at,
                )
            )
            await s.commit()

    async def peek_link(self, digest: str, now: datetime) -> tuple[Grant | None, str]:
        """What :meth:`take_link` would give, without taking it."""
        async with self.db.session() as s:
            row = await s.get(DashboardLink, digest)
            if row is None:
                return None, "unknown"
            if row.used_at is not None:
                return None, "used"
            if row.expires_at <= now:
                return None, "expired"
            return Grant(row.member_id, row.identity, row.role, row.lang), ""

    async def take_link(self, digest: str, now: datetime) -> tuple[Grant | None, str]:
        """The link's grant, marked used in the same statement that checks it is unused and
        unexpired (of two processes redeeming it at once, one wins). The second value says why
        there is none: "unknown", "used" or "expired"."""
        async with self.db.session() as s:
            taken = await s.execute(
                update(DashboardLink)
                .where(
                    col(DashboardLink.digest) == digest,
                    col(DashboardLink.used_at).is_(None),
                    col(DashboardLink.expires_at) > now,
                )
                .values(used_at=now)
            )
            row = await s.get(DashboardLink, digest)
            await s.commit()
            if row is None:
                return None, "unknown"
            if rowcount(taken) != 1:
                return None, "used" if row.used_at is not None and row.used_at <= now else "expired"
            return Grant(row.member_id, row.identity, row.role, row.lang), ""

    async def open_session(self, digest: str, grant: Grant, csrf: str, now: datetime, expires_at: datetime) -> None:
        async with self.db.session() as s:
            s.add(
                DashboardSession(
                    digest=digest,
                    member_id=grant.member_id,
                    identity=grant.identity,
                    role=grant.role,
                    lang=grant.lang,
                    csrf=csrf,
                    created_at=now,
                    expires_at=expires_at,
                )
            )
            await s.commit()

    async def find_session(self, digest: str, now: datetime) -> SessionView | None:
        async with self.db.session() as s:
            row = await s.get(DashboardSession, digest)
            if row is None or row.revoked_at is not None or row.expires_at <= now:
                return None
            return SessionView(Grant(row.member_id, row.identity, row.role, row.lang), row.csrf, row.expires_at)

    async def set_language(self, digest: str, lang: str) -> None:
        async with self.db.session() as s:
            await s.execute(update(DashboardSession).where(col(DashboardSession.digest) == digest).values(lang=lang))
            await s.commit()

    async def revoke(self, digest: str, now: datetime) -> bool:
        async with self.db.session() as s:
            done = await s.execute(
                update(DashboardSession)
                .where(col(DashboardSession.digest) == digest, col(DashboardSession.revoked_at).is_(None))
                .values(revoked_at=now)
            )
            await s.commit()
            return rowcount(done) == 1

    async def revoke_member(self, member_id: int, now: datetime) -> int:
        """Signs a member out of every browser (and voids their unused links); returns how many
        sessions were open."""
        async with self.db.session() as s:
            done = await s.execute(
                update(DashboardSession)
                .where(
                    col(DashboardSession.member_id) == member_id,
                    col(DashboardSession.revoked_at).is_(None),
                    col(DashboardSession.expires_at) > now,
                )
                .values(revoked_at=now)
            )
            await s.execute(
                update(DashboardLink)
                .where(col(DashboardLink.member_id) == member_id, col(DashboardLink.used_at).is_(None))
                .values(used_at=now)
            )
            await s.commit()
            return rowcount(done)

    async def prune(self, before: datetime) -> None:
        """Forget links and sessions that ended before ``before``."""
        async with self.db.session() as s:
            await s.execute(delete(DashboardLink).where(col(DashboardLink.expires_at) < before))
            await s.execute(delete(DashboardSession).where(col(DashboardSession.expires_at) < before))
            await s.commit()
