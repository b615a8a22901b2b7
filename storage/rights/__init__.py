"""A member's data rights, table by table: each feature's storage says how to export and forget
the rows it owns (``storage/rights/<feature>.py``); :class:`RightsRepo` runs them in one
transaction; :func:`member_keyed_tables` finds every table that holds a member's data, so a
test can fail when a new one has no hook."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import MetaData, text

from storage.db import Tx
from storage.repositories.base import Repository
from storage.rights import core

#: the tables that identify a member (their primary keys)
MEMBER_TABLES = ("members", "identities")


@dataclass(frozen=True, slots=True)
class Forget:
    """One member's deletion, as every data-rights hook sees it."""

    member_id: int
    at: datetime
    #: the platform accounts being deleted, ``(platform, user_id)``
    identities: tuple[tuple[str, str], ...] = ()


ExportHook = Callable[[Tx, int], Awaitable[Mapping[str, Any]]]
ForgetHook = Callable[[Tx, Forget], Awaitable[Mapping[str, int]]]


def member_keyed_tables(metadata: MetaData) -> dict[str, list[str]]:
    """Every table with a column referring to a member or an identity: ``{table: [columns]}``."""
    found: dict[str, list[str]] = {}
    for table in metadata.sorted_tables:
        if table.name in MEMBER_TABLES:
            continue
        columns = [c.name for c in table.columns if any(fk.column.table.name in MEMBER_TABLES for fk in c.foreign_keys)]
        if columns:
            found[table.name] = columns
    return found


def uncovered(metadata: MetaData, covered: Iterable[str]) -> list[str]:
    """Member-keyed tables no data-rights hook names, as ``table (column, ...)``."""
    have = set(covered) | set(core.TABLES)
    return [f"{name} ({', '.join(cols)})" for name, cols in member_keyed_tables(metadata).items() if name not in have]


class RightsRepo(Repository):
    async def export(self, member_id: int, hooks: Iterable[ExportHook]) -> dict[str, Any] | None:
        async with self.db.session() as tx:
            data = await core.export(tx, member_id)
            if data is None:
                return None
            for hook in hooks:
                data.update(await hook(tx, member_id))
        return data

    async def forget(self, member_id: int, at: datetime, hooks: Iterable[ForgetHook]) -> dict[str, int]:
        """Every hook, then the member's own rows, in one transaction."""
        self.db.identity_cache.clear()
        self.db.chat_cache.clear()  # their private chats go too
        counts: dict[str, int] = {}
        async with self.db.session() as tx:
            request = Forget(member_id, at, await core.identities_of(tx, member_id))
            for hook in hooks:
                counts.update(await hook(tx, request))
            counts.update(await core.forget(tx, request))
            await tx.commit()
        self.db.identity_cache.clear()  # anything read while we deleted
        self.db.chat_cache.clear()
        if self.db.is_sqlite:  # deleted rows linger in the WAL and free pages: checkpoint them away
            async with self.db.engine.connect() as conn:
                await conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        return counts
