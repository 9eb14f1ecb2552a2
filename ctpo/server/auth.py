"""Bearer tokens: signed JWTs (HS256) that name the account; the account is re-read on every request.

Re-reading means a disabled or deleted account stops working at once, not when its token expires.
"""

from __future__ import annotations

import copy
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, Self, TypeVar

from litestar.security.jwt import JWTAuth, Token
from sqlalchemy import String, bindparam, delete, exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ctpo.db.models import RevokedToken, User
from ctpo.server.request_session import keeps_transaction, lookup_options, request_session

if TYPE_CHECKING:
    from collections.abc import Sequence

    from litestar.connection import ASGIConnection
    from sqlalchemy.ext.asyncio import AsyncSession

    from ctpo.lib.settings import Settings

PUBLIC = {"exclude_from_auth": True}
"""Route option that opens a handler to anonymous callers."""
OPENAPI_PATHS = r"^/schema(?:/|$)"
"""The API description and its viewers, and nothing else: the pattern is searched in the path, so it is anchored
(an unanchored ``/schema`` opened every path containing it, ``/applications/schema`` included)."""


_ACCOUNT_LOOKUP = select(
    User, exists().where(RevokedToken.jti == bindparam("jti", type_=String)).label("revoked")
).where(User.id == bindparam("user_id"))
"""The account a token names, and whether the token was logged out: built once, as it runs on every request (a token
without an id binds NULL, which matches no revoked id)."""


async def retrieve_user(token: Token, connection: ASGIConnection[Any, Any, Any, Any]) -> User | None:
    """The active account the token names, unless the token was logged out; else None (the middleware: 401).

    One statement on the request's own session (:mod:`ctpo.server.request_session`), in a transaction that only
    reads; the handler's services go on with the same session.
    """
    try:
        user_id = uuid.UUID(token.sub)
    except ValueError:
        return None
    session = request_session(connection)
    await session.connection(execution_options=lookup_options(connection, session))
    row = (await session.execute(_ACCOUNT_LOOKUP, {"user_id": user_id, "jti": token.jti or None})).one_or_none()
    if row is not None:
        session.expunge(row.User)  # detached, as before: a rollback by the handler must not expire it
    if not keeps_transaction(connection, session):
        await session.rollback()  # the connection goes back to the pool; SQLite: the deferred read ends
    if row is None or row.revoked or not row.User.is_active:
        return None
    user: User = row.User
    return user


def issue_token(jwt_auth: JWTAuth[User, Token], user: User, ttl: timedelta) -> str:
    """A signed token for ``user``, with a random id (``jti``) by which logout revokes it."""
    return jwt_auth.create_token(
        identifier=str(user.id),
        token_expiration=ttl,
        token_unique_jwt_id=secrets.token_hex(16),
        token_extras={"role": str(user.role), "office": user.office},
    )


async def revoke(session: AsyncSession, token: Token) -> None:
    """Log a token out: its id is refused until it would have expired; expired entries are dropped meanwhile."""
    if not token.jti:
        return
    now = datetime.now(UTC)
    expires = token.exp if token.exp.tzinfo else token.exp.replace(tzinfo=UTC)
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(
        insert(RevokedToken)
        .values(jti=token.jti, expires_at=expires, revoked_at=now)
        .on_conflict_do_nothing(index_elements=["jti"])
    )
    await session.execute(delete(RevokedToken).where(RevokedToken.expires_at < now))
    await session.commit()


async def is_revoked(session: AsyncSession, jti: str) -> bool:
    """Whether a token id was logged out."""
    return (await session.execute(select(RevokedToken.jti).where(RevokedToken.jti == jti))).first() is not None


_AnyToken = TypeVar("_AnyToken", bound=Token)


class VerifiedToken(Token):
    """A bearer token whose signature, once checked, is not checked again on every request that carries it.

    A client sends the same token with each request until it expires, and the token's decoding and HMAC check (PyJWT
    and Litestar's conversion of the claims) were a twentieth of a filing's CPU (issue 13's profile). The outcome for a
    given string and secret cannot change, so it is remembered; what can change is checked on every request as before:
    the expiry here, the account and the logout in :func:`retrieve_user`. A string that differs by one character is
    a different key, and is checked in full.
    """

    @classmethod
    def decode(  # noqa: PLR0917 - Litestar's signature
        cls,
        encoded_token: str,
        secret: str,
        algorithm: str,
        audience: str | Sequence[str] | None = None,
        issuer: str | Sequence[str] | None = None,
        require_claims: Sequence[str] | None = None,
        verify_exp: bool = True,  # noqa: FBT001, FBT002
        verify_nbf: bool = True,  # noqa: FBT001, FBT002
        strict_audience: bool = False,  # noqa: FBT001, FBT002
    ) -> Self:
        """As :meth:`Token.decode`; remembered for this service's settings (no audience, issuer or required claims)."""
        plain = audience is None and issuer is None and not require_claims and not strict_audience
        if not (plain and verify_exp and verify_nbf):
            return super().decode(
                encoded_token,
                secret,
                algorithm,
                audience,
                issuer,
                require_claims,
                verify_exp,
                verify_nbf,
                strict_audience,
            )
        key = (cls, secret, algorithm, encoded_token)
        known = _VERIFIED.get(key)
        now = datetime.now(UTC)
        if isinstance(known, cls) and known.exp > now:
            return _own_copy(known)
        token = super().decode(encoded_token, secret, algorithm, verify_exp=True, verify_nbf=True)
        if "nbf" not in token.extras:  # a not-before time is PyJWT's to check each time: not remembered
            if len(_VERIFIED) >= MAX_VERIFIED_TOKENS:
                for stale in [k for k, t in _VERIFIED.items() if t.exp <= now]:
                    del _VERIFIED[stale]
                if len(_VERIFIED) >= MAX_VERIFIED_TOKENS:
                    _VERIFIED.clear()
            _VERIFIED[key] = token
        return _own_copy(token)


def _own_copy(token: _AnyToken) -> _AnyToken:
    """A copy for one request: nothing a handler might change (the extras, a list of audiences) is shared."""
    fresh = copy.copy(token)
    fresh.extras = copy.deepcopy(token.extras)
    if isinstance(token.aud, list):
        fresh.aud = list(token.aud)
    return fresh


MAX_VERIFIED_TOKENS: Final = 10_000
"""Tokens remembered per process (a few MB); beyond, the expired ones go, or all."""
_VERIFIED: dict[tuple[type[Token], str, str, str], Token] = {}
"""Tokens whose check passed, by class, secret, algorithm and the exact string; read and written on the event loop."""


def build_jwt_auth(settings: Settings) -> JWTAuth[User, Token]:
    """The auth backend; public routes opt out with :data:`PUBLIC`."""
    return JWTAuth[User, Token](
        token_cls=VerifiedToken,
        retrieve_user_handler=retrieve_user,
        token_secret=settings.auth.secret_key,
        default_token_expiration=timedelta(seconds=settings.auth.token_ttl_seconds),
        exclude=[OPENAPI_PATHS],
        exclude_opt_key="exclude_from_auth",
    )
