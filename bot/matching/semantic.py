"""Optional semantic matching: sentence embeddings (``embedders``) fused with the lexical engine.
The bot works without it and says at start which engine is active."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from bot.matching.bm25 import cjk_share, words
from bot.matching.calibration import HYBRID, LEXICAL, Calibration
from bot.matching.embedders import Embed
from bot.matching.index import Match, MatchIndex

log = logging.getLogger(__name__)
LEXICAL_WEIGHT = 0.08  # in the fused ranking score; the embedding similarities carry the rest
#: how much the question's similarity to the entry's centroid (the mean of all its phrasings'
#: embeddings) counts next to its best phrasing's: an entry learns from every way it was asked
CENTROID = 2.0


#: an English-only model leaves questions with at least this share of CJK characters to the lexical engine
CJK_LEXICAL = 0.3


class HybridIndex(MatchIndex):
    """The lexical index plus one embedding per phrasing; ranks by a fusion of both."""

    def __init__(
        self, embed: Embed, demote_after: int = 3, calibration: Calibration = HYBRID, *, multilingual: bool = True
    ) -> None:
        super().__init__(demote_after, calibration)
        #: False for an English-only model (the packaged all-MiniLM-L6-v2): a Chinese question is
        #: then matched lexically — the model's vectors for Chinese text are noise (on zh-faq's dev
        #: set, fused with them: top-1 83%, off-topic answered 25%; lexical: 97%, 0%)
        self.multilingual = multilingual
        self._embed = embed
        self._vectors: dict[int, Any] = {}  # doc -> vector
        self._matrix: Any = None
        self._rows: list[int] = []
        self._centroid_rows: Any = None  # one unit row per entry, in the order of ``_entries``
        self._entries: list[int] = []

    def add(self, entry_id: int, phrasings: Iterable[str]) -> None:
        texts = [t for t in phrasings if t.strip()]
        first = self._next
        super().add(entry_id, texts)
        if texts:
            for doc, vector in zip(range(first, self._next), self._embed(texts), strict=True):
                self._vectors[doc] = vector
        self._matrix = None

    def add_many(self, entries: Sequence[tuple[int, Sequence[str]]]) -> None:
        """Bulk add (one embedding batch): what loading a whole FAQ uses."""
        texts: list[str] = []
        for entry_id, phrasings in entries:
            clean = [t for t in phrasings if t.strip()]
            MatchIndex.add(self, entry_id, clean)
            texts += clean
        if texts:
            start = self._next - len(texts)
            for doc, vector in zip(range(start, self._next), self._embed(texts), strict=True):
                self._vectors[doc] = vector
        self._matrix = None

    def remove(self, entry_id: int) -> None:
        for doc in self._by_entry.get(entry_id, []):
            self._vectors.pop(doc, None)
        super().remove(entry_id)
        self._matrix = None

    def _build(self) -> None:
        """The phrasings' vectors as one matrix, and each entry's centroid (rebuilt after a change)."""
        self._rows = list(self._vectors)
        self._matrix = np.stack([self._vectors[d] for d in self._rows])
        self._entries = [e for e, docs in self._by_entry.items() if any(d in self._vectors for d in docs)]
        means = np.stack(
            [
                np.mean([self._vectors[d] for d in self._by_entry[e] if d in self._vectors], axis=0)
                for e in self._entries
            ]
        )
        self._centroid_rows = means / np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-12)

    def search(self, question: str, limit: int = 3) -> list[Match]:
        """Fused ranking: an entry's best phrasing similarity and its centroid's, with a little
        lexical evidence; the confidence is calibrated from the best similarity and the lead
        over the runner-up (bot/matching/calibration.py: a clear winner is more often right)."""
        cjk = cjk_share(question)
        if not self._vectors or (not self.multilingual and cjk >= CJK_LEXICAL):
            return self.lexical_search(question, limit, LEXICAL)
        if self._matrix is None:
            self._build()
        query = self._embed([question])[0]
        sims = self._matrix @ query
        centroid = dict(zip(self._entries, (self._centroid_rows @ query).tolist(), strict=True))
        qw = words(question)
        best: dict[int, tuple[float, int]] = {}  # entry -> its best phrasing's similarity, that phrasing
        for row, doc in enumerate(self._rows):
            entry, sim = self._docs[doc][0], float(sims[row])
            if entry not in best or sim > best[entry][0]:
                best[entry] = (sim, doc)
        lexical = {m.entry_id: m.score for m in self.lexical_search(question, 50, LEXICAL)}
        top_lex = max(lexical.values(), default=0.0) or 1.0
        scored = []
        for entry, (sim, doc) in best.items():
            semantic = (sim + CENTROID * centroid[entry]) / (1 + CENTROID)
            fused = LEXICAL_WEIGHT * lexical.get(entry, 0.0) / top_lex + (1 - LEXICAL_WEIGHT) * semantic
            factor = self.demotion(entry, qw)  # enough fans' 👎 for questions like this one
            scored.append((factor * fused, entry, factor * sim, doc))
        scored.sort(key=lambda x: -x[0])
        candidates = scored
        out: list[Match] = []
        for i, (fused, entry, best_sim, doc) in enumerate(candidates[:limit]):
            runner_up = candidates[i + 1][0] if i + 1 < len(candidates) else 0.0
            lead = (fused - runner_up) / fused if fused > 0 else 0.0
            similarity = max(0.0, min(1.0, best_sim))
            confidence = self.calibration.probability(similarity, lead, cjk)
            out.append(Match(entry, fused, confidence, self._docs[doc][1], similarity, lead, cjk))
        return out
