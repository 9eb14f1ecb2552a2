"""One database session per request, shared by the bearer-token lookup and the handler's services.

The account behind a token is re-read on every request (:mod:`ctpo.server.auth`). It used to be read on a
session of its own: a second pooled connection, its ping, its ``BEGIN`` and its ``ROLLBACK`` on every request,
before the handler's session did the same again. The lookup now runs on the request's session, which the handler's
``db_session`` dependency then receives; the outermost middleware closes it once the response has gone.

How long the lookup's transaction lives is the database's business:

- SQLite: the lookup reads in a deferred transaction (no write lock; WAL readers never wait) and ends it at once.
  A deferred transaction must not go on to write: upgrading it fails at once, without waiting, when another
  process wrote meanwhile. The handler's own statements then begin ``BEGIN IMMEDIATE`` as always.
- PostgreSQL: the handler goes on in the lookup's transaction, on its connection (READ COMMITTED, so nothing the
  handler reads is older than it would have been). A request whose body is still to come in bulk gives the
  connection back while it uploads, so slow uploads never hold the pool.

A route whose handler writes with one statement at most (filing: :mod:`ctpo.db.inserts`) declares
:data:`SINGLE_STATEMENT_WRITES` in its ``opt``. On PostgreSQL its request then runs in autocommit: its reads need
no transaction (READ COMMITTED gives each statement its own snapshot either way), and its one write is atomic by
itself. That saves the ``BEGIN`` and ``COMMIT`` round trips, and no lock the write takes outlives the statement
(issue 13: the filing's counter row). A second write in such a handler would commit on its own: don't declare it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from litestar.enums import ScopeType

from ctpo.db.engine import READS_ONLY

if TYPE_CHECKING:
    from litestar.config.app import AppConfig
    from litestar.connection import ASGIConnection
    from litestar.types import ASGIApp, Receive, Scope, Send
    from sqlalchemy.ext.asyncio import AsyncSession

_STATE_KEY: Final = "ctpo_db_session"
SINGLE_STATEMENT_WRITES: Final = "ctpo_single_statement_writes"
"""Route ``opt`` key: the handler writes with one statement at most (see the module's docstring)."""
KEEP_OPEN_MAX_BODY_BYTES: Final = 256 * 1024
"""Above this declared body size (or with no declared size) the lookup's connection goes back to the pool."""


def request_session(connection: ASGIConnection[Any, Any, Any, Any]) -> AsyncSession:
    """This request's session: made on first use, closed by :func:`request_session_middleware`."""
    state = connection.scope.setdefault("state", {})
    session: AsyncSession | None = state.get(_STATE_KEY)
    if session is None:
        session = connection.app.state.session_factory()
        state[_STATE_KEY] = session
    return session


def lookup_options(connection: ASGIConnection[Any, Any, Any, Any], session: AsyncSession) -> dict[str, Any]:
    """Execution options of the token lookup's connection, which the handler goes on with on PostgreSQL."""
    options: dict[str, Any] = {READS_ONLY: True}  # SQLite: a deferred transaction
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres and connection.route_handler.opt.get(SINGLE_STATEMENT_WRITES):
        options["isolation_level"] = "AUTOCOMMIT"
    return options


def keeps_transaction(connection: ASGIConnection[Any, Any, Any, Any], session: AsyncSession) -> bool:
    """Whether the handler may go on in the transaction the token lookup began (see the module's docstring)."""
    if session.get_bind().dialect.name == "sqlite":
        return False
    if connection.scope.get("method") in {"GET", "HEAD", "OPTIONS", "DELETE"}:
        return True
    declared = connection.headers.get("content-length")
    return declared is not None and declared.isdigit() and int(declared) <= KEEP_OPEN_MAX_BODY_BYTES


def request_session_middleware(app: ASGIApp) -> ASGIApp:
    """ASGI middleware: close the request's session, if one was made, after the response (rolls back the rest)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        try:
            await app(scope, receive, send)
        finally:
            session: AsyncSession | None = scope.get("state", {}).pop(_STATE_KEY, None)
            if session is not None:
                await session.close()

    return middleware


def outer_request_session(app_config: AppConfig) -> AppConfig:
    """``on_app_init`` hook: the closing middleware outside authentication (register it after the auth hook)."""
    app_config.middleware.insert(0, request_session_middleware)
    return app_config
