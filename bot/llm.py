"""The optional LLM: any OpenAI-compatible ``/v1/chat/completions`` endpoint over httpx.

fanloop works fully without one. When configured, it rephrases a matched FAQ entry into a
friendly answer to the fan's exact question, grounded in that entry and in the entry's language,
classifies chat the phrase rules miss, and — only with ``[llm] translate = true`` — translates an
FAQ answer into the reader's language (the original kept). Every failure (timeout, HTTP error,
malformed answer) falls back to the plain entry.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import httpx

from bot.settings import LLMSettings

log = logging.getLogger(__name__)
SYSTEM = (
    "You answer fans of a product in a community chat. Answer the fan's question using ONLY the FAQ "
    "entry given. Do not add facts, links, prices or promises that are not in it. If the entry does "
    "not answer the question, reply exactly: NO_ANSWER. Keep it short and friendly, in the language the "
    "FAQ entry is written in."
)
TRANSLATE = (
    "Translate the user's text into {language}. Keep product names, commands (words starting with /), "
    "links, code and numbers exactly as they are. Reply with the translation only."
)


CLASSIFY = (
    "Classify one message from a product's fan chat. Reply with exactly one word: IDEA (a suggestion or "
    "feature request), BUG (a problem report), QUESTION (asks for help or information), or CHAT (anything else)."
)
LABELS = {"IDEA": "idea", "BUG": "bug", "QUESTION": "question", "CHAT": "chat"}


class LLM(Protocol):
    async def rephrase(self, question: str, faq_question: str, faq_answer: str) -> str | None: ...

    async def translate(self, text: str, language: str) -> str | None:
        """``text`` in ``language`` (an English name, e.g. "Chinese (Simplified)"), or None."""

    async def classify(self, text: str) -> str | None:
        """idea | bug | question | chat, or None when unsure or unavailable (rules decide then)."""

    async def aclose(self) -> None: ...


class NullLLM:
    async def rephrase(self, question: str, faq_question: str, faq_answer: str) -> str | None:
        return None

    async def translate(self, text: str, language: str) -> str | None:
        return None

    async def classify(self, text: str) -> str | None:
        return None

    async def aclose(self) -> None:
        return None


class OpenAICompatLLM:
    def __init__(self, settings: LLMSettings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        assert settings.base_url
        headers = {"Authorization": f"Bearer {settings.api_key.get_secret_value()}"} if settings.api_key else {}
        self.model = settings.model
        self.client = httpx.AsyncClient(
            base_url=settings.base_url.rstrip("/"),
            headers=headers,
            timeout=settings.timeout_seconds,
            transport=transport,
        )

    async def _complete(self, messages: list[dict[str, str]]) -> str | None:
        try:
            response = await self.client.post(
                "/chat/completions", json={"model": self.model, "temperature": 0, "messages": messages}
            )
            response.raise_for_status()
            return _content(response.json())
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as exc:
            log.warning("LLM unavailable", extra={"error": type(exc).__name__})
            return None

    async def classify(self, text: str) -> str | None:
        answer = await self._complete(
            [{"role": "system", "content": CLASSIFY}, {"role": "user", "content": text[:2000]}]
        )
        word = (answer or "").strip().strip(".").upper()
        return LABELS.get(word)

    async def translate(self, text: str, language: str) -> str | None:
        answer = await self._complete(
            [
                {"role": "system", "content": TRANSLATE.format(language=language)},
                {"role": "user", "content": text[:4000]},
            ]
        )
        if not answer or not answer.strip() or len(answer) > 3 * len(text) + 200:
            return None  # empty or rambling: the original alone is safer
        return answer.strip()

    async def rephrase(self, question: str, faq_question: str, faq_answer: str) -> str | None:
        body = {
            "model": self.model,
            "temperature": 0.2,
            "messages": [
                {"role": "system", "content": SYSTEM},
                {
                    "role": "user",
                    "content": f"FAQ entry\nQ: {faq_question}\nA: {faq_answer}\n\nFan's question: {question}",
                },
            ],
        }
        try:
            response = await self.client.post("/chat/completions", json=body)
            response.raise_for_status()
            text = _content(response.json())
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as exc:
            log.warning("LLM unavailable, answering with the plain FAQ entry", extra={"error": type(exc).__name__})
            return None
        if not text or "NO_ANSWER" in text or len(text) > 2 * len(faq_answer) + 600:
            return None  # empty, refused, or rambling beyond the entry: the plain entry is safer
        return text

    async def aclose(self) -> None:
        await self.client.aclose()


def _content(data: Any) -> str:
    text = data["choices"][0]["message"]["content"]
    if not isinstance(text, str):
        raise TypeError("content is not text")
    return text.strip()


def make_llm(settings: LLMSettings) -> LLM:
    return OpenAICompatLLM(settings) if settings.base_url else NullLLM()


async def classify_once(ctx: Any, llm: LLM, text: str) -> str | None:
    """Classify a message once per event, however many listeners ask (``ctx.memo`` keeps it)."""
    if "llm_label" not in ctx.memo:
        ctx.memo["llm_label"] = await llm.classify(text)
    label = ctx.memo["llm_label"]
    return label if isinstance(label, str) else None
