"""Optional semantic matching: sentence embeddings (``embedders``) fused with the lexical engine.
The bot works without it and says at start which engine is active."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

import numpy as np

from bot.matching.bm25 import cjk_share, words
from bot.matching.calibration import HYBRID, LEXICAL, Calibration
from bot.matching.embedders import Embed, SharedEmbedder
from bot.matching.index import CANDIDATES, Match, MatchIndex

log = logging.getLogger(__name__)
R = TypeVar("R")
LEXICAL_WEIGHT = 0.08  # in the fused ranking score; the embedding similarities carry the rest
#: how much the question's similarity to the entry's centroid (the mean of all its phrasings'
#: embeddings) counts next to its best phrasing's: an entry learns from every way it was asked
CENTROID = 2.0


#: an English-only model leaves questions with at least this share of CJK characters to the lexical engine
CJK_LEXICAL = 0.3


class _Vectors:
    """Vectors in one growable matrix, a row per key (and a number, ``tag``, per row); a removed
    key's row is zeroed and marked free (``owner`` -1) and the matrix is compacted once half of it
    is free. Adding or removing a key costs its own row, never a rebuild."""

    def __init__(self) -> None:
        self.matrix: np.ndarray = np.zeros((0, 0), np.float32)
        self.owner: np.ndarray = np.zeros(0, np.int64)  # row -> key (-1: free)
        self.tag: np.ndarray = np.zeros(0, np.int64)
        self.row: dict[int, int] = {}  # key -> row
        self.used = 0  # rows handed out (live and free)

    def put(self, key: int, vector: np.ndarray, tag: int = -1) -> None:
        at = self.row.get(key)
        if at is None:
            if self.used == len(self.owner):
                self._grow(len(vector))
            at = self.row[key] = self.used
            self.used += 1
        self.matrix[at] = vector
        self.owner[at] = key
        self.tag[at] = tag

    def drop(self, key: int) -> bool:
        """Forget ``key``; True when that compacted the matrix (rows moved)."""
        at = self.row.pop(key, None)
        if at is None:
            return False
        self.matrix[at] = 0.0
        self.owner[at] = -1
        if self.used > 64 and len(self.row) * 2 < self.used:
            self._compact()
            return True
        return False

    def vector(self, key: int) -> np.ndarray:
        return self.matrix[self.row[key]]

    def _grow(self, dim: int) -> None:
        size = max(64, 2 * len(self.owner))
        matrix = np.zeros((size, dim), np.float32)
        if self.used:
            matrix[: self.used] = self.matrix[: self.used]
        owner, tag = np.full(size, -1, np.int64), np.full(size, -1, np.int64)
        owner[: self.used] = self.owner[: self.used]
        tag[: self.used] = self.tag[: self.used]
        self.matrix, self.owner, self.tag = matrix, owner, tag

    def _compact(self) -> None:
        live = np.flatnonzero(self.owner[: self.used] >= 0)
        n = len(live)
        self.matrix[:n] = self.matrix[live]
        self.owner[:n] = self.owner[live]
        self.tag[:n] = self.tag[live]
        self.matrix[n : self.used] = 0.0
        self.owner[n : self.used] = -1
        self.used = n
        self.row = {int(k): i for i, k in enumerate(self.owner[:n].tolist())}


def _unit(vector: np.ndarray) -> np.ndarray:
    return (vector / max(float(np.linalg.norm(vector)), 1e-12)).astype(np.float32)


class HybridIndex(MatchIndex):
    """The lexical index plus one embedding per phrasing and one centroid per entry (the mean of
    its phrasings' embeddings); ranks by a fusion of both. Kept current row by row: an entry added
    or removed costs its own embeddings, so a collection that changes all the time (open feedback
    items) is never rebuilt."""

    def __init__(
        self,
        embed: Embed,
        demote_after: int = 3,
        calibration: Calibration = HYBRID,
        *,
        multilingual: bool = True,
        candidates: int = CANDIDATES,
    ) -> None:
        super().__init__(demote_after, calibration, candidates)
        #: False for an English-only model (the packaged all-MiniLM-L6-v2): a Chinese question is
        #: then matched lexically — the model's vectors for Chinese text are noise (on zh-faq's dev
        #: set, fused with them: top-1 83%, off-topic answered 25%; lexical: 97%, 0%)
        self.multilingual = multilingual
        self._embed = embed
        self._phrasings = _Vectors()  # doc -> its embedding, tagged with its entry's row in:
        self._centroids_of = _Vectors()  # entry -> its centroid (unit mean of its phrasings')
        #: entries indexed by their words only (the embeddings failed): embedded at a later search
        self._unembedded: set[int] = set()

    def add(self, entry_id: int, phrasings: Iterable[str]) -> None:
        self.add_many([(entry_id, list(phrasings))])

    def add_many(self, entries: Sequence[tuple[int, Sequence[str]]]) -> None:
        """Add entries with one embedding batch (loading a whole FAQ)."""
        clean = [(entry_id, [t for t in phrasings if t.strip()]) for entry_id, phrasings in entries]
        texts = [t for _, phrasings in clean for t in phrasings]
        if not texts:
            return
        # embedded first: if the embeddings server fails, the index is left as it was
        self._put(clean, np.asarray(self._embed(texts), dtype=np.float32))

    def _put(self, clean: Sequence[tuple[int, Sequence[str]]], vectors: np.ndarray) -> None:
        docs: list[int] = []
        for entry_id, phrasings in clean:
            first = self._next
            MatchIndex.add(self, entry_id, phrasings)
            docs += range(first, self._next)
        for doc, vector in zip(docs, vectors, strict=True):
            entry_id = self._docs[doc][0]
            if entry_id not in self._centroids_of.row:  # its row first: the phrasings point to it
                self._centroids_of.put(entry_id, np.zeros_like(vector))
            self._phrasings.put(doc, vector, tag=self._centroids_of.row[entry_id])
        for entry_id in {self._docs[d][0] for d in docs}:
            self._center(entry_id)

    def add_unembedded(self, entries: Sequence[tuple[int, Sequence[str]]]) -> None:
        """Add entries by their words now (the embeddings server is down) and embed them at the
        first search that can."""
        for entry_id, phrasings in entries:
            self.remove(entry_id)
            MatchIndex.add(self, entry_id, phrasings)
            self._unembedded.add(entry_id)

    def _embed_late(self) -> None:
        waiting = [(e, [self._docs[d][1] for d in self._by_entry.get(e, ())]) for e in self._unembedded]
        try:
            vectors = np.asarray(self._embed([t for _, texts in waiting for t in texts]), dtype=np.float32)
        except Exception as exc:
            log.debug("entries still waiting for their embeddings: %s", exc)
            return
        for entry_id, _ in waiting:  # the same phrasings again, now with their embeddings
            self.remove(entry_id)
        self._put(waiting, vectors)

    def remove(self, entry_id: int) -> None:
        self._unembedded.discard(entry_id)
        for doc in self._by_entry.get(entry_id, []):
            self._phrasings.drop(doc)
        if self._centroids_of.drop(entry_id):  # entries' rows moved: their phrasings follow
            docs = self._phrasings
            for at in np.flatnonzero(docs.owner[: docs.used] >= 0).tolist():
                docs.tag[at] = self._centroids_of.row[self._docs[int(docs.owner[at])][0]]
        super().remove(entry_id)

    def _center(self, entry_id: int) -> None:
        rows = [self._phrasings.vector(d) for d in self._by_entry.get(entry_id, ()) if d in self._phrasings.row]
        if rows:
            self._centroids_of.put(entry_id, _unit(np.mean(rows, axis=0)))

    def search(self, question: str, limit: int = 3) -> list[Match]:
        """Fused ranking: an entry's best phrasing similarity and its centroid's, with a little
        lexical evidence; the confidence is calibrated from the best similarity and the lead
        over the runner-up (bot/matching/calibration.py: a clear winner is more often right)."""
        cjk = cjk_share(question)
        if self._unembedded:
            self._embed_late()
        entries = self._centroids_of
        if not entries.row or (not self.multilingual and cjk >= CJK_LEXICAL):
            return self.lexical_search(question, limit, LEXICAL)
        query = np.asarray(self._embed([question])[0], dtype=np.float32)
        docs, n = self._phrasings, entries.used
        sims = docs.matrix[: docs.used] @ query
        # each entry's best phrasing: its phrasings' similarities, maximised into the entry's row
        live = docs.owner[: docs.used] >= 0
        best = np.full(n, -np.inf, np.float32)
        np.maximum.at(best, docs.tag[: docs.used][live], sims[live])
        fused = (1 - LEXICAL_WEIGHT) * (best + CENTROID * (entries.matrix[:n] @ query)) / (1 + CENTROID)
        fused[entries.owner[:n] < 0] = -np.inf
        lexical = self.lexical_scores(question, 50)
        top_lex = max(lexical.values(), default=0.0) or 1.0
        for entry_id, score in lexical.items():
            if entry_id in entries.row:
                fused[entries.row[entry_id]] += LEXICAL_WEIGHT * score / top_lex
        qw = words(question)
        factors: dict[int, float] = {}
        for entry_id in self._negatives:  # enough fans' 👎 for questions like this one
            factor = self.demotion(entry_id, qw)
            if factor != 1.0 and entry_id in entries.row:
                factors[entry_id] = factor
                fused[entries.row[entry_id]] *= factor
        k = min(limit + 1, len(entries.row))
        top = np.argpartition(-fused, k - 1)[:k]
        top = top[np.argsort(-fused[top], kind="stable")]
        out: list[Match] = []
        for i, slot in enumerate(top[:limit].tolist()):
            entry_id, score = int(entries.owner[slot]), float(fused[slot])
            doc = max((d for d in self._by_entry[entry_id] if d in docs.row), key=lambda d: float(sims[docs.row[d]]))
            runner_up = float(fused[top[i + 1]]) if i + 1 < len(top) else 0.0
            lead = (score - runner_up) / score if score > 0 else 0.0
            similarity = max(0.0, min(1.0, factors.get(entry_id, 1.0) * float(sims[docs.row[doc]])))
            confidence = self.calibration.probability(similarity, lead, cjk)
            out.append(Match(entry_id, score, confidence, self._docs[doc][1], similarity, lead, cjk))
        return out


async def hybrid_index(
    embedder: SharedEmbedder | None, demote_after: int = 3, *, candidates: int = CANDIDATES
) -> HybridIndex | None:
    """An empty hybrid index on the process's embedder, or None when semantic matching is off or
    cannot run (the embedder said why)."""
    embed = await embedder.get() if embedder is not None else None
    if embedder is None or embed is None:
        return None
    return HybridIndex(embed, demote_after, multilingual=embedder.multilingual, candidates=candidates)


class OneAtATime:
    """How a service uses an index that is not thread-safe. Lexical work (microseconds) runs at once
    on the event loop; a semantic index's work (embedding a text takes milliseconds, a server
    call longer) runs in a worker thread, one piece at a time: a search never sees an entry half
    re-embedded or a matrix being compacted, and two searches never embed the same late entry.
    ``threaded`` says whether the service's index is semantic now (it is replaced at start)."""

    def __init__(self, threaded: Callable[[], bool]) -> None:
        self._threaded = threaded
        self._lock = asyncio.Lock()

    async def run(self, work: Callable[[], R]) -> R:
        if not self._threaded():
            return work()
        async with self._lock:
            return await asyncio.to_thread(work)
