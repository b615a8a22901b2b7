"""The lexical matcher: ranks entries (FAQ entries, feedback items) for a free text, with a
calibrated confidence.

BM25 over words (Snowball-stemmed, stop words dropped) fused with BM25 over character n-grams
(typos, inflections, word order, and scripts without spaces — Chinese and Japanese are indexed as
character bigrams). Every phrasing of an entry (an FAQ entry's canonical question and alternates;
a feedback item's text) is a document: an entry scores as its best phrasing (plus a share of its
next two) blended with how much of the text (weighed by rarity) its phrasings cover together, so
an entry with many phrasings learns from all of them. The best few entries are then reranked by
the text's cosine with each one's centroid (the mean of its phrasings' character n-gram TF-IDF
vectors: a nearest-centroid classifier). The confidence is calibrated from how alike the text is
to the best phrasing and to the centroid (0..1) and the lead over the runner-up, so a threshold
means the same thing on any collection. Updates are incremental: adding or removing an entry
touches only its postings (and forgets its centroid).
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from bot.matching.bm25 import GRAM_MAX_DF, Field, cjk_share, dot, grams, normed, unit, words
from bot.matching.calibration import LEXICAL, Calibration

CHAR_WEIGHT = 0.5  # how much the character-level score counts next to the word-level one
#: phrasings considered per question (the best by BM25; entries are ranked among theirs)
CANDIDATES = 200
#: an entry scores as its best phrasing plus this share of its next two (agreeing phrasings add up)
SUPPORT = 0.4
#: how much the share of the question an entry's phrasings cover together counts next to its best
#: phrasings (worked out for the best COVERED entries), and how much character n-grams count in it
COVERAGE, COVERED, COVERAGE_GRAMS = 0.2, 10, 0.3
#: the best this many entries are reranked by their centroid's cosine, weighing this much
RERANK, CENTROID = 5, 2.0
#: centroids kept (the entries reranked most recently); others are computed again when needed
CENTROIDS_KEPT = 4096
#: an entry fans said 👎 to for questions like this one (enough of them: ``demote_after``) keeps
#: this share of its score and confidence — lowered for those questions, never switched off
DEMOTION = 0.4
#: how alike (share of words in common) a question and a 👎'd phrasing must be to count
NEGATIVE_LIKENESS = 0.8


@dataclass(frozen=True, slots=True)
class Match:
    entry_id: int
    score: float  # ranking score (unbounded)
    #: the probability that this entry is the right answer (``calibration``), comparable across
    #: engines and FAQs: what ``[faq] answer_threshold`` is compared with
    confidence: float
    phrasing: str
    #: the raw evidence: how alike the question and ``phrasing`` are (0..1), how far this entry
    #: leads the next one (0..1), and the question's share of CJK characters (0..1)
    similarity: float = 0.0
    lead: float = 0.0
    cjk: float = 0.0


class MatchIndex:
    def __init__(self, demote_after: int = 3, calibration: Calibration = LEXICAL, candidates: int = CANDIDATES) -> None:
        #: how many fans' 👎 (their questions, alike) lower an entry for questions like theirs
        self.demote_after = demote_after
        #: phrasings considered per text (fewer where every entry has one phrasing)
        self.candidates = candidates
        self.calibration = calibration
        self._words = Field()
        self._grams = Field(max_df=GRAM_MAX_DF)
        #: entry -> its centroid, computed when reranked (at most CENTROIDS_KEPT, oldest dropped)
        self._centroids: dict[int, dict[str, float]] = {}
        # doc -> entry, text, words, grams (tuples of str: the GC stops tracking them)
        self._docs: dict[int, tuple[int, str, tuple[str, ...], tuple[str, ...]]] = {}
        self._by_entry: dict[int, list[int]] = defaultdict(list)
        self._negatives: dict[int, list[list[str]]] = defaultdict(list)
        self._next = 0

    def __len__(self) -> int:
        return len(self._by_entry)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._by_entry

    def add(self, entry_id: int, phrasings: Iterable[str]) -> None:
        texts = [text for text in phrasings if text.strip()]
        if not texts:
            return
        self._centroids.pop(entry_id, None)
        for text in texts:
            doc = self._next
            self._next += 1
            w, g = tuple(words(text)), tuple(grams(text))
            self._docs[doc] = (entry_id, text, w, g)
            self._by_entry[entry_id].append(doc)
            self._words.add(doc, w)
            self._grams.add(doc, g)

    def remove(self, entry_id: int) -> None:
        self._centroids.pop(entry_id, None)
        for doc in self._by_entry.pop(entry_id, []):
            _, _, w, g = self._docs.pop(doc)
            self._words.remove(doc, w)
            self._grams.remove(doc, g)
        self._negatives.pop(entry_id, None)

    def replace(self, entry_id: int, phrasings: Iterable[str]) -> None:
        negatives = self._negatives.get(entry_id, [])
        self.remove(entry_id)
        self.add(entry_id, phrasings)
        if negatives:
            self._negatives[entry_id] = negatives

    def add_negative(self, entry_id: int, phrasing: str) -> None:
        """A question its asker said this entry answered wrongly (one fan's 👎)."""
        self._negatives[entry_id].append(words(phrasing))

    def clear_negatives(self, entry_id: int) -> None:
        self._negatives.pop(entry_id, None)

    def _phrasing_scores(self, qw: Sequence[str], qg: Sequence[str]) -> dict[int, float]:
        """The best :attr:`candidates` phrasings by word and character BM25, each scaled to its
        best, blended by :data:`CHAR_WEIGHT`."""
        size = max(self._words.capacity, self._grams.capacity)
        ws, gs = self._words.scores(qw, size), self._grams.scores(qg, size)
        fused = (1 - CHAR_WEIGHT) * ws / (float(ws.max(initial=0.0)) or 1.0)
        fused += CHAR_WEIGHT * gs / (float(gs.max(initial=0.0)) or 1.0)
        found = int(np.count_nonzero(fused))
        if not found:
            return {}
        top = np.argpartition(-fused, min(self.candidates, found) - 1)[: min(self.candidates, found)]
        return dict(zip(top.tolist(), fused[top].tolist(), strict=True))

    def _coverage(self, qw: Sequence[str], qg: Sequence[str]) -> Callable[[int], float]:
        """How much of the question an entry's phrasings cover together (0..1): the rarity-weighed
        share of its words and character n-grams found in any of them."""
        word_idf = {t: self._words.idf(t) for t in set(qw)}
        gram_idf = {t: self._grams.idf(t) for t in set(qg)}
        word_total, gram_total = sum(word_idf.values()) or 1.0, sum(gram_idf.values()) or 1.0

        def covering(entry_id: int) -> float:
            docs = [self._docs[doc] for doc in self._by_entry.get(entry_id, ())]
            found_words = word_idf.keys() & {t for d in docs for t in d[2]}
            found_grams = gram_idf.keys() & {t for d in docs for t in d[3]}
            return (1 - COVERAGE_GRAMS) * sum(word_idf[t] for t in found_words) / word_total + (
                COVERAGE_GRAMS * sum(gram_idf[t] for t in found_grams) / gram_total
            )

        return covering

    def _rerank(
        self, ranked: list[tuple[int, tuple[float, int, float]]], question: dict[str, float]
    ) -> list[tuple[int, tuple[float, int, float]]]:
        """The best :data:`RERANK` entries by their score (scaled to the best one's) plus the
        question's cosine with each one's centroid; the rest keep their scaled score, which is
        never above a reranked one's."""
        if not ranked or ranked[0][1][0] <= 0:
            return ranked
        top = ranked[0][1][0]
        out = []
        for i, (entry, (score, doc, factor)) in enumerate(ranked):
            scaled = score / top
            if i < RERANK:
                scaled += factor * CENTROID * dot(question, self._centroid(entry))
            out.append((entry, (scaled, doc, factor)))
        out[:RERANK] = sorted(out[:RERANK], key=lambda kv: -kv[1][0])
        return out

    def _centroid(self, entry_id: int) -> dict[str, float]:
        """The mean of the entry's phrasings' character n-gram vectors, as a unit vector; kept
        until the entry changes (weighed with the document frequencies of that time)."""
        found = self._centroids.get(entry_id)
        if found is None:
            total: dict[str, float] = defaultdict(float)
            for doc in self._by_entry.get(entry_id, ()):
                for t, x in unit(self._grams, self._docs[doc][3]).items():
                    total[t] += x
            if len(self._centroids) >= CENTROIDS_KEPT:
                del self._centroids[next(iter(self._centroids))]
            found = self._centroids[entry_id] = normed(total)
        return found

    def demotion(self, entry_id: int, qw: Sequence[str]) -> float:
        """:data:`DEMOTION` once ``demote_after`` fans said 👎 to this entry for questions like
        ``qw``; else 1 — one fan's 👎 lowers nothing for anyone else."""
        q = set(qw)
        negatives = self._negatives.get(entry_id)
        if not q or not negatives:
            return 1.0
        alike = sum(1 for n in negatives if len(q & set(n)) / len(q | set(n)) > NEGATIVE_LIKENESS)
        return DEMOTION if alike >= self.demote_after else 1.0

    def search(self, question: str, limit: int = 3) -> list[Match]:
        return self.lexical_search(question, limit, self.calibration)

    def lexical_search(self, question: str, limit: int, calibration: Calibration) -> list[Match]:
        qw, qg = words(question), grams(question)
        if not qw and not qg:
            return []
        question_grams = unit(self._grams, qg)
        ranked = self._ranked(qw, qg, question_grams, limit)
        out: list[Match] = []
        question_words = unit(self._words, qw)
        cjk = cjk_share(question)
        for i, (entry, (score, doc, factor)) in enumerate(ranked[:limit]):
            _, text, w, g = self._docs[doc]
            # alike its best phrasing (words and characters) and its phrasings' centroid
            phrasing = 0.5 * dot(question_words, unit(self._words, w)) + 0.5 * dot(question_grams, unit(self._grams, g))
            similarity = factor * (0.5 * phrasing + 0.5 * dot(question_grams, self._centroid(entry)))
            runner_up = ranked[i + 1][1][0] if i + 1 < len(ranked) else 0.0
            lead = (score - runner_up) / score if score > 0 else 0.0
            confidence = factor * calibration.probability(similarity, lead, cjk)
            out.append(Match(entry, score, confidence, text, similarity, lead, cjk))
        return out

    def lexical_scores(self, question: str, limit: int) -> dict[int, float]:
        """The ``limit`` best entries' ranking scores alone (no likeness or confidence worked out:
        what a fused ranking needs of the lexical engine)."""
        qw, qg = words(question), grams(question)
        if not qw and not qg:
            return {}
        return {entry: score for entry, (score, _, _) in self._ranked(qw, qg, unit(self._grams, qg), limit)[:limit]}

    def _ranked(
        self, qw: Sequence[str], qg: Sequence[str], question_grams: dict[str, float], limit: int
    ) -> list[tuple[int, tuple[float, int, float]]]:
        """Entries best first as (entry, (score, best phrasing, demotion)); the first ``limit`` + 1
        (and the :data:`RERANK` best) are ranked exactly, the rest only roughly."""
        phrasings = self._phrasing_scores(qw, qg)
        per_entry: dict[int, list[tuple[float, int]]] = defaultdict(list)
        for doc, score in phrasings.items():
            per_entry[self._docs[doc][0]].append((score, doc))
        own: dict[int, tuple[float, int]] = {}  # entry -> its phrasings' score, its best phrasing
        for entry, scored in per_entry.items():
            scored.sort(reverse=True)
            own[entry] = ((scored[0][0] + SUPPORT * sum(s for s, _ in scored[1:3])) / (1 + 2 * SUPPORT), scored[0][1])
        covering = self._coverage(qw, qg)
        best: dict[int, tuple[float, int, float]] = {}  # entry -> score, best phrasing, demotion
        # only the best few can be among the ``limit`` returned (and the runner-up of the last)
        leaders = heapq.nlargest(max(COVERED, limit + 1), own.items(), key=lambda kv: kv[1][0])
        for i, (entry, (score, doc)) in enumerate(leaders):
            factor = self.demotion(entry, qw)
            coverage = covering(entry) if i < COVERED else 0.0  # below those, never above them
            best[entry] = (factor * ((1 - COVERAGE) * score + COVERAGE * coverage), doc, factor)
        return self._rerank(sorted(best.items(), key=lambda kv: -kv[1][0]), question_grams)
