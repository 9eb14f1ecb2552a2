"""Per-client quotas of the anonymous routes, spent from the app's one rate limiter (a declared dependency)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ctpo.domain.audit.context import UNKNOWN_ADDRESS, current_request
from ctpo.lib.ratelimit import RateLimitedError

if TYPE_CHECKING:
    from ctpo.lib.ratelimit import RateLimiter


async def spend(limiter: RateLimiter, scope: str, per_minute: int, refusal: str) -> None:
    """Spend one request of this client (its address, as resolved behind trusted proxies) in ``scope``.

    Raises:
        RateLimitedError: 429 with ``Retry-After`` and ``refusal`` as the detail, before the handler does any work.
    """
    context = current_request()
    client = context.client_address if context else UNKNOWN_ADDRESS
    wait = await limiter.take(f"{scope}:{client}", per_minute)
    if wait > 0:
        raise RateLimitedError(refusal, wait)
