"""Per-client rate limit of the public register: a token bucket per client address, in this process.

The register needs no login, so the address (as :mod:`ctpo.domain.audit.context` resolves it behind trusted
proxies) is the only handle on a scraper. Counting in process memory keeps a page free of database writes; with
N API processes a client gets at most N times the rate, which the proxy in front may tighten.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

MAX_CLIENTS = 50_000
"""Buckets kept at once; the fullest (least recently drained) go first when more clients appear."""


@dataclass(slots=True)
class RateLimiter:
    """``per_minute`` requests per client, with bursts up to the same number."""

    per_minute: int
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def take(self, client: str) -> float:
        """Spend one request of ``client``; returns 0 when allowed, else the seconds until the next is."""
        now = self.clock()
        rate = self.per_minute / 60.0
        tokens, last = self._buckets.get(client, (float(self.per_minute), now))
        tokens = min(float(self.per_minute), tokens + (now - last) * rate)
        if tokens < 1.0:
            self._buckets[client] = (tokens, now)
            return math.ceil((1.0 - tokens) / rate) if rate > 0 else 60.0
        self._buckets[client] = (tokens - 1.0, now)
        if len(self._buckets) > MAX_CLIENTS:
            self._forget_full(now)
        return 0.0

    def _forget_full(self, now: float) -> None:
        """Drop clients whose bucket has refilled: forgetting them changes nothing."""
        rate = self.per_minute / 60.0
        self._buckets = {
            c: (t, last) for c, (t, last) in self._buckets.items() if t + (now - last) * rate < self.per_minute
        }
