"""The optional LLM rephrases a matched entry; every failure falls back to the plain entry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.settings import Settings
from tests.conftest import HarnessFactory, settings_with
from tests.fakes.openai_api import FakeOpenAI

PLAIN = "bot> How do I unlock the bootloader?"


@pytest.fixture
async def llm() -> AsyncIterator[FakeOpenAI]:
    fake = FakeOpenAI()
    await fake.start()
    yield fake
    await fake.stop()


def with_llm(fake: FakeOpenAI) -> Settings:
    return settings_with(llm={"base_url": fake.base_url, "timeout_seconds": 0.3, "model": "m"})


async def ask(make_harness: HarnessFactory, fake: FakeOpenAI) -> list[str]:
    harness = await make_harness(settings=with_llm(fake))
    await harness.say("mia@manager: /faq add How do I unlock the bootloader? | Apply in Mi Unlock status, wait 7 days.")
    return await harness.say("alice: /ask how can I unlock my bootloader?")


async def test_friendly_grounded_answer(make_harness: HarnessFactory, llm: FakeOpenAI) -> None:
    llm.script = [("ok", "Hi! Apply in Mi Unlock status and wait 7 days, then you can unlock it.")]
    out = await ask(make_harness, llm)
    assert out[0] == "bot> Hi! Apply in Mi Unlock status and wait 7 days, then you can unlock it."
    assert out[1] == "bot> (from FAQ #1 — /faq show 1) Did this help?"
    sent = llm.requests[0]
    assert sent["model"] == "m" and "ONLY the FAQ entry" in sent["messages"][0]["content"]
    assert "Apply in Mi Unlock status, wait 7 days." in sent["messages"][1]["content"]
    assert "how can I unlock my bootloader?" in sent["messages"][1]["content"]


@pytest.mark.parametrize(
    "mode",
    [
        ("status", 500),
        ("status", 429),
        ("slow", 1.0),
        ("malformed", "{not json"),
        ("malformed", '{"choices": []}'),
        ("malformed", '{"choices": [{"message": {"content": null}}]}'),
        ("ok", "NO_ANSWER"),
        ("ok", "x" * 5000),
    ],
)
async def test_failures_fall_back_to_the_plain_entry(
    make_harness: HarnessFactory, llm: FakeOpenAI, mode: tuple[str, object]
) -> None:
    llm.script = [mode]
    out = await ask(make_harness, llm)
    assert out[0] == PLAIN and out[1] == "bot> Apply in Mi Unlock status, wait 7 days."


async def test_llm_classifier_catches_what_the_rules_miss(make_harness: HarnessFactory, llm: FakeOpenAI) -> None:
    harness = await make_harness(settings=with_llm(llm))
    await harness.say(
        "mia@manager: /faq add How do I unlock the bootloader? | Apply in Mi Unlock status, wait 7 days.",
        "mia: /faq alt 1 bootloader unlock steps",
    )
    # no phrase rule matches this suggestion; the classifier says IDEA
    llm.script = [("ok", "IDEA")]
    out = await harness.say("alice: the gallery really ought to group photos by trip automatically")
    assert out[0].startswith("bot> That sounds like an idea, alice.")
    # no '?' and no interrogative opening; the classifier says QUESTION, the FAQ answers
    llm.script = [("ok", "QUESTION"), ("status", 500)]  # classified once per message; rephrasing is down
    out = await harness.say("bob: bootloader unlock steps please")
    assert out[0] == PLAIN
    # classifier down: the rules decide, nothing breaks
    llm.script = [("status", 500)]
    assert await harness.say("carol: the weather is lovely today in our town") == []
    assert len(llm.requests) == 4  # alice, bob (+ one rephrase), carol: one classification each


async def test_translation_is_off_unless_a_manager_turns_it_on(make_harness: HarnessFactory, llm: FakeOpenAI) -> None:
    """Off (the default), a Chinese reader gets the English entry as written — the LLM only
    rephrases it, in the entry's language. On, the translation comes first and the original stays."""
    llm.script = [("ok", "NO_ANSWER")]
    harness = await make_harness(settings=with_llm(llm))
    await harness.say(
        "mia@manager: /faq add How do I unlock the bootloader? | Apply in Mi Unlock status, wait 7 days.",
        "li: /language zh-CN",
    )
    out = await harness.say("li: /ask how can I unlock my bootloader?")
    assert out[:2] == [PLAIN, "bot> Apply in Mi Unlock status, wait 7 days."]
    assert "in the language the FAQ entry is written in" in llm.requests[-1]["messages"][0]["content"]

    llm.script = [("ok", "在 Mi Unlock 状态中申请，等待 7 天。")]
    harness = await make_harness(
        settings=settings_with(llm={"base_url": llm.base_url, "model": "m", "translate": True})
    )
    later = timedelta(minutes=11)  # past the window in which the same answer is not repeated
    harness.app.clock.advance(later)  # type: ignore[attr-defined]
    out = await harness.say("li: /ask how can I unlock my bootloader?")
    assert out[:5] == [
        PLAIN,
        "bot> 在 Mi Unlock 状态中申请，等待 7 天。",
        "bot> 原文：",
        "bot> Apply in Mi Unlock status, wait 7 days.",
        "bot> （常见问题 #1，机器翻译）这个回答有帮助吗？",
    ]
    sent = llm.requests[-1]["messages"]
    assert "into Chinese" in sent[0]["content"] and sent[1]["content"] == "Apply in Mi Unlock status, wait 7 days."
    # an English reader of an English entry: nothing to translate
    llm.script = [("ok", "NO_ANSWER")]
    asked = len(llm.requests)
    harness.app.clock.advance(later)  # type: ignore[attr-defined]
    out = await harness.say("bob: /ask how can I unlock my bootloader?")
    assert out[1] == "bot> Apply in Mi Unlock status, wait 7 days."
    assert all("Translate" not in r["messages"][0]["content"] for r in llm.requests[asked:])
