"""Bearer tokens whose check is remembered (:class:`ctpo.server.auth.VerifiedToken`) are refused as before.

What is remembered is the outcome for one exact string under one secret; expiry is checked on every use, and a
string that differs anywhere, or the same string under another secret, is checked in full.
"""

from __future__ import annotations

import base64
import copy
import json
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from litestar.exceptions import NotAuthorizedException
from litestar.security.jwt import Token

from ctpo.server import auth
from ctpo.server.auth import VerifiedToken

if TYPE_CHECKING:
    from collections.abc import Iterator

SECRET = "s" * 40
ALGORITHM = "HS256"


def _encoded(ttl: timedelta = timedelta(hours=1), **extras: object) -> str:
    token = VerifiedToken(sub="account", exp=datetime.now(UTC) + ttl, jti="a1", extras=dict(extras))
    return token.encode(SECRET, ALGORITHM)


def _key(encoded: str) -> tuple[type[Token], str, str, str]:
    return (VerifiedToken, SECRET, ALGORITHM, encoded)


def _decode(encoded: str, secret: str = SECRET) -> VerifiedToken:
    return VerifiedToken.decode(encoded, secret, ALGORITHM)


@pytest.fixture(autouse=True)
def _fresh_memory() -> Iterator[None]:
    auth._VERIFIED.clear()
    yield
    auth._VERIFIED.clear()


@pytest.fixture
def full_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The strings PyJWT decoded and verified in full (Litestar's ``decode_payload``), in order."""
    checked: list[str] = []
    full = Token.decode_payload.__func__  # type: ignore[attr-defined]

    def counting(cls: type[Token], encoded_token: str, *args: Any, **kwargs: Any) -> Any:
        checked.append(encoded_token)
        return full(cls, encoded_token, *args, **kwargs)

    monkeypatch.setattr(Token, "decode_payload", classmethod(counting))
    return checked


def test_a_remembered_token_decodes_to_the_same_claims_each_time_and_is_checked_once(full_checks: list[str]) -> None:
    encoded = _encoded(role="applicant")
    first, second = _decode(encoded), _decode(encoded)
    assert (first.sub, first.jti, first.exp, first.extras) == (second.sub, second.jti, second.exp, second.extras)
    assert first.extras == {"role": "applicant"}
    assert full_checks == [encoded]


def test_each_request_gets_its_own_claims() -> None:
    encoded = _encoded(role="applicant")
    first = _decode(encoded)
    first.extras["role"] = "office_admin"  # a handler that changes what it was given
    assert _decode(encoded).extras == {"role": "applicant"}


def test_a_token_with_a_not_before_time_is_checked_every_time(full_checks: list[str]) -> None:
    encoded = _encoded(nbf=int(datetime.now(UTC).timestamp()) - 5)
    _decode(encoded)
    _decode(encoded)
    assert full_checks == [encoded, encoded]
    assert not auth._VERIFIED


def test_other_checks_than_this_service_uses_bypass_the_memory(full_checks: list[str]) -> None:
    encoded = _encoded()
    _decode(encoded)
    with pytest.raises(NotAuthorizedException):  # the token names no audience: a check that asks for one refuses it
        VerifiedToken.decode(encoded, SECRET, ALGORITHM, audience="someone")
    assert full_checks == [encoded, encoded]


def test_a_changed_signature_is_refused_after_the_genuine_token_was_remembered() -> None:
    encoded = _encoded()
    _decode(encoded)
    header, payload, signature = encoded.split(".")
    forged = f"{header}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    with pytest.raises(NotAuthorizedException):
        _decode(forged)


def test_changed_claims_with_the_old_signature_are_refused() -> None:
    encoded = _encoded(role="applicant")
    _decode(encoded)
    header, payload, signature = encoded.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "office_admin"
    tampered = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(NotAuthorizedException):
        _decode(f"{header}.{tampered}.{signature}")


def test_the_same_string_under_another_secret_is_checked_again() -> None:
    encoded = _encoded()
    _decode(encoded)
    with pytest.raises(NotAuthorizedException):
        _decode(encoded, secret="t" * 40)


def test_a_remembered_token_is_refused_once_it_has_expired() -> None:
    encoded = _encoded(ttl=timedelta(seconds=1))  # the claim is in whole seconds: expired within two
    _decode(encoded)
    time.sleep(2.1)
    with pytest.raises(NotAuthorizedException):
        _decode(encoded)
    assert _key(encoded) in auth._VERIFIED  # refused although remembered


def test_the_memory_is_bounded_dropping_expired_tokens_first() -> None:
    live_string = _encoded()
    live = _decode(live_string)
    expired = copy.copy(live)
    expired.exp = datetime.now(UTC) - timedelta(seconds=1)
    for i in range(auth.MAX_VERIFIED_TOKENS - 1):
        auth._VERIFIED[_key(f"expired {i}")] = expired
    newest = _encoded(role="newest")
    _decode(newest)
    assert set(auth._VERIFIED) == {_key(live_string), _key(newest)}


def test_the_memory_is_emptied_when_full_of_live_tokens() -> None:
    live = _decode(_encoded())
    for i in range(auth.MAX_VERIFIED_TOKENS):
        auth._VERIFIED[_key(f"live {i}")] = live
    newest = _encoded(role="newest")
    _decode(newest)
    assert list(auth._VERIFIED) == [_key(newest)]
