"""PostgreSQL ``LISTEN``/``NOTIFY``: tell every process at once when a table it keeps a copy of changed.

A process that keeps a copy of rarely changed rows (the offices' calendars) must drop it when anyone commits a
change. The table carries a trigger (:func:`notify_on_change`, installed by a migration) that sends ``NOTIFY`` in
the changing transaction, whoever the writer is (the service, a script, a console session), and PostgreSQL delivers
it to every listener when, and only when, that transaction commits. :func:`listen` holds one connection per
process that listens, and tells its :class:`Listener` whether it is listening: while it is not (not yet connected,
the connection lost, the server restarting), a change could go unheard, so the copy must not be used, and a copy
made before the loss must be dropped.

The listening connection is one more connection per API process. It needs a session of its own on the server: it
does not work through a pooler in transaction mode (PgBouncer's ``pool_mode = transaction``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any, Final, Protocol

from alembic import op
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from ctpo.db.engine import CONNECT_TIMEOUT_SECONDS

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS: Final = 2.0
"""How often the listening connection is checked, and how long the check may take: a connection cut without a
word (a dropped network path, which loopback and compose networks never do) is noticed within twice this, not at
TCP keepalive's hours. Until then a change told meanwhile is missed: the copy may be that much older than a
change. A ``SELECT 1`` every 2 s per process costs the server nothing worth counting."""
RETRY_SECONDS: Final = 1.0
"""Wait between attempts to listen again after the connection was lost or could not be opened."""
APPLICATION_NAME: Final = "ctpo listen"
"""How the listening connection shows in ``pg_stat_activity`` (followed by the channel)."""


class Listener(Protocol):
    """What :func:`listen` tells: each notice, and whether every notice is being heard."""

    def changed(self, payload: str) -> None:
        """A notice arrived on the channel."""

    def listening_started(self) -> None:
        """``LISTEN`` took effect: from now on every committed ``NOTIFY`` is delivered."""

    def listening_stopped(self) -> None:
        """The connection is lost, failed its heartbeat, or listening was cancelled: notices may go unheard."""


async def listen(database_url: str, channel: str, listener: Listener) -> None:
    """Listen on ``channel`` until cancelled, reconnecting when cut off; ``listener`` is told on the event loop.

    A loss is logged once, not at every failed attempt while the database is down (the readiness check reports the
    database itself); listening again is logged too.
    """
    logged = False
    while True:
        progress = _Progress()
        try:
            await _listen_once(database_url, channel, listener, progress)
            problem = "the connection closed"
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure means: not listening; try again
            problem = f"{type(exc).__name__}: {exc}"
        logged = logged and not progress.listened
        if not logged:
            log.warning("not listening on %s (%s); trying again every %.0f s", channel, problem, RETRY_SECONDS)
            logged = True
        await asyncio.sleep(RETRY_SECONDS)


@dataclass
class _Progress:
    """How far one connection got: a loss after listening is news, another failed attempt is not."""

    listened: bool = False


async def _listen_once(database_url: str, channel: str, listener: Listener, progress: _Progress) -> None:
    """One connection's life: listen, check it every heartbeat, return or raise when it is lost.

    The connection is opened by SQLAlchemy from the service's own URL (with a pool of none), so every option the
    service's engine takes from the URL (``ssl``, the driver's caches) applies to it alike. It is invalidated at
    the end, never handed back: lost, it could not be reset; cancelled, the process is stopping.
    """
    engine = create_async_engine(
        database_url,
        poolclass=NullPool,
        connect_args={
            "timeout": CONNECT_TIMEOUT_SECONDS,
            "server_settings": {"application_name": f"{APPLICATION_NAME} {channel}"},
        },
    )
    lost = asyncio.Event()
    try:
        async with engine.connect() as connection:
            try:
                driver: Any = (await connection.get_raw_connection()).driver_connection  # asyncpg's, untyped
                driver.add_termination_listener(lambda _connection: lost.set())
                await driver.add_listener(channel, lambda _c, _pid, _channel, payload: listener.changed(payload))
                listener.listening_started()
                progress.listened = True
                log.info("listening on %s", channel)
                while not lost.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(lost.wait(), HEARTBEAT_SECONDS)
                    if not lost.is_set():
                        await driver.fetchval("SELECT 1", timeout=HEARTBEAT_SECONDS)
            finally:
                await connection.invalidate()
    finally:
        listener.listening_stopped()
        await engine.dispose()


_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION ctpo_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(TG_ARGV[0], TG_TABLE_NAME);
    RETURN NULL;
END
$$
"""


def notify_on_change(table: str, channel: str) -> None:
    """Migrations: ``NOTIFY channel`` (payload: the table's name) at every statement that changes ``table``.

    PostgreSQL only (SQLite processes keep no copy). Statement-level, so a statement changing many rows tells
    once; delivered at commit, never for a transaction rolled back.
    """
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_PG_FUNCTION)
    op.execute(
        f"CREATE TRIGGER {table}_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION ctpo_notify_change('{channel}')"
    )


def drop_notify_on_change(table: str) -> None:
    """Remove the trigger (downgrade only); the function stays for other tables."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_notify ON {table}")
