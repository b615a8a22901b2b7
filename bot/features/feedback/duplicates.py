"""Finding the open item a new idea duplicates, at any size: every open item is indexed once in the
core's matching engine (``bot.matching``, the one the FAQ answers with) and the index kept current,
instead of reloading and re-indexing thousands of items per submission."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence

from bot.matching.index import MatchIndex
from storage.repositories.feedback import OPEN, FeedbackRepo, ItemView

#: how fans wrap an idea ("it would be great if", "please add", "I wish"): said of every idea, so
#: they make two different ideas look alike and two wordings of one idea look apart
BOILERPLATE = re.compile(
    r"\b(?:it would be (?:great|nice|good|cool)(?: if)?|would be (?:great|nice)|please|pls|add(?:ing)?|"
    r"feature|idea|suggestion|request|(?:i|we) (?:wish|hope|think|want|would like|'d like)|maybe|"
    r"really|great|nice|love|thanks?(?: you)?)\b",
    re.IGNORECASE,
)


def gist(text: str) -> str:
    """The idea without the wrapping (the whole text when nothing else is left)."""
    return BOILERPLATE.sub(" ", text).strip() or text


class DuplicateIndex:
    """Open items by their text; a new text's likely duplicates with the engine's confidence
    (0..1) that each is the same idea."""

    def __init__(self) -> None:
        self._index = MatchIndex(candidates=50)  # one phrasing per item: 50 rank as well as 200 (bench/duplicates.py)
        #: the highest item id seen (other processes' newer items are fetched past it)
        self.high_water = 0

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._index

    def add(self, item_id: int, text: str) -> None:
        self._index.replace(item_id, [gist(text)])
        self.high_water = max(self.high_water, item_id)

    def remove(self, item_id: int) -> None:
        self._index.remove(item_id)

    def rank(self, text: str, limit: int = 5, exclude: Sequence[int] = ()) -> list[tuple[int, float]]:
        found = self._index.search(gist(text), limit + len(exclude))
        return [(m.entry_id, m.confidence) for m in found if m.entry_id not in exclude][:limit]


class OpenItems:
    def __init__(self, items: FeedbackRepo, threshold: float) -> None:
        self.items = items
        self.threshold = threshold
        self._index = DuplicateIndex()

    async def similar(
        self, text: str, *, limit: int = 1, exclude: tuple[int, ...] = ()
    ) -> list[tuple[ItemView, float]]:
        """The open items most like ``text`` (at least ``threshold`` alike), best first."""
        index = await self._current()
        ranked = [
            (d, score) for d, score in index.rank(text, limit=limit + 2, exclude=exclude) if score >= self.threshold
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
        """Index every open item at start, in a worker thread (better before the first /idea than
        during it)."""
        rows = await self.items.search_corpus(open_only=True, limit=None)
        await asyncio.to_thread(self._add, rows)

    async def _current(self) -> DuplicateIndex:
        """Indexed at first use; later only items past the highest id seen are fetched (this
        process's and other processes' new ones)."""
        self._add(await self.items.search_corpus(open_only=True, limit=None, after_id=self._index.high_water))
        return self._index

    def _add(self, rows: list[tuple[int, str, str]]) -> None:
        """Rows come newest first; the index takes them oldest first. One already indexed (two
        submissions fetched the same new items at once) is not indexed again."""
        for doc_id, body, _ in reversed(rows):
            if doc_id not in self._index:
                self._index.add(doc_id, body)
