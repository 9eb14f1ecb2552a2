"""Engines and sessions for SQLite and PostgreSQL, with the SQLite settings that make it safe under load.

The service's engine also turns "the database cannot be reached" into one exception,
:class:`DatabaseUnavailableError`, so the HTTP layer can answer 503 (retry later) instead of 500 (a bug).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import Engine, event
from sqlalchemy import create_engine as create_sync_engine_raw
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Dialect, ExceptionContext

CONNECT_TIMEOUT_SECONDS = 5
"""How long the API waits to open a PostgreSQL connection before it answers 503 rather than hang."""


class DatabaseUnavailableError(SQLAlchemyError):
    """The database refused, dropped or could not open a connection (down, restarting, unreachable, full).

    Nothing about the request is wrong: the same request may succeed once the database is back, and the pool
    (``pool_pre_ping``) reconnects by itself, so the service recovers without a restart. The original error is
    the ``__cause__``.
    """


def _connect_or_unavailable(dialect: Dialect, _record: object, cargs: Any, cparams: Any) -> Any:  # noqa: ANN401
    """``do_connect`` hook: any failure to open a connection (refused, timed out, starting up, too many) is an outage.

    SQLAlchemy passes a driver's own socket errors (``ConnectionRefusedError`` from asyncpg) through unwrapped, so
    they are caught here, where they can only mean the database could not be reached.
    """
    try:
        return dialect.connect(*cargs, **cparams)
    except Exception as exc:
        raise DatabaseUnavailableError(f"cannot connect to the database: {type(exc).__name__}: {exc}") from exc


def _disconnect_is_outage(context: ExceptionContext) -> BaseException | None:
    """``handle_error`` hook: a connection lost mid-statement (server shut down or restarted) is an outage too.

    A failure inside the pool's pre-ping is left alone: the pool answers it by reconnecting, and raising from
    here would cut that recovery short.
    """
    if context.is_disconnect and not context.is_pre_ping:
        original = context.original_exception
        return DatabaseUnavailableError(f"database connection lost: {type(original).__name__}: {original}")
    return None


def sync_url(async_url: str) -> str:
    """The synchronous twin of an async URL, for Alembic and for Celery workers."""
    url = make_url(async_url)
    driver = {"sqlite+aiosqlite": "sqlite", "postgresql+asyncpg": "postgresql+psycopg"}.get(url.drivername)
    return url.set(drivername=driver).render_as_string(hide_password=False) if driver else async_url


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:  # noqa: ANN401 - DB-API objects are untyped
    """WAL for concurrent readers, a busy timeout instead of instant failures, and foreign keys on."""
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, see _begin_immediate
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


READS_ONLY: Final = "ctpo_reads_only"
"""Execution option for a transaction that only reads: on SQLite it begins deferred, without the write lock.

Such a transaction must end before anything is written on its connection (see :func:`_begin_immediate`)."""


def _begin_immediate(conn: Connection) -> None:
    """Take SQLite's write lock at BEGIN: a deferred BEGIN that later upgrades can deadlock and fail at once.

    A transaction declared :data:`READS_ONLY` begins deferred: it takes no lock, and WAL readers never wait.
    """
    conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READS_ONLY) else "BEGIN IMMEDIATE")


def install_sqlite_hooks(sync_engine: Any) -> None:  # noqa: ANN401 - sync Engine of either flavour
    """Attach the SQLite connection settings to an engine (no-op for other databases)."""
    if sync_engine.dialect.name != "sqlite":
        return
    event.listen(sync_engine, "connect", _configure_sqlite)
    event.listen(sync_engine, "begin", _begin_immediate)


def create_engine(database_url: str) -> AsyncEngine:
    """The async engine for the service, sized for the embedded default or for PostgreSQL."""
    url = make_url(database_url)
    kwargs: dict[str, Any] = {}
    if url.get_backend_name() == "postgresql":  # a SQLite file cannot drop a connection: no ping per checkout
        # READ COMMITTED whatever the server's default: the per-process calendars rely on it (examination.calendars)
        kwargs.update(pool_pre_ping=True, pool_size=20, max_overflow=20, isolation_level="READ COMMITTED")
        if url.get_driver_name() == "asyncpg":
            kwargs["connect_args"] = {"timeout": CONNECT_TIMEOUT_SECONDS}
    engine = create_async_engine(database_url, **kwargs)
    install_sqlite_hooks(engine.sync_engine)
    event.listen(engine.sync_engine, "do_connect", _connect_or_unavailable)
    event.listen(engine.sync_engine, "handle_error", _disconnect_is_outage)
    return engine


def create_session_factory(engine: AsyncEngine, info: dict[str, Any] | None = None) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit, so a receipt can be built from them.

    ``info`` starts every session's ``Session.info``: what the process shares with its sessions (its copy of the
    calendars, :mod:`ctpo.domain.examination.calendars`).
    """
    return async_sessionmaker(engine, expire_on_commit=False, info=info)


def create_sync_engine(database_url: str) -> Engine:
    """A synchronous engine on the same database, for workers, the sweep and Alembic."""
    engine = create_sync_engine_raw(sync_url(database_url), pool_pre_ping=True)
    install_sqlite_hooks(engine)
    return engine
