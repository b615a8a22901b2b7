"""Members and their platform identities."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from storage.models import Identity, Member
from storage.repositories.base import Repository, is_unique_violation

#: how stale ``last_seen`` may get before a message refreshes it (saves a write per message)
SEEN_RESOLUTION = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class MemberView:
    member_id: int
    platform: str
    user_id: str
    display_name: str
    username: str | None
    first_seen: datetime
    dm_open: bool = False
    #: the language the member chose with /language (None: their app's, then the chat's)
    language: str | None = None


def _view(identity: Identity, language: str | None = None) -> MemberView:
    assert identity.member_id is not None
    return MemberView(
        language=language,
        member_id=identity.member_id,
        platform=identity.platform,
        user_id=identity.user_id,
        display_name=identity.display_name,
        username=identity.username,
        first_seen=identity.first_seen,
        dm_open=identity.dm_open,
    )


class MemberRepo(Repository):
    async def ensure(
        self, platform: str, user_id: str, display_name: str, username: str | None, now: datetime
    ) -> MemberView:
        """The member behind a platform identity, created on first sight (race-safe)."""
        display_name = display_name[:200] or user_id
        username = username[:100] if username else None
        cache = self.db.identity_cache
        cached: tuple[MemberView, datetime] | None = cache.get((platform, user_id))
        if cached is not None:
            view, seen = cached
            if (view.display_name, view.username) == (display_name, username) and now - seen <= SEEN_RESOLUTION:
                return view
        view, seen = await self._ensure(platform, user_id, display_name, username, now)
        cache.put((platform, user_id), (view, seen))
        return view

    async def _ensure(
        self, platform: str, user_id: str, display_name: str, username: str | None, now: datetime
    ) -> tuple[MemberView, datetime]:
        for _ in range(3):
            async with self.db.session() as s:
                found = (
                    await s.execute(
                        select(Identity, col(Member.language))
                        .join(Member, col(Member.id) == col(Identity.member_id))
                        .where(col(Identity.platform) == platform, col(Identity.user_id) == user_id)
                    )
                ).one_or_none()
                identity, language = found if found is not None else (None, None)
                if identity is not None:
                    changed = identity.display_name != display_name or identity.username != username
                    if changed or now - identity.last_seen > SEEN_RESOLUTION:
                        identity.display_name, identity.username, identity.last_seen = (
                            display_name,
                            username,
                            now,
                        )
                        await s.commit()
                    return _view(identity, language), identity.last_seen
                member = Member(display_name=display_name, created_at=now)
                s.add(member)
                await s.flush()
                assert member.id is not None
                identity = Identity(
                    member_id=member.id,
                    platform=platform,
                    user_id=user_id,
                    username=username,
                    display_name=display_name,
                    first_seen=now,
                    last_seen=now,
                )
                s.add(identity)
                try:
                    await s.commit()
                    return _view(identity), now
                except IntegrityError as exc:  # another process created it first
                    await s.rollback()
                    if not is_unique_violation(exc):
                        raise
        raise RuntimeError(f"could not create member for {platform}:{user_id}")

    async def language(self, member_id: int) -> str | None:
        async with self.db.session() as s:
            return (await s.execute(select(col(Member.language)).where(col(Member.id) == member_id))).scalar()

    async def set_language(self, member_id: int, language: str | None) -> None:
        """The member's own choice (None: follow their app). Every process sees it within the
        identity cache's bound; this one at once."""
        async with self.db.session() as s:
            await s.execute(update(Member).where(col(Member.id) == member_id).values(language=language))
            keys = (await s.execute(select(col(Identity.platform), col(Identity.user_id)).where(
                col(Identity.member_id) == member_id))).all()  # fmt: skip
            await s.commit()
        for platform, user_id in keys:
            self.db.identity_cache.drop((platform, user_id))

    async def find(
        self, platform: str, *, user_id: str | None = None, username: str | None = None
    ) -> MemberView | None:
        query = select(Identity).where(col(Identity.platform) == platform)
        if user_id is not None:
            query = query.where(col(Identity.user_id) == user_id)
        elif username is not None:
            query = query.where(func.lower(col(Identity.username)) == username.lower())
        else:
            return None
        async with self.db.session() as s:
            identity = (await s.execute(query.limit(1))).scalar_one_or_none()
        if identity is None and username is not None:  # console users have no @username but a name
            async with self.db.session() as s:
                identity = (
                    await s.execute(
                        select(Identity)
                        .where(
                            col(Identity.platform) == platform,
                            func.lower(col(Identity.display_name)) == username.lower(),
                        )
                        .limit(1)
                    )
                ).scalar_one_or_none()
        return _view(identity) if identity else None

    async def identities(self, member_id: int) -> list[MemberView]:
        async with self.db.session() as s:
            rows = (
                await s.execute(select(Identity).where(col(Identity.member_id) == member_id).order_by(col(Identity.id)))
            ).scalars()
            return [_view(i) for i in rows]

    async def set_dm_open(self, platform: str, user_id: str, dm_open: bool) -> None:
        self.db.identity_cache.drop((platform, user_id))
        async with self.db.session() as s:
            await s.execute(
                update(Identity)
                .where(col(Identity.platform) == platform, col(Identity.user_id) == user_id)
                .values(dm_open=dm_open)
            )
            await s.commit()

    async def count(self) -> int:
        async with self.db.session() as s:
            return int((await s.execute(select(func.count()).select_from(Member))).scalar_one())
