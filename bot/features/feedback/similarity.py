"""A small fuzzy matcher for short texts in any script (used to spot duplicate feedback).

Texts become weighted features: word tokens (Latin scripts, minus stop words and feedback
boilerplate such as "please add"), character trigrams inside words (typos, inflections)
and character bigrams of CJK runs (no whitespace to split on). Scores are TF-IDF cosine
similarities in 0..1. It serves the merge check ("do these two items look alike at all?");
duplicate hints and /feedback search use the core's matching engine (duplicates.py).
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections import defaultdict

_WORD = re.compile(r"[^\W\d_][\w'’]*|\d+", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]+")
STOP_WORDS = frozenset(
    {
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "at",
        "by",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "i",
        "me",
        "my",
        "we",
        "our",
        "you",
        "your",
        "he",
        "she",
        "they",
        "them",
        "their",
        "there",
        "here",
        "so",
        "if",
        "then",
        "than",
        "too",
        "very",
        "can",
        "could",
        "would",
        "should",
        "will",
        "just",
        "also",
        "please",
        "add",
        "have",
        "has",
        "had",
        "do",
        "does",
        "did",
        "not",
        "no",
        "yes",
        "get",
        "got",
        "make",
        "great",
        "nice",
        "good",
        "really",
        "some",
        "any",
        "all",
        "more",
        "when",
        "what",
        "how",
        "why",
        "where",
        "which",
        "who",
        "app",
        "feature",
        "idea",
        "bug",
        "suggestion",
        "request",
        "like",
        "love",
        "wish",
        "want",
        "hope",
        "think",
        "maybe",
    }
)
_CJK_STOP = frozenset("的了是在我你他她它们吗呢吧啊就也都很和有要能会")


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def features(text: str) -> dict[str, float]:
    norm = normalise(text)
    feats: defaultdict[str, float] = defaultdict(float)
    for run in _CJK.findall(norm):
        chars = [c for c in run if c not in _CJK_STOP] or list(run)
        if len(chars) == 1:
            feats["c:" + chars[0]] += 1
        for a, b in itertools.pairwise(chars):
            feats["c:" + a + b] += 1
    latin = _CJK.sub(" ", norm)
    for word in _WORD.findall(latin):
        word = word.replace("’", "'").strip("'")
        if not word or word in STOP_WORDS:
            continue
        stem = word[:-1] if len(word) > 4 and word.endswith("s") else word
        feats["w:" + stem] += 2
        padded = f"<{stem}>"
        for i in range(len(padded) - 2):
            feats["t:" + padded[i : i + 3]] += 0.5
    return dict(feats)


def resemblance(a: str, b: str) -> float:
    """Cosine of two texts' features, 0..1, without corpus weights: do two items look alike at all?
    (Unrelated pairs score ~0; paraphrases of one idea 0.3–0.7.)"""
    fa, fb = features(a), features(b)
    dot = sum(v * fb.get(k, 0.0) for k, v in fa.items())
    norm = math.sqrt(sum(v * v for v in fa.values())) * math.sqrt(sum(v * v for v in fb.values()))
    return dot / norm if norm else 0.0
