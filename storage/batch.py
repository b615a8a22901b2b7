"""Group commit: the small writes of events in flight share one transaction.

A repository hands :meth:`GroupCommit.run` a function of a session, or :meth:`GroupCommit.bulk` one
item of a :class:`Bulk` operation (all waiting items of an operation become one multi-row
statement). Whatever is waiting when the writer is free runs in one transaction, committed once,
and each caller gets its result only after that commit (so nothing is acknowledged that is not
stored). Writes must not raise on expected conflicts (they use ``ON CONFLICT``); if one raises
anyway, the batch is rolled back and each write runs again alone, so one bad write fails alone.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from storage.db import Database

log = logging.getLogger(__name__)
T = TypeVar("T")
In = TypeVar("In")
R = TypeVar("R")
Work = Callable[[AsyncSession], Awaitable[Any]]


class Bulk(Protocol[In, R]):
    """Many callers' items applied with a few statements: one result per item, in order."""

    async def apply(self, s: AsyncSession, items: list[In]) -> list[R]: ...


@dataclass(slots=True)
class _Request:
    op: Bulk[Any, Any] | None  # None: ``work`` is a function of the session
    item: Any
    future: asyncio.Future[Any]


class GroupCommit:
    def __init__(self, db: Database, max_batch: int = 500) -> None:
        self.db = db
        self.max_batch = max_batch
        self._pending: list[_Request] = []
        self._writer: asyncio.Task[None] | None = None
        #: batches committed and writes in them (for benchmarks and logs)
        self.batches = 0
        self.writes = 0

    async def run(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        return await self._submit(None, work)

    async def bulk(self, op: Bulk[In, R], item: In) -> R:
        return await self._submit(op, item)

    async def _submit(self, op: Bulk[Any, Any] | None, item: Any) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending.append(_Request(op, item, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name="group-commit")
        return await asyncio.shield(future)

    async def _write(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
            try:
                results = await self._together(batch)
            except Exception:
                log.warning("a grouped write failed; retrying each write alone", exc_info=True)
                await self._alone(batch)
                continue
            self.batches += 1
            self.writes += len(batch)
            for request, result in zip(batch, results, strict=True):
                if not request.future.done():
                    request.future.set_result(result)

    async def _together(self, batch: list[_Request]) -> list[Any]:
        results: list[Any] = [None] * len(batch)
        groups: dict[int, tuple[Bulk[Any, Any], list[int]]] = {}
        async with self.db.sessions() as s:
            for i, request in enumerate(batch):
                if request.op is None:
                    results[i] = await request.item(s)
                else:
                    groups.setdefault(id(request.op), (request.op, []))[1].append(i)
            for op, indexes in groups.values():
                for i, result in zip(indexes, await op.apply(s, [batch[i].item for i in indexes]), strict=True):
                    results[i] = result
            await s.commit()
        return results

    async def _alone(self, batch: list[_Request]) -> None:
        for request in batch:
            try:
                async with self.db.sessions() as s:
                    if request.op is None:
                        result = await request.item(s)
                    else:
                        [result] = await request.op.apply(s, [request.item])
                    await s.commit()
            except Exception as exc:
                if not request.future.done():
                    request.future.set_exception(exc)
            else:
                if not request.future.done():
                    request.future.set_result(result)

    async def close(self) -> None:
        """Let the writes already waiting finish."""
        if self._writer is not None and not self._writer.done():
            await self._writer
