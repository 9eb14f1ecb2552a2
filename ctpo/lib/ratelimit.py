"""Per-client request rates: one protocol, counted in this process or in Redis for every process of a deployment.

Anonymous routes (the public register, third-party observations) have only the client address as a handle on a
scraper or a flood. Each route family names its bucket (``register:<address>``) and its rate; the limiter spends
one request from the bucket. A token bucket holds ``per_minute`` requests and refills at ``per_minute`` a minute,
so a client may burst up to its rate and then continues at it.

The embedded default counts in process memory (no database write per page). With ``CTPO_REDIS_URL`` set, the
buckets live in Redis, updated by one Lua script per request, so N API processes give a client its rate once, not
N times. If Redis cannot be reached the request is let through and the failure logged: the limit protects the
service from abuse, and refusing every visitor while Redis restarts would be the larger harm.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Protocol, runtime_checkable

import redis.asyncio
from redis.exceptions import RedisError

from ctpo.lib.errors import CtpoError

if TYPE_CHECKING:
    from collections.abc import Callable

    from ctpo.lib.settings import Settings

logger = logging.getLogger("ctpo.ratelimit")

MAX_BUCKETS: Final = 50_000
"""Buckets an in-process limiter keeps at once; refilled ones are dropped first when more clients appear."""


class RateLimitedError(CtpoError):
    """429: the client has spent its requests; ``Retry-After`` says when the next one is allowed."""

    status_code = 429
    title = "Too many requests"

    def __init__(self, detail: str, retry_after: float) -> None:
        super().__init__(detail, extra={"retry_after": int(retry_after)})
        self.retry_after = max(1, int(retry_after))

    @property
    def headers(self) -> dict[str, str]:
        """When to come back; a refusal is never cached."""
        return {"Retry-After": str(self.retry_after), "Cache-Control": "no-store"}


@runtime_checkable
class RateLimiter(Protocol):
    """Spends requests from named token buckets."""

    async def take(self, bucket: str, per_minute: int) -> float:
        """Spend one request of ``bucket``; returns 0 when allowed, else the seconds until the next one is."""
        ...

    async def aclose(self) -> None:
        """Release connections (at shutdown)."""
        ...


@dataclass(slots=True)
class InProcessRateLimiter:
    """Buckets in this process's memory: the embedded default."""

    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    async def take(self, bucket: str, per_minute: int) -> float:
        """See :meth:`RateLimiter.take`."""
        return self.take_now(bucket, per_minute)

    def take_now(self, bucket: str, per_minute: int) -> float:
        """The same, synchronously (no I/O here)."""
        now = self.clock()
        rate = per_minute / 60.0
        tokens, last = self._buckets.get(bucket, (float(per_minute), now))
        tokens = min(float(per_minute), tokens + (now - last) * rate)
        if tokens < 1.0:
            self._buckets[bucket] = (tokens, now)
            return math.ceil((1.0 - tokens) / rate) if rate > 0 else 60.0
        self._buckets[bucket] = (tokens - 1.0, now)
        if len(self._buckets) > MAX_BUCKETS:
            self._forget_spent_long_ago(now)
        return 0.0

    def _forget_spent_long_ago(self, now: float) -> None:
        """Drop buckets untouched for a minute: any rate has refilled them, so forgetting them changes nothing."""
        self._buckets = {b: (t, last) for b, (t, last) in self._buckets.items() if now - last < 60.0}  # noqa: PLR2004

    async def aclose(self) -> None:
        """Nothing to release."""


_BUCKET_SCRIPT: Final = """
local capacity = tonumber(ARGV[1])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local rate = capacity / 60.0
local saved = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(saved[1]) or capacity
local at = tonumber(saved[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens < 1 then
  wait = math.ceil((1 - tokens) / rate)
else
  tokens = tokens - 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], 61)
return wait
"""
"""One atomic step of a token bucket on Redis's own clock (the processes' clocks need not agree); a bucket idle
for a minute has refilled, so it expires."""


class RedisRateLimiter:
    """Buckets in Redis, shared by every API process of the deployment."""

    def __init__(self, url: str, *, prefix: str = "ctpo:rate:") -> None:
        self._redis = redis.asyncio.Redis.from_url(url)
        self._script = self._redis.register_script(_BUCKET_SCRIPT)
        self.prefix = prefix

    async def take(self, bucket: str, per_minute: int) -> float:
        """See :meth:`RateLimiter.take`; lets the request through (logged) when Redis cannot be reached."""
        if per_minute <= 0:
            return 60.0
        try:
            wait = await self._script(keys=[self.prefix + bucket], args=[per_minute])
        except (RedisError, OSError) as exc:
            logger.warning("rate limit not checked, Redis unavailable: %s", exc)
            return 0.0
        return float(wait)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._redis.aclose()


def rate_limiter_for(settings: Settings) -> RateLimiter:
    """Redis when ``CTPO_REDIS_URL`` is set (buckets shared by every process), else this process's memory."""
    if settings.rate_limits.redis_url:
        return RedisRateLimiter(settings.rate_limits.redis_url)
    return InProcessRateLimiter()
