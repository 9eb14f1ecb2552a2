"""Bearer tokens: signed JWTs (HS256) that name the account; the account is re-read on every request.

Re-reading means a disabled or deleted account stops working at once, not when its token expires.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from litestar.security.jwt import JWTAuth, Token

from ctpo.db.models import User

if TYPE_CHECKING:
    from litestar.connection import ASGIConnection

    from ctpo.lib.settings import Settings

PUBLIC = {"exclude_from_auth": True}
"""Route option that opens a handler to anonymous callers."""
OPENAPI_PATHS = r"^/schema(?:/|$)"
"""The API description and its viewers, and nothing else: the pattern is searched in the path, so it is anchored
(an unanchored ``/schema`` opened every path containing it, ``/applications/schema`` included)."""


async def retrieve_user(token: Token, connection: ASGIConnection[Any, Any, Any, Any]) -> User | None:
    """The active account the token names, or None (the middleware then answers 401)."""
    try:
        user_id = uuid.UUID(token.sub)
    except ValueError:
        return None
    async with connection.app.state.session_factory() as session:
        user: User | None = await session.get(User, user_id)
    if user is None or not user.is_active:
        return None
    return user


def build_jwt_auth(settings: Settings) -> JWTAuth[User, Token]:
    """The auth backend; public routes opt out with :data:`PUBLIC`."""
    return JWTAuth[User, Token](
        retrieve_user_handler=retrieve_user,
        token_secret=settings.secret_key,
        default_token_expiration=timedelta(seconds=settings.token_ttl_seconds),
        exclude=[OPENAPI_PATHS],
        exclude_opt_key="exclude_from_auth",
    )
