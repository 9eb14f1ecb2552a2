"""Which address a request is counted and logged under: X-Forwarded-For is believed only from trusted proxies."""

from __future__ import annotations

import pytest

from ctpo.domain.audit.context import UNKNOWN_ADDRESS, client_address, trusted_networks

PROXIES = trusted_networks(("10.0.0.0/8", "2001:db8::/32", "127.0.0.1"))


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("198.51.100.4", ["203.0.113.9"], "198.51.100.4"),  # not a proxy of ours: its header is a claim
        ("10.0.0.5", ["203.0.113.9"], "203.0.113.9"),
        ("10.0.0.5", ["203.0.113.9, 10.0.0.7"], "203.0.113.9"),  # two proxies of ours
        ("10.0.0.5", ["1.2.3.4, 203.0.113.9"], "203.0.113.9"),  # the client's own header is left of its address
        ("10.0.0.5", ["1.2.3.4", "203.0.113.9"], "203.0.113.9"),  # repeated headers read as one list
        ("10.0.0.5", [], "10.0.0.5"),
        ("10.0.0.5", ["10.0.0.9"], "10.0.0.5"),  # every hop is ours: the request started inside
        ("10.0.0.5", ["not-an-address, 203.0.113.9"], "203.0.113.9"),
        ("10.0.0.5", ["203.0.113.9, garbage"], "10.0.0.5"),  # a proxy of ours never writes garbage: stop there
        ("10.0.0.5", ["[2001:db8::1]:443, 198.51.100.7:5555"], "198.51.100.7"),
        ("2001:db8::5", ["2a00:1450::1"], "2a00:1450::1"),
        ("127.0.0.1", ["203.0.113.9"], "203.0.113.9"),
        ("testclient", ["203.0.113.9"], "testclient"),
        (None, ["203.0.113.9"], UNKNOWN_ADDRESS),
    ],
)
def test_client_address(peer: str | None, forwarded: list[str], expected: str):
    assert client_address(peer, forwarded, PROXIES) == expected


def test_no_trusted_proxies_means_the_header_is_ignored():
    assert client_address("127.0.0.1", ["203.0.113.9"], trusted_networks(())) == "127.0.0.1"


def test_a_misconfigured_proxy_list_is_refused():
    with pytest.raises(ValueError, match="does not appear to be an IPv4 or IPv6 network"):
        trusted_networks(("nginx",))
