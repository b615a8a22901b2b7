"""How often one member may run commands: a sliding window per member, in this process (several
processes each count their own: see README → Scale)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass(slots=True)
class _Bucket:
    hits: deque[float] = field(default_factory=deque)


class RateLimiter:
    """Sliding-window limit on commands per member (per process; see README on scale)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._buckets: dict[str, _Bucket] = {}

    def hit(self, key: str, now: float) -> float:
        """Record a hit at ``now`` (seconds); return 0 if allowed, else seconds until the next one is."""
        bucket = self._buckets.setdefault(key, _Bucket())
        while bucket.hits and now - bucket.hits[0] >= self.window:
            bucket.hits.popleft()
        if len(bucket.hits) >= self.limit:
            return self.window - (now - bucket.hits[0])
        bucket.hits.append(now)
        if len(self._buckets) > 10_000:  # forget idle members
            for k in [k for k, b in self._buckets.items() if not b.hits][:5_000]:
                del self._buckets[k]
        return 0.0
