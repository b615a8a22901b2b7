"""Finding the open item a new idea duplicates, at any size: every open item is indexed once in the
core's matching engine (``bot.matching``, the one the FAQ answers with: lexical, plus sentence
embeddings when ``[faq] semantic`` is on) and the index kept current, instead of reloading and
re-indexing thousands of items per submission."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from functools import partial

from bot.matching.calibration import LEXICAL
from bot.matching.embedders import SharedEmbedder
from bot.matching.index import Match, MatchIndex
from bot.matching.semantic import HybridIndex, OneAtATime, hybrid_index
from storage.repositories.feedback import OPEN, FeedbackRepo, ItemView

log = logging.getLogger(__name__)

#: how fans wrap an idea ("it would be great if", "please add", "I wish"): said of every idea, so
#: they make two different ideas look alike and two wordings of one idea look apart
BOILERPLATE = re.compile(
    r"\b(?:it would be (?:great|nice|good|cool)(?: if)?|would be (?:great|nice)|please|pls|add(?:ing)?|"
    r"feature|idea|suggestion|request|(?:i|we) (?:wish|hope|think|want|would like|'d like)|maybe|"
    r"really|great|nice|love|thanks?(?: you)?)\b",
    re.IGNORECASE,
)
#: the same in Chinese ("希望…", "建议增加…", "请添加…", "能不能…"): no spaces to find words by
BOILERPLATE_ZH = re.compile(r"希望|建议|麻烦|请|能不能|能否|可不可以|可以|增加|添加|加个|加一个|谢谢")
#: how alike (the engine's 0..1 similarity) a new idea and an open item must look before a hint,
#: however sure the engine is: on a board of one or two items the best one always "leads" by far
#: (on bench/duplicates.py's DEV boards of 15-150 items it costs 1 point of right hints and saves
#: 2.4 points of different ideas hinted)
MIN_LIKENESS = 0.25
#: phrasings a text is compared with in full (each item has one: 50 rank as well as 200 on
#: bench/duplicates.py, for a quarter of the work)
CANDIDATES = 50


def gist(text: str) -> str:
    """The idea without the wrapping (the whole text when nothing else is left)."""
    return BOILERPLATE_ZH.sub(" ", BOILERPLATE.sub(" ", text)).strip() or text


class DuplicateIndex:
    """Open items by their text; a new text's likely duplicates with the engine's confidence
    (0..1) that each is the same idea (0 when they don't look alike: :data:`MIN_LIKENESS`)."""

    def __init__(self, engine: MatchIndex | None = None) -> None:
        self._index = engine if engine is not None else MatchIndex(candidates=CANDIDATES)
        #: the highest item id seen (other processes' newer items are fetched past it)
        self.high_water = 0

    @property
    def semantic(self) -> bool:
        """Whether ranking embeds the text (slow enough for a worker thread)."""
        return isinstance(self._index, HybridIndex)

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._index

    def add(self, item_id: int, text: str) -> None:
        self.add_many([(item_id, text)])

    def add_many(self, items: Sequence[tuple[int, str]]) -> bool:
        """Index these items (oldest first; one embedding batch when semantic). False when they
        could not be embedded: they are indexed by their words for now, and embedded at a later
        search that can."""
        new = [(item_id, [gist(text)]) for item_id, text in items if item_id not in self._index]
        embedded = True
        if isinstance(self._index, HybridIndex):
            try:
                self._index.add_many(new)
            except Exception as exc:  # the embeddings server down
                log.warning(
                    "could not embed %d new item(s) for duplicate hints (words only for now): %s", len(new), exc
                )
                self._index.add_unembedded(new)
                embedded = False
        else:
            for item_id, texts in new:
                self._index.add(item_id, texts)
        self.high_water = max([self.high_water, *(item_id for item_id, _ in items)])
        return embedded

    def remove(self, item_id: int) -> None:
        self._index.remove(item_id)

    def rank(self, text: str, limit: int = 5, exclude: Sequence[int] = ()) -> list[tuple[int, float]]:
        alike = [m for m in self.matches(text, limit + len(exclude)) if m.entry_id not in exclude]
        return [(m.entry_id, m.confidence if m.similarity >= MIN_LIKENESS else 0.0) for m in alike][:limit]

    def matches(self, text: str, limit: int) -> list[Match]:
        question = gist(text)
        try:
            return self._index.search(question, limit)
        except Exception as exc:  # the embeddings server down: the words still count
            log.warning("semantic duplicate search failed, ranking lexically: %s", exc)
            return self._index.lexical_search(question, limit, LEXICAL)


class OpenItems:
    def __init__(self, items: FeedbackRepo, threshold: float, embedder: SharedEmbedder | None = None) -> None:
        self.items = items
        self.threshold = threshold
        self.embedder = embedder
        self._index = DuplicateIndex()
        #: a semantic index is used in a worker thread, one piece of work at a time
        self._use = OneAtATime(lambda: self._index.semantic).run
        #: the index being built at start (the first /idea waits for it; start-up does not)
        self._building: asyncio.Task[None] | None = None

    async def similar(
        self, text: str, *, limit: int = 1, exclude: tuple[int, ...] = ()
    ) -> list[tuple[ItemView, float]]:
        """The open items most like ``text`` (at least ``threshold`` sure), best first."""
        if self._building is not None:
            await asyncio.wait([self._building])  # (a failed build leaves the lexical index, filled here)
        index = self._index
        # items past the highest id seen: this process's and other processes' new ones
        rows = await self.items.search_corpus(open_only=True, after_id=index.high_water)

        def add_and_rank() -> list[tuple[int, float]]:
            index.add_many(rows)
            return index.rank(text, limit=limit + 2, exclude=exclude)

        ranked = [(d, score) for d, score in await self._use(add_and_rank) if score >= self.threshold]
        found = await self.items.many([d for d, _ in ranked])
        out: list[tuple[ItemView, float]] = []
        for doc_id, score in ranked:
            item = found.get(doc_id)
            if item is None or item.status not in OPEN:  # closed since (here or by another process)
                await self._use(partial(index.remove, doc_id))
                continue
            if len(out) < limit:
                out.append((item, score))
        return out

    async def warm(self) -> None:
        """Start indexing every open item, in the background (a big backlog takes seconds: the bot
        answers meanwhile, and only an /idea sent before it is done waits for it)."""
        self._building = asyncio.create_task(self._build(), name="feedback-duplicate-index")
        self._building.add_done_callback(_log_failure)

    async def _build(self) -> None:
        """Every open item, in a worker thread; with sentence embeddings when they are configured
        and work."""
        rows = await self.items.search_corpus(open_only=True)
        hybrid = await hybrid_index(self.embedder, candidates=CANDIDATES)
        if hybrid is not None:
            semantic = DuplicateIndex(hybrid)
            if await asyncio.to_thread(semantic.add_many, rows):
                self._index = semantic
                return
            log.warning("semantic duplicate hints unavailable (embeddings failed at start): lexical only")
        lexical = DuplicateIndex()
        await asyncio.to_thread(lexical.add_many, rows)
        self._index = lexical


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("could not index the open feedback items at start", exc_info=task.exception())


class AllItems:
    """Every item, open or decided, by its text (``/feedback search``): indexed in a worker thread
    at the first search, then only items past the highest id seen are fetched — a search costs
    about a millisecond at any size, instead of indexing the backlog again each time."""

    #: how alike (0..1) an item must be to be listed
    LISTED = 0.1

    def __init__(self, items: FeedbackRepo) -> None:
        self.items = items
        self._index = DuplicateIndex()
        self._lock = asyncio.Lock()

    async def search(self, text: str, limit: int = 5) -> list[int]:
        """The ids of the items most like ``text``, best first."""
        async with self._lock:  # the first search indexes everything; the others wait for it
            new = await self.items.search_corpus(open_only=False, after_id=self._index.high_water)
            if len(new) > 200:
                await asyncio.to_thread(self._index.add_many, new)
            else:
                self._index.add_many(new)
            return [m.entry_id for m in self._index.matches(text, limit) if m.similarity >= self.LISTED]
