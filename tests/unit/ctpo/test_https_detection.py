"""Whether a request came over HTTPS: the scheme, or the last X-Forwarded-Proto of a trusted proxy only."""

from __future__ import annotations

from typing import Any

from ctpo.domain.audit.context import is_https, trusted_networks

PROXY = trusted_networks(("10.0.0.0/8",))


def _scope(peer: str, scheme: str = "http", *proto: str) -> Any:
    return {"scheme": scheme, "client": (peer, 1234), "headers": [(b"x-forwarded-proto", p.encode()) for p in proto]}


def test_direct_https_and_http():
    assert is_https(_scope("198.51.100.7", "https"), ())
    assert not is_https(_scope("198.51.100.7", "http"), ())


def test_a_trusted_proxy_saying_https_is_believed():
    assert is_https(_scope("10.1.2.3", "http", "https"), PROXY)
    assert is_https(_scope("10.1.2.3", "http", "http, https"), PROXY)  # the proxy appends its own value last


def test_a_client_cannot_claim_https_itself():
    assert not is_https(_scope("198.51.100.7", "http", "https"), PROXY)  # not a trusted peer
    assert not is_https(_scope("198.51.100.7", "http", "https"), ())  # no proxy configured
    assert not is_https(_scope("10.1.2.3", "http", "https, http"), PROXY)  # the proxy's own value is http
    assert not is_https(_scope("10.1.2.3", "http"), PROXY)
