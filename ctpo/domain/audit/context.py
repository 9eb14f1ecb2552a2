"""Where a request comes from, known to every service it reaches: the audit log and the login throttle need it.

The client address is the TCP peer unless that peer is a reverse proxy listed in ``CTPO_TRUSTED_PROXIES``; only
then is ``X-Forwarded-For`` read, right to left, skipping the trusted proxies, so a client cannot choose the
address it is counted and logged under by sending the header itself.
"""

from __future__ import annotations

import ipaddress
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Final

from litestar.enums import ScopeType

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from litestar.types import ASGIApp, Receive, Scope, Send

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

UNKNOWN_ADDRESS: Final = "unknown"
"""The address of a request that has no TCP peer (in-process test clients without one)."""
_MAX_ADDRESS = 64
_MAX_USER_AGENT = 300
_MAX_PATH = 500


@dataclass(slots=True)
class RequestContext:
    """What the audit log records as "from where", and what it already recorded during this request."""

    client_address: str
    user_agent: str | None = None
    method: str | None = None
    path: str | None = None
    recorded: set[tuple[str, str]] = field(default_factory=set)
    """(action, subject) pairs logged in this request: a dossier reads a file five ways but is one read."""
    https: bool = False
    """The client's connection is HTTPS: ours, or a trusted proxy's that says so in ``X-Forwarded-Proto``."""


_CURRENT: ContextVar[RequestContext | None] = ContextVar("ctpo_request_context", default=None)


def current_request() -> RequestContext | None:
    """The context of the request being handled, or None outside one (CLI, background jobs)."""
    return _CURRENT.get()


@lru_cache(maxsize=8)
def trusted_networks(proxies: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """Parse the configured proxies once.

    Raises:
        ValueError: an entry is neither an address nor a CIDR range (a misconfiguration must not start).
    """
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _parse(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = address.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 192.0.2.1:443
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _is_trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, networks: Sequence[IPNetwork]) -> bool:
    return any(address in network for network in networks)


def client_address(peer: str | None, forwarded_for: Iterable[str], trusted: Sequence[IPNetwork]) -> str:
    """The address a request is counted and logged under.

    >>> proxies = trusted_networks(("10.0.0.0/8",))
    >>> client_address("10.0.0.5", ["203.0.113.9, 10.0.0.7"], proxies)
    '203.0.113.9'
    >>> client_address("198.51.100.4", ["203.0.113.9"], proxies)  # not a trusted proxy: the header is ignored
    '198.51.100.4'
    >>> client_address("10.0.0.5", ["1.2.3.4, 203.0.113.9"], proxies)  # the client's own header is not believed
    '203.0.113.9'
    """
    if not peer:
        return UNKNOWN_ADDRESS
    peer_ip = _parse(peer)
    if peer_ip is None or not trusted or not _is_trusted(peer_ip, trusted):
        return peer[:_MAX_ADDRESS]
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        hop_ip = _parse(hop)
        if hop_ip is None:
            return str(peer_ip)  # a trusted proxy never writes this: do not believe anything further left
        if not _is_trusted(hop_ip, trusted):
            return str(hop_ip)
    return str(peer_ip)  # every hop is one of ours: the request started inside


def _header_values(scope: Scope, name: bytes) -> list[str]:
    return [value.decode("latin-1") for key, value in scope.get("headers", []) if key.lower() == name]


def is_https(scope: Scope, proxies: Sequence[IPNetwork]) -> bool:
    """Whether the client reached us over HTTPS.

    Directly, the scheme says it. Behind a proxy (which terminates TLS and speaks HTTP to us), only a peer listed in
    ``CTPO_TRUSTED_PROXIES`` is believed, and only its own (last) ``X-Forwarded-Proto`` value: a client cannot
    claim HTTPS by sending the header itself.
    """
    if scope.get("scheme") in {"https", "wss"}:
        return True
    client = scope.get("client")
    peer = _parse(client[0]) if client else None
    if peer is None or not proxies or not _is_trusted(peer, proxies):
        return False
    values = [v.strip().lower() for header in _header_values(scope, b"x-forwarded-proto") for v in header.split(",")]
    return bool(values) and values[-1] == "https"


def context_from_scope(scope: Scope, proxies: Sequence[IPNetwork]) -> RequestContext:
    """The context of an HTTP request, behind the app's trusted ``proxies``."""
    client = scope.get("client")
    agents = _header_values(scope, b"user-agent")
    return RequestContext(
        client_address=client_address(
            client[0] if client else None, _header_values(scope, b"x-forwarded-for"), proxies
        ),
        user_agent=agents[0][:_MAX_USER_AGENT] if agents else None,
        method=str(scope.get("method", ""))[:10] or None,
        path=str(scope.get("path", ""))[:_MAX_PATH] or None,
        https=is_https(scope, proxies),
    )


def request_context_middleware(proxies: Sequence[IPNetwork]) -> Callable[[ASGIApp], ASGIApp]:
    """ASGI middleware making the request's context visible to the services it calls.

    The trusted ``proxies`` are the app's settings, handed over when the app is built rather than looked up on each
    request: the middleware cannot run without them.
    """

    def wrap(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            token = _CURRENT.set(context_from_scope(scope, proxies))
            try:
                await app(scope, receive, send)
            finally:
                _CURRENT.reset(token)

        return middleware

    return wrap
