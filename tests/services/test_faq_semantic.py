"""The hybrid (lexical + embedding) index, with a small deterministic embedder instead of a model."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from bot.matching.calibration import LEXICAL
from bot.matching.semantic import HybridIndex

# a toy "meaning" space: synonyms share a dimension, so paraphrases without shared words still match
CONCEPTS = {
    "unlock": 0,
    "bootloader": 1,
    "bl": 1,
    "rollback": 2,
    "downgrade": 2,
    "revert": 2,
    "previous": 2,
    "screenshot": 3,
    "capture": 3,
    "screen": 3,
    "battery": 4,
    "drain": 5,
    "dies": 5,
}


def embed(texts: Sequence[str]) -> Any:
    out = np.zeros((len(texts), 8))
    for i, text in enumerate(texts):
        for word in text.lower().replace("?", "").split():
            if word in CONCEPTS:
                out[i, CONCEPTS[word]] += 1.0
        out[i, 7] += 0.1  # never a zero vector
        out[i] /= np.linalg.norm(out[i])
    return out


def index() -> HybridIndex:
    idx = HybridIndex(embed)
    idx.add_many(
        [
            (1, ["How do I unlock the bootloader?"]),
            (2, ["How do I roll back to the previous version?"]),
            (3, ["How do I take a screenshot?"]),
            (4, ["Why does my battery drain so fast?"]),
        ]
    )
    return idx


def test_a_paraphrase_without_shared_words_is_found() -> None:
    best = index().search("can I revert or downgrade", 1)[0]
    assert best.entry_id == 2 and best.confidence > 0.5


def test_entries_added_and_removed_one_by_one_rank_like_an_index_built_at_once() -> None:
    """Each change costs its own rows (no rebuild); after many changes, and after the matrix
    compacts the rows freed by removals, the ranking is the same as a fresh index's."""
    words = [*CONCEPTS, "phone", "update", "settings", "please"]
    rng = np.random.default_rng(5)
    texts = {i: [" ".join(rng.choice(words, size=4)) for _ in range(1 + i % 3)] for i in range(1, 301)}
    grown = HybridIndex(embed)
    for entry_id, phrasings in texts.items():
        grown.add(entry_id, phrasings)
    gone = [e for e in texts if e % 3]
    for entry_id in gone:  # two thirds go: their rows are freed, then compacted away
        grown.remove(entry_id)
    assert grown._centroids_of.used < 300 and grown._phrasings.used < 600  # compacted
    for entry_id in gone[:20]:  # some come back, with new wording
        texts[entry_id] = ["battery drain after update", "screen capture please"]
        grown.add(entry_id, texts[entry_id])
    kept = {e: p for e, p in texts.items() if e % 3 == 0 or e in gone[:20]}
    fresh = HybridIndex(embed)
    fresh.add_many(list(kept.items()))
    assert len(grown) == len(fresh) == len(kept)
    for question in ("battery drain", "unlock bootloader phone", "revert the update", "screen capture"):
        mine, theirs = grown.search(question, 5), fresh.search(question, 5)
        assert [round(m.score, 3) for m in mine] == pytest.approx([round(m.score, 3) for m in theirs], abs=0.02)
        # (ids may differ among equal scores: many entries say the same thing)
        assert all(m.entry_id in kept and m.phrasing in kept[m.entry_id] for m in mine)
    grown.add(999, ["unlock the bootloader"])
    assert grown.search("bl unlock", 1)[0].entry_id == 999


def test_entries_added_while_embeddings_fail_are_embedded_at_a_later_search() -> None:
    down = True

    def flaky(texts: Sequence[str]) -> Any:
        if down:
            raise ConnectionError("embeddings server down")
        return embed(texts)

    idx = HybridIndex(flaky)
    idx.add_unembedded([(1, ["How do I unlock the bootloader?"]), (2, ["How do I take a screenshot?"])])
    assert idx.lexical_search("unlock the bootloader", 1, LEXICAL)[0].entry_id == 1  # the words count at once
    assert idx.search("unlock the bootloader", 1)[0].entry_id == 1  # no embeddings yet: by its words
    down = False
    best = idx.search("capture", 1)[0]  # no word in common: found by its embedding, added late
    assert best.entry_id == 2 and best.phrasing == "How do I take a screenshot?"
    assert len(idx) == 2 and len(idx.search("screenshot", 5)) == 2  # each phrasing once


def test_unrelated_text_gets_low_confidence() -> None:
    matches = index().search("what is for lunch today", 1)
    assert not matches or matches[0].confidence < 0.3


def test_updates_and_negatives_apply() -> None:
    idx = index()
    idx.remove(3)
    assert all(m.entry_id != 3 for m in idx.search("screen capture", 3))
    idx.add(3, ["How do I capture the screen?"])
    assert idx.search("screen capture", 1)[0].entry_id == 3
    before = idx.search("phone dies quickly", 1)[0]
    for asked in ("phone dies quickly", "the phone dies quickly", "phone dies so quickly"):  # three askers' 👎
        idx.add_negative(before.entry_id, asked)
    after = next(m for m in idx.search("phone dies quickly", 3) if m.entry_id == before.entry_id)
    assert after.confidence < before.confidence


async def test_remote_embeddings_from_the_llm_server(tmp_path: Any) -> None:
    from bot.settings import Settings
    from storage.db import Database, sqlite_url
    from tests.fakes.openai_api import FakeOpenAI

    fake = FakeOpenAI()
    fake.synonyms = {"revert": "rollback", "downgrade": "rollback", "roll": "rollback", "back": "rollback"}
    await fake.start()
    db = Database(sqlite_url(tmp_path))
    try:
        settings = Settings(faq={"semantic": "remote"}, llm={"base_url": fake.base_url, "embedding_model": "emb"})  # type: ignore[arg-type]
        faq = await faq_service(db, settings)
        assert isinstance(faq.index.engine, HybridIndex)
        matches = await faq.index.search("can I revert or downgrade", 1)
        assert matches and matches[0].entry_id == 1
        assert fake.embedding_requests[0]["model"] == "emb"
    finally:
        await fake.stop()
        await db.dispose()


async def test_searches_and_edits_never_use_the_semantic_index_together(tmp_path: Any) -> None:
    """The hybrid index is not thread-safe: fans' questions and a manager's edits, arriving together,
    use it one at a time (each in a worker thread), so none sees an entry half re-embedded."""
    from bot.settings import Settings
    from storage.db import Database, sqlite_url
    from tests.fakes.openai_api import FakeOpenAI

    fake = FakeOpenAI()
    await fake.start()
    db = Database(sqlite_url(tmp_path))
    try:
        settings = Settings(faq={"semantic": "remote"}, llm={"base_url": fake.base_url})  # type: ignore[arg-type]
        faq = await faq_service(db, settings)
        await faq.repo.add("How do I unlock the bootloader?", "Apply in the unlock tool.", [], "", datetime.now(UTC))
        await faq._reindex(2)
        fake.embedding_delay = 0.2  # each embedding takes a while: overlapping calls would show
        asked = ["how do I roll back", "unlock bootloader", "roll back please", "bootloader"]
        searches = [faq.index.search(q, 1) for q in asked]
        edits = [faq._reindex(2), faq.index.add_negative(1, "roll back"), faq._reindex(1)]
        *results, _, _, _ = await asyncio.gather(*searches, *edits)
        assert fake.most_embeddings_in_flight == 1
        assert len(fake.embedding_requests) >= len(asked) + 2  # every search and re-index embedded
        assert [found[0].entry_id for found in results] == [1, 2, 1, 2]
    finally:
        await fake.stop()
        await db.dispose()


async def test_embeddings_server_down_at_start_falls_back_to_lexical(tmp_path: Any) -> None:
    from bot.matching.index import MatchIndex
    from bot.settings import Settings
    from storage.db import Database, sqlite_url

    db = Database(sqlite_url(tmp_path))
    try:
        settings = Settings(faq={"semantic": "remote"}, llm={"base_url": "http://127.0.0.1:9/v1", "timeout_seconds": 1})  # type: ignore[arg-type]
        faq = await faq_service(db, settings)
        assert type(faq.index.engine) is MatchIndex
        assert (await faq.index.search("how do I roll back", 1))[0].entry_id == 1
    finally:
        await db.dispose()


async def faq_service(db: Any, settings: Any) -> Any:
    """The FAQ service as the faq feature builds it, with one entry, loaded as at start."""
    from datetime import UTC, datetime

    from bot.features.faq.service import FaqService
    from storage.migrate import upgrade
    from storage.repositories.chats import ChatRepo
    from storage.repositories.faq import FaqRepo
    from storage.repositories.members import MemberRepo

    await upgrade(db)
    repo = FaqRepo(db)
    await repo.add("How do I roll back?", "Flash the previous ROM.", [], "", datetime.now(UTC))
    from bot.matching.embedders import SharedEmbedder

    embedder = SharedEmbedder(settings.faq, settings.llm)
    faq = FaqService(repo, MemberRepo(db), ChatRepo(db), settings.faq, llm_settings=settings.llm, embedder=embedder)
    await faq.index.load()
    return faq
