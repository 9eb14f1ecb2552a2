"""The desk's browser session: the API's own JWT in an HttpOnly cookie, and CSRF tokens for its forms.

The API takes its token from the ``Authorization`` header, which a browser never sends by itself, so the JSON API
needs no CSRF defence and Litestar's app-wide CSRF middleware would only break it. The desk's cookie is sent by the
browser, so the desk checks a token on every form it accepts:

- after login the token is an HMAC of the session cookie under the service's secret: it changes with each login,
  cannot be computed by another site, and needs no server-side storage;
- before login (the login and language forms) it is the HMAC of a random pre-session cookie (double submit).

Both cookies are ``SameSite=Strict``, so a cross-site form never carries them in the first place.
"""

from __future__ import annotations

import hashlib
import hmac
import inspect
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from litestar.datastructures import Cookie
from litestar.exceptions import NotAuthorizedException

from ctpo.db.models import User  # noqa: TC001 - resolved at runtime by Litestar
from workflows.states import STAFF_ROLES

if TYPE_CHECKING:
    from litestar.connection import ASGIConnection
    from litestar.security.jwt import JWTAuth, Token

SESSION_COOKIE = "ctpo_desk_session"
PRESESSION_COOKIE = "ctpo_desk_presession"
LANGUAGE_COOKIE = "ctpo_desk_language"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
PATH = "/desk"


class DeskLoginRequiredError(Exception):
    """No valid session: the browser is sent to the login page."""


class DeskForbiddenError(Exception):
    """A valid session of an account that may not use the desk (an applicant)."""


class DeskCsrfError(Exception):
    """A form arrived without the token this session issued."""


@dataclass(frozen=True, slots=True)
class DeskSession:
    """The logged-in examiner or administrator, and the CSRF token their forms carry."""

    user: User
    csrf_token: str


def csrf_token(secret: str, bound_to: str) -> str:
    """The CSRF token for a session (or pre-session) cookie value."""
    return hmac.new(secret.encode(), b"ctpo-desk-csrf\x00" + bound_to.encode(), hashlib.sha256).hexdigest()


def csrf_matches(secret: str, bound_to: str | None, offered: str | None) -> bool:
    """Whether ``offered`` is the token of that cookie value (constant time)."""
    if not bound_to or not offered:
        return False
    return hmac.compare_digest(csrf_token(secret, bound_to), offered)


def new_presession() -> str:
    """A random value for the pre-session cookie."""
    return secrets.token_urlsafe(32)


def cookie(name: str, value: str, *, max_age: int | None, secure: bool) -> Cookie:
    """A desk cookie: HttpOnly, SameSite=Strict, scoped to ``/desk``; ``Secure`` when served over HTTPS."""
    return Cookie(key=name, value=value, path=PATH, httponly=True, samesite="strict", secure=secure, max_age=max_age)


def expired(name: str) -> Cookie:
    """A cookie that deletes ``name`` in the browser."""
    return Cookie(key=name, value="", path=PATH, httponly=True, samesite="strict", max_age=0, expires=0)


def decode_session(connection: ASGIConnection[Any, Any, Any, Any], encoded: str | None) -> Token | None:
    """The session cookie's token, checked with the API's own JWT settings, or None."""
    if not encoded:
        return None
    jwt_auth: JWTAuth[User, Token] = connection.app.state.jwt_auth
    try:
        return jwt_auth.token_cls.decode(
            encoded_token=encoded,
            secret=jwt_auth.token_secret,
            algorithm=jwt_auth.algorithm,
            audience=jwt_auth.accepted_audiences,
            issuer=jwt_auth.accepted_issuers,
            require_claims=jwt_auth.require_claims,
            verify_exp=jwt_auth.verify_expiry,
            verify_nbf=jwt_auth.verify_not_before,
            strict_audience=jwt_auth.strict_audience,
        )
    except NotAuthorizedException:
        return None


async def resolve_user(connection: ASGIConnection[Any, Any, Any, Any], encoded: str | None) -> User | None:
    """The account a session cookie names, checked exactly as the API checks a bearer token.

    The token is decoded with the API's own JWT settings and handed to the API's ``retrieve_user_handler`` (and
    ``revoked_token_handler`` when one is configured), so a disabled account or a revoked token stops working on
    the desk at the same moment as on the API.
    """
    token = decode_session(connection, encoded)
    if token is None:
        return None
    jwt_auth: JWTAuth[User, Token] = connection.app.state.jwt_auth
    found = jwt_auth.retrieve_user_handler(token, connection)
    user: User | None = await found if inspect.isawaitable(found) else found
    if user is None:
        return None
    if jwt_auth.revoked_token_handler is not None:
        revoked = jwt_auth.revoked_token_handler(token, connection)
        if await revoked if inspect.isawaitable(revoked) else revoked:
            return None
    return user


async def require_staff(connection: ASGIConnection[Any, Any, Any, Any]) -> DeskSession:
    """The desk user of this request.

    Raises:
        DeskLoginRequiredError: no session, an expired or forged token, or a disabled account.
        DeskForbiddenError: an applicant's session.
    """
    encoded = connection.cookies.get(SESSION_COOKIE)
    user = await resolve_user(connection, encoded)
    if user is None or encoded is None:
        raise DeskLoginRequiredError
    if user.role not in STAFF_ROLES:
        raise DeskForbiddenError
    return DeskSession(user=user, csrf_token=csrf_token(connection.app.state.settings.auth.secret_key, encoded))
