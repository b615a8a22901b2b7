"""Duplicate hints with sentence embeddings ([faq] semantic = "remote", the LLM server's
/embeddings — here a local fake): a rewording that shares few words with an open idea is hinted,
and an embeddings server that stops answering only takes the semantic part away."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.conftest import HarnessFactory, settings_with
from tests.fakes.openai_api import FakeOpenAI

FIRST = "alice: /idea Please add a dark mode to the settings app"
REWORDED = "bob: /idea dark theme for the settings screen please"


@pytest.fixture
async def embeddings() -> AsyncIterator[FakeOpenAI]:
    fake = FakeOpenAI()
    fake.synonyms = {"theme": "mode", "screen": "app"}  # what a sentence model knows, and words don't
    await fake.start()
    yield fake
    await fake.stop()


async def test_a_rewording_is_hinted_with_embeddings(make_harness: HarnessFactory, embeddings: FakeOpenAI) -> None:
    settings = settings_with(faq={"semantic": "remote"}, llm={"base_url": embeddings.base_url})
    h = await make_harness(settings=settings)
    assert h.app.embedder.multilingual
    await h.say(FIRST)
    out = await h.say(REWORDED)
    assert "Logged your idea as #2" in out[0]
    assert out[1].startswith("bot> Looks like #1 “Please add a dark mode to the settings app”")
    assert any("dark theme for the settings screen" in str(r.get("input")) for r in embeddings.embedding_requests)


async def test_embeddings_gone_mid_way_leave_the_words(make_harness: HarnessFactory, embeddings: FakeOpenAI) -> None:
    settings = settings_with(faq={"semantic": "remote"}, llm={"base_url": embeddings.base_url, "timeout_seconds": 1})
    h = await make_harness(settings=settings)
    await h.say(FIRST)
    await embeddings.stop()  # the server goes away: ideas are still logged, lexical hints still given
    out = await h.say("bob: /idea a dark mode in the settings app")
    assert "Logged your idea as #2" in out[0]
    assert out[1].startswith("bot> Looks like #1")
    out = await h.say("carol: /idea bigger icons on the lock screen")
    assert "Logged your idea as #3" in out[0] and len(out) == 1  # nothing alike: no hint


async def test_embeddings_down_at_start_fall_back_to_words(make_harness: HarnessFactory) -> None:
    settings = settings_with(
        faq={"semantic": "remote"}, llm={"base_url": "http://127.0.0.1:9/v1", "timeout_seconds": 1}
    )
    h = await make_harness(settings=settings)
    assert h.app.dispatcher is not None
    await h.say(FIRST)
    out = await h.say("bob: /idea a dark mode in the settings app")
    assert out[1].startswith("bot> Looks like #1")
