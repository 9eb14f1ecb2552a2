"""PostgreSQL ``LISTEN``: tell a process at once when another one committed a change it keeps a copy of.

A process that keeps a copy of rarely changed rows (the offices' calendars) must drop it when any process commits
a change. The writer sends ``NOTIFY`` in its transaction, which PostgreSQL delivers to every listener when (and
only when) that transaction commits. :func:`listen` holds one connection per process that listens, and tells its
:class:`Listener` whether it is listening: while it is not (not yet connected, the connection lost, the server
restarting), a change could go unheard, so the copy must not be used, and a copy made before the loss must be
dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Final, Protocol

import asyncpg
from sqlalchemy.engine import make_url

from ctpo.db.engine import CONNECT_TIMEOUT_SECONDS

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS: Final = 10.0
"""How often the listening connection is checked: a connection cut without a word (a dropped network path) is
noticed within this time, not at TCP's keepalive hours later. Loopback and compose networks close it at once."""
APPLICATION_NAME: Final = "ctpo listen"
"""How the listening connection shows in ``pg_stat_activity`` (followed by the channel)."""
RETRY_SECONDS: Final = 1.0
"""Wait between attempts to listen again after the connection was lost or could not be opened."""


def driver_dsn(database_url: str) -> str:
    """The SQLAlchemy URL (``postgresql+asyncpg://…``) as the plain DSN asyncpg connects with."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class Listener(Protocol):
    """What :func:`listen` tells: each notice, and whether every notice is being heard."""

    def changed(self, payload: str) -> None:
        """A notice arrived on the channel."""

    def listening_started(self) -> None:
        """``LISTEN`` took effect: from now on every committed ``NOTIFY`` is delivered."""

    def listening_stopped(self) -> None:
        """The connection is lost, failed its heartbeat, or listening was cancelled: notices may go unheard."""


async def listen(database_url: str, channel: str, listener: Listener) -> None:
    """Listen on ``channel`` until cancelled, reconnecting when cut off; ``listener`` is told on the event loop."""
    while True:
        try:
            await _listen_once(database_url, channel, listener)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure means: not listening; try again
            log.warning("not listening on %s: %s: %s", channel, type(exc).__name__, exc)
        await asyncio.sleep(RETRY_SECONDS)


async def _listen_once(database_url: str, channel: str, listener: Listener) -> None:
    """One connection's life: listen, check it every heartbeat, return or raise when it is lost."""
    lost = asyncio.Event()
    connection = await asyncpg.connect(
        driver_dsn(database_url),
        timeout=CONNECT_TIMEOUT_SECONDS,
        server_settings={"application_name": f"{APPLICATION_NAME} {channel}"},
    )
    try:
        connection.add_termination_listener(lambda _connection: lost.set())
        await connection.add_listener(channel, lambda _c, _pid, _channel, payload: listener.changed(payload))
        listener.listening_started()
        while not lost.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), HEARTBEAT_SECONDS)
            if not lost.is_set():
                await connection.fetchval("SELECT 1", timeout=HEARTBEAT_SECONDS)
    finally:
        listener.listening_stopped()
        connection.terminate()
