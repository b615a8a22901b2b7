"""Terms and BM25 for the FAQ engine: how text becomes terms, and an index of one kind of term.

Words are Snowball-stemmed with stop words dropped; Chinese and Japanese runs (no spaces to split
on) become character pairs; character 3- and 4-grams catch typos, inflections and word order.
A :class:`Field` is a BM25 index over one kind of term, updated incrementally and scored with
numpy over every posting (no cutoff that would cost accuracy on a big FAQ).
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from sys import intern

import numpy as np
import Stemmer

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
STOP = frozenset(
    """a an the and or but of to in on for with at by from as is are was were be been being it its this that these
    those i me my we our you your he she they them their there here so if then than too very can could would should
    will shall do does did have has had am just also please any some what how why when where which who whom whose
    im i'm ive i've id i'd dont don't is it's get got need want know tell like way""".split()
)
K1, B = 1.2, 0.75
#: character n-grams in more than this share of the phrasings are not scored (no information)
GRAM_MAX_DF = 0.03
QUERY_TERMS = 200  # per field
#: up to this many phrasings a question's postings are added up in one call (see Field.scores)
ONE_CALL_UP_TO = 32768


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().replace("’", "'")


#: the Snowball (Porter 2) English stemmer, in C: "charges", "charging", "charged" -> "charg"
_SNOWBALL = Stemmer.Stemmer("english")


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return str(_SNOWBALL.stemWord(word))


def words(text: str) -> list[str]:
    """Stemmed words minus stop words; CJK runs as character pairs. Interned: an index holds each
    distinct term once, however many phrasings use it."""
    out: list[str] = []
    for tok in _WORD.findall(normalise(text)):
        if _CJK.search(tok):
            chars = [c for c in tok if not c.isspace()]
            out += [intern(a + b) for a, b in itertools.pairwise(chars)] or chars
        elif tok not in STOP:
            out.append(intern(stem(tok)))
    return out


def grams(text: str) -> list[str]:
    """Character 3- and 4-grams of each word (padded with spaces); CJK as single characters."""
    out: list[str] = []
    for tok in _WORD.findall(normalise(text)):
        if _CJK.search(tok):
            out += list(tok)
            continue
        padded = f" {tok} "
        for n in (3, 4):
            out += [intern(padded[i : i + n]) for i in range(len(padded) - n + 1)]
    return out


class Field:
    """A BM25 index over one kind of term.

    Postings are two flat arrays per term (documents, term counts): a few bytes per posting
    rather than a dict entry's hundred, so a 50,000-entry FAQ fits in modest memory. Each term's
    BM25 weights are precomputed as numpy arrays (recomputed lazily for the terms a change
    touched), and a query adds up every posting of its terms in one dense array: exact, and
    within a few milliseconds on a 5,000-entry FAQ. Terms found in more than ``max_df`` of the
    documents are skipped (for character n-grams they carry almost no information and dominate
    the cost).
    """

    def __init__(self, max_df: float = 1.0) -> None:
        #: term -> (documents, how often the term occurs in each)
        self.postings: dict[str, tuple[array[int], array[int]]] = {}
        self.documents = 0
        self.total = 0  # terms in all documents
        self.max_df = max_df
        #: one more than the highest document id seen (the size of a query's score array)
        self.capacity = 0
        self._length_of: np.ndarray = np.zeros(1024, np.float32)  # document id -> its length
        self._idf: dict[str, float] = {}
        self._impact: dict[str, tuple[np.ndarray, np.ndarray]] | None = None
        #: terms whose postings changed since their weights were computed
        self._dirty: set[str] = set()

    def add(self, doc: int, terms: Sequence[str]) -> None:
        counts = Counter(terms)
        for t, c in counts.items():
            posting = self.postings.get(t)
            if posting is None:
                posting = self.postings[t] = (array("i"), array("H"))
            posting[0].append(doc)
            posting[1].append(min(c, 65535))
        if doc >= len(self._length_of):
            grown = np.zeros(max(doc + 1, 2 * len(self._length_of)), np.float32)
            grown[: len(self._length_of)] = self._length_of
            self._length_of = grown
        self._length_of[doc] = len(terms)
        self.capacity = max(self.capacity, doc + 1)
        self.documents += 1
        self.total += len(terms)
        self._changed(counts)

    def remove(self, doc: int, terms: Sequence[str]) -> None:
        """Take out a document added with these terms."""
        for t in set(terms):
            posting = self.postings.get(t)
            if posting is None:
                continue
            docs, counts = posting
            try:
                at = docs.index(doc)
            except ValueError:  # not indexed under this term
                continue
            del docs[at], counts[at]
            if not docs:
                del self.postings[t]
        self.documents -= 1
        self.total -= len(terms)
        self._length_of[doc] = 0
        self._changed(terms)

    def _changed(self, terms: Iterable[str]) -> None:
        """Only the changed terms are re-weighed at the next search: one entry added to a big FAQ
        costs its own terms, not a rebuild of every posting list on the event loop. (The other
        terms keep weights computed with the old document count, a drift of a fraction of a
        percent per change, until the index is next built whole — at start.)"""
        for t in terms:
            self._idf.pop(t, None)
            self._dirty.add(t)

    def idf(self, term: str) -> float:
        value = self._idf.get(term)
        if value is None:
            n = self.documents
            posting = self.postings.get(term)
            df = len(posting[0]) if posting is not None else 0
            value = self._idf[term] = math.log(1 + (n - df + 0.5) / (df + 0.5))
        return value

    def _impacts(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per term, its documents and their BM25 weights (numpy arrays); built whole once, then
        only for the terms changed since."""
        if self._impact is None:
            self._impact, self._dirty = {}, set(self.postings)
        if self._dirty:
            avg = self.total / max(self.documents, 1)
            norm, slope = K1 * (1 - B), K1 * B / avg if avg else 0.0
            impact = self._impact
            limit = self._df_limit()
            for term in self._dirty:
                posting = self.postings.get(term)
                if not posting or len(posting[0]) > limit:  # gone, or too common to be scored at all
                    impact.pop(term, None)
                    continue
                docs = np.array(posting[0], dtype=np.int32)
                tf = np.array(posting[1], dtype=np.float32)
                weights = (self.idf(term) * (K1 + 1)) * tf / (tf + norm + slope * self._length_of[docs])
                impact[term] = (docs, weights.astype(np.float32))
            self._dirty = set()
        return self._impact

    def _df_limit(self) -> float:
        """Terms in more documents than this are skipped (``max_df``): they carry no information."""
        return max(50, self.max_df * self.documents)

    def scores(self, terms: Sequence[str], size: int) -> np.ndarray:
        """Every document's BM25 score for these terms, as a dense array of ``size`` (at least
        :attr:`capacity`) indexed by document id."""
        impacts = self._impacts()
        # a long question: its rarest terms decide, the common ones would only add cost
        chosen = sorted(set(terms), key=self.idf, reverse=True)[:QUERY_TERMS]
        found = [impact for t in chosen if (impact := impacts.get(t)) is not None]
        size = max(size, self.capacity)
        if size <= ONE_CALL_UP_TO:  # a small FAQ: per-call overhead dominates, add all at once
            if not found:
                return np.zeros(size, np.float32)
            docs = np.concatenate([d for d, _ in found])
            weights = np.concatenate([w for _, w in found])
            return np.bincount(docs, weights=weights, minlength=size).astype(np.float32)
        out = np.zeros(size, np.float32)  # a big one: no copies of the long posting lists
        for docs, weights in found:  # a term's documents are distinct: one vectorised add each
            out[docs] += weights
        return out

    def vector(self, terms: Sequence[str]) -> dict[str, float]:
        known, idf, log = self._idf, self.idf, math.log
        out: dict[str, float] = {}
        for t, c in Counter(terms).items():
            weight = known.get(t)
            if weight is None:
                weight = idf(t)
            out[t] = weight if c == 1 else (1 + log(c)) * weight
        return out


def cjk_share(text: str) -> float:
    """The share of Chinese/Japanese/Korean characters among a text's letters."""
    letters = [c for c in text if c.isalpha()]
    return sum(1 for c in letters if _CJK.match(c)) / len(letters) if letters else 0.0


def unit(field: Field, terms: Sequence[str]) -> dict[str, float]:
    return normed(field.vector(terms))


def normed(vector: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum([x * x for x in vector.values()])) or 1.0
    return {t: x / norm for t, x in vector.items()}


def dot(a: dict[str, float], b: dict[str, float]) -> float:
    """The dot product of two sparse vectors (their cosine when both are unit vectors)."""
    if len(a) > len(b):
        a, b = b, a
    return sum([x * b[t] for t, x in a.items() if t in b])
