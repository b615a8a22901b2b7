"""The FAQ's entries in the core matching engine (``bot.matching``): built once at start from the
database, then kept current entry by entry; lexical, plus sentence embeddings when ``[faq]
semantic`` is on and works. Every use after start goes through :class:`OneAtATime`: a semantic
index is not thread-safe and its work runs in a worker thread."""

from __future__ import annotations

import asyncio
import gc
import logging
from functools import partial

from bot.matching.calibration import LEXICAL
from bot.matching.embedders import SharedEmbedder
from bot.matching.index import Match, MatchIndex
from bot.matching.semantic import HybridIndex, OneAtATime, hybrid_index
from bot.settings import FaqSettings
from storage.repositories.faq import EntryView, FaqRepo

log = logging.getLogger(__name__)


class FaqIndex:
    def __init__(self, repo: FaqRepo, settings: FaqSettings, embedder: SharedEmbedder | None = None) -> None:
        self.repo = repo
        self.settings = settings
        #: the process's sentence embedder (shared with feedback's duplicate hints), when configured
        self.embedder = embedder
        #: the engine: lexical until :meth:`load` finds working embeddings
        self.engine = MatchIndex(settings.demote_after_downvotes)
        #: a hybrid engine's work in a worker thread, one piece at a time
        self._use = OneAtATime(lambda: isinstance(self.engine, HybridIndex)).run

    async def load(self) -> int:
        """Build the index from the database (at start); later changes update it in place."""
        entries = await self.repo.all()
        engine = "lexical"
        self.engine = MatchIndex(self.settings.demote_after_downvotes)
        hybrid = await hybrid_index(self.embedder, self.settings.demote_after_downvotes)
        if hybrid is not None:
            try:
                await asyncio.to_thread(hybrid.add_many, [(e.id, [e.question, *e.alternates]) for e in entries])
                self.engine, engine = hybrid, f"lexical + {self.settings.semantic} semantic"
            except Exception as exc:  # an embeddings server down at start must not stop the bot
                log.warning("semantic FAQ matching unavailable, lexical only: %s", exc)

        def build() -> None:  # in a worker thread: 50,000 entries take seconds
            for entry in entries:
                if engine == "lexical":
                    self._put(entry)
                for negative in entry.negatives:
                    self.engine.add_negative(entry.id, negative)
            self.engine.search("warm up", 1)  # weigh every posting list now, not at a fan's first question

        await asyncio.to_thread(build)
        gc.freeze()  # the index is long-lived: keep it out of the garbage collector's scans
        log.info("FAQ engine: %s (%d entries)", engine, len(entries))
        return len(entries)

    async def search(self, text: str, limit: int) -> list[Match]:
        index = self.engine

        def search() -> list[Match]:
            try:
                return index.search(text, limit)
            except Exception as exc:  # the embeddings server down: the words still count
                if not isinstance(index, HybridIndex):
                    raise
                log.warning("semantic search failed, answering lexically: %s", exc)
                return index.lexical_search(text, limit, LEXICAL)

        return await self._use(search)

    def _put(self, entry: EntryView) -> None:
        self.engine.replace(entry.id, [entry.question, *entry.alternates])
        for negative in entry.negatives:
            self.engine.add_negative(entry.id, negative)

    async def put(self, entry: EntryView) -> None:
        """Index ``entry`` as it is now (embedding new phrasings may take a while)."""
        await self._use(partial(self._put, entry))

    async def remove(self, entry_id: int) -> None:
        await self._use(partial(self.engine.remove, entry_id))

    async def add_negative(self, entry_id: int, question: str) -> None:
        """An asker's 👎: the entry is lowered for questions like theirs once enough askers agree."""
        await self._use(partial(self.engine.add_negative, entry_id, question))

    async def clear_negatives(self, entry_id: int) -> None:
        await self._use(partial(self.engine.clear_negatives, entry_id))
