"""Small in-process caches for what every event reads (who a platform account is, what a chat is
for). Entries expire after a short TTL, so a change made by another fanloop process on the same
PostgreSQL is seen within that time; changes made in this process drop their entries at once."""

from __future__ import annotations

import time
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

#: how long another process's change may go unseen (a /chat kind, a /link)
CACHE_TTL = 30.0


class TTLCache(Generic[K, V]):
    def __init__(self, ttl: float = CACHE_TTL, size: int = 100_000) -> None:
        self.ttl, self.size = ttl, size
        self._data: dict[K, tuple[float, V]] = {}

    def get(self, key: K) -> V | None:
        entry = self._data.get(key)
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            del self._data[key]
            return None
        return entry[1]

    def put(self, key: K, value: V) -> None:
        if len(self._data) >= self.size:  # forget the oldest tenth
            for old in list(self._data)[: self.size // 10]:
                del self._data[old]
        self._data[key] = (time.monotonic() + self.ttl, value)

    def drop(self, key: K) -> None:
        self._data.pop(key, None)

    def clear(self) -> None:
        self._data.clear()
