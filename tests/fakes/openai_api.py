"""A local fake of an OpenAI-compatible /v1/chat/completions endpoint, with failure modes."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web


class FakeOpenAI:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        #: what the next calls do: ("ok", text) | ("status", 500) | ("slow", seconds) | ("malformed", body)
        self.script: list[tuple[str, Any]] = []
        self.embedding_requests: list[dict[str, Any]] = []
        self.synonyms: dict[str, str] = {}
        #: seconds each /embeddings call takes, and the most calls ever answered at the same time
        self.embedding_delay = 0.0
        self.embeddings_in_flight = 0
        self.most_embeddings_in_flight = 0
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_post("/v1/embeddings", self._embeddings)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def _embeddings(self, request: web.Request) -> web.Response:
        """Deterministic toy embeddings: words hashed into 64 dimensions, synonyms from ``synonyms``."""
        body = await request.json()
        self.embedding_requests.append(body)
        self.embeddings_in_flight += 1
        self.most_embeddings_in_flight = max(self.most_embeddings_in_flight, self.embeddings_in_flight)
        try:
            await asyncio.sleep(self.embedding_delay)
        finally:
            self.embeddings_in_flight -= 1
        data = []
        for i, text in enumerate(body["input"]):
            vector = [0.0] * 64
            for word in text.lower().replace("?", " ").split():
                word = self.synonyms.get(word, word)
                vector[sum(map(ord, word)) % 63] += 1.0
            vector[63] = 0.1
            data.append({"object": "embedding", "index": i, "embedding": vector})
        return web.json_response({"object": "list", "data": data, "model": body.get("model")})

    async def _chat(self, request: web.Request) -> web.Response:
        self.requests.append(await request.json())
        mode, value = self.script.pop(0) if self.script else ("ok", "Sure! Here's how.")
        if mode == "status":
            return web.json_response({"error": {"message": "boom"}}, status=value)
        if mode == "slow":
            await asyncio.sleep(value)
        if mode == "malformed":
            return web.Response(text=value, content_type="application/json")
        content = value if mode == "ok" else "late answer"
        return web.Response(
            text=json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]}),
            content_type="application/json",
        )
