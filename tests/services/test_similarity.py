"""The live duplicate index ranks like a freshly built one, and stays current as items come and go."""

from __future__ import annotations

import random

import pytest

from bot.features.feedback.similarity import LiveIndex, SimilarityIndex

WORDS = "dark mode settings camera crash battery widget gallery lock screen zoom shortcut 暗色 模式 闪退 相机".split()


def corpus(n: int, seed: int) -> list[tuple[int, str]]:
    rng = random.Random(seed)
    return [(i + 1, " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9)))) for i in range(n)]


@pytest.mark.parametrize("n", [1, 5, 60, 150])
def test_same_ranking_as_a_fresh_index_on_small_collections(n: int) -> None:
    docs = corpus(n, n)
    live = LiveIndex()
    for doc_id, text in docs:
        live.add(doc_id, text)
    fresh = SimilarityIndex(docs)
    for query in ("dark mode for the settings", "camera crash when zooming", "相机 闪退", "unrelated words"):
        expected = fresh.rank(query, limit=5)
        got = live.rank(query, limit=5)
        assert [d for d, _ in got] == [d for d, _ in expected]
        assert [round(s, 9) for _, s in got] == [round(s, 9) for _, s in expected]


def test_items_that_close_leave_and_new_ones_are_found() -> None:
    live = LiveIndex()
    live.add(1, "Dark mode for the settings app")
    live.add(2, "Camera crashes when switching lenses")
    assert live.rank("dark mode in settings please", limit=1)[0][0] == 1
    live.remove(1)
    assert 1 not in live and all(d != 1 for d, _ in live.rank("dark mode in settings please"))
    live.add(3, "Please add a dark mode to settings")
    assert live.rank("dark mode in settings please", limit=1)[0][0] == 3
    assert live.high_water == 3 and len(live) == 2


def test_a_large_collection_still_finds_the_paraphrase() -> None:
    live = LiveIndex()
    for doc_id, text in corpus(5000, 7):
        live.add(doc_id, text)
    live.add(9999, "Double tap the lock screen to wake the phone")
    best = live.rank("wake the phone with a double tap on the lock screen", limit=3)
    assert best[0][0] == 9999 and best[0][1] > 0.25
