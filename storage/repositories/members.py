"""Members and their platform identities."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import Identity, Member
from storage.repositories.base import Repository, insert_for, keys_in

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


def _view(identity: Identity | Any, language: str | None = None) -> MemberView:
    """An identity as the core sees it: an ORM row, or a Core row with the same columns."""
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


@dataclass(frozen=True, slots=True)
class _Sighting:
    platform: str
    user_id: str
    display_name: str
    username: str | None
    now: datetime


_IDENTITIES: Table = Identity.__table__  # type: ignore[attr-defined]
_MEMBERS: Table = Member.__table__  # type: ignore[attr-defined]
_I, _M = _IDENTITIES.c, _MEMBERS.c


class _Ensures:
    """Every member lookup waiting, in the group commit: one read of the identities known, one
    UPDATE (executemany) of those whose name changed or whose ``last_seen`` is stale, and new
    members with their identities inserted together. An identity another process created
    meanwhile loses the race quietly (ON CONFLICT DO NOTHING): it is read back and the spare
    member row removed, so each platform account has exactly one member."""

    async def apply(self, s: AsyncSession, items: list[_Sighting]) -> list[tuple[MemberView, datetime]]:
        latest = {(x.platform, x.user_id): x for x in items}  # the newest name wins
        found = await _read(s, list(latest))
        stale = [
            (row, x)
            for key, x in latest.items()
            if (row := found.get(key)) is not None
            and (
                (row.display_name, row.username) != (x.display_name, x.username)
                or x.now - row.last_seen > SEEN_RESOLUTION
            )
        ]
        if stale:
            await s.execute(
                update(_IDENTITIES)
                .where(_I.id == bindparam("b_id"))
                .values(display_name=bindparam("b_name"), username=bindparam("b_user"), last_seen=bindparam("b_seen")),
                [{"b_id": r.id, "b_name": x.display_name, "b_user": x.username, "b_seen": x.now} for r, x in stale],
            )
        missing = [x for key, x in latest.items() if key not in found]
        if missing:
            await _create(s, missing)
            found.update(await _read(s, [(x.platform, x.user_id) for x in missing]))
        refreshed = {(r.platform, r.user_id): x for r, x in stale}
        out = []
        for x in items:
            row = found[(x.platform, x.user_id)]
            newer = refreshed.get((x.platform, x.user_id))
            view = _view(row, row.language)
            if newer is not None:
                view = replace(view, display_name=newer.display_name, username=newer.username)
            out.append((view, newer.now if newer is not None else row.last_seen))
        return out


async def _read(s: AsyncSession, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    rows = await s.execute(
        select(
            _I.id,
            _I.member_id,
            _I.platform,
            _I.user_id,
            _I.display_name,
            _I.username,
            _I.first_seen,
            _I.last_seen,
            _I.dm_open,
            _M.language,
        )
        .join(_MEMBERS, _M.id == _I.member_id)
        .where(keys_in((_I.platform, _I.user_id), keys))
    )
    return {(r.platform, r.user_id): r for r in rows}


async def _create(s: AsyncSession, new: list[_Sighting]) -> None:
    members = await s.execute(
        insert(_MEMBERS).returning(_M.id, sort_by_parameter_order=True),
        [{"display_name": x.display_name, "created_at": x.now} for x in new],
    )
    ids = [int(i) for i in members.scalars()]
    made = await s.execute(
        insert_for(s, Identity)
        .on_conflict_do_nothing(index_elements=["platform", "user_id"])
        .returning(_I.platform, _I.user_id),
        [
            {
                "member_id": mid,
                "platform": x.platform,
                "user_id": x.user_id,
                "username": x.username,
                "display_name": x.display_name,
                "first_seen": x.now,
                "last_seen": x.now,
                "dm_open": False,
            }
            for x, mid in zip(new, ids, strict=True)
        ],
    )
    kept = {tuple(r) for r in made}
    spare = [mid for x, mid in zip(new, ids, strict=True) if (x.platform, x.user_id) not in kept]
    if spare:  # another process created these identities first
        await s.execute(delete(_MEMBERS).where(_M.id.in_(spare)))


ENSURES = _Ensures()


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
        view, seen = await self.db.group.bulk(ENSURES, _Sighting(platform, user_id, display_name, username, now))
        cache.put((platform, user_id), (view, seen))
        return view

    async def language(self, member_id: int) -> str | None:
        async with self.db.session() as s:
            return (await s.execute(select(col(Member.language)).where(col(Member.id) == member_id))).scalar()

    async def set_language(self, member_id: int, language: str | None) -> None:
        """The member's own choice (None: follow their app). Every process sees it within the
        identity cache's bound; this one at once."""
        async with self.db.session() as s:
            await s.execute(update(Member).where(col(Member.id) == member_id).values(language=language))
            keys = (
                await s.execute(
                    select(col(Identity.platform), col(Identity.user_id)).where(col(Identity.member_id) == member_id)
                )
            ).all()
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

    async def identity_on(self, member_id: int, platform: str) -> MemberView | None:
        """The member's identity on ``platform``, else their first (None: a member since forgotten)."""
        ids = await self.identities(member_id)
        return next((i for i in ids if i.platform == platform), ids[0] if ids else None)

    async def identities(self, member_id: int) -> list[MemberView]:
        async with self.db.session() as s:
            rows = (
                await s.execute(select(Identity).where(col(Identity.member_id) == member_id).order_by(col(Identity.id)))
            ).scalars()
            return [_view(i) for i in rows]

    async def names(self, member_ids: Sequence[int]) -> dict[int, str]:
        """Each member's name as first seen on a platform (their oldest identity), in one query;
        members since deleted are missing."""
        if not member_ids:
            return {}
        async with self.db.session() as s:
            rows = await s.execute(
                select(_I.member_id, _I.display_name).where(_I.member_id.in_(set(member_ids))).order_by(_I.id.desc())
            )
            return {int(m): name for m, name in rows}  # the oldest identity comes last and wins

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
