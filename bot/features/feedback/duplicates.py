"""Finding the open item a new idea duplicates, at any size: every open item is indexed once and
the index kept current, instead of reloading and re-indexing thousands of items per submission."""

from __future__ import annotations

import asyncio

from bot.features.feedback.similarity import LiveIndex
from storage.repositories.feedback import OPEN, FeedbackRepo, ItemView


class OpenItems:
    def __init__(self, items: FeedbackRepo, threshold: float) -> None:
        self.items = items
        self.threshold = threshold
        self._index = LiveIndex()

    async def similar(
        self, text: str, *, limit: int = 1, exclude: tuple[int, ...] = ()
    ) -> list[tuple[ItemView, float]]:
        """The open items most like ``text`` (at least ``threshold`` alike), best first."""
        index = await self._current()
        ranked = [
            (d, score) for d, score in index.rank(text, limit=limit + 5, exclude=exclude) if score >= self.threshold
        ]
        found = await self.items.many([d for d, _ in ranked])
        out: list[tuple[ItemView, float]] = []
        for doc_id, score in ranked:
            item = found.get(doc_id)
            if item is None or item.status not in OPEN:  # closed since (here or by another process)
                index.remove(doc_id)
                continue
            if len(out) < limit:
                out.append((item, score))
        return out

    async def warm(self) -> None:
        """Index every open item at start, in a worker thread (12,000 items take about a second of
        CPU: better before the first /idea than during it)."""
        rows = await self.items.search_corpus(open_only=True, limit=None)
        await asyncio.to_thread(self._add, rows)

    async def _current(self) -> LiveIndex:
        """Indexed at first use; later only items past the highest id seen are fetched (this
        process's and other processes' new ones)."""
        self._add(await self.items.search_corpus(open_only=True, limit=None, after_id=self._index.high_water))
        return self._index

    def _add(self, rows: list[tuple[int, str, str]]) -> None:
        """Rows come newest first; the index takes them oldest first."""
        for doc_id, body, _ in reversed(rows):
            self._index.add(doc_id, body)
