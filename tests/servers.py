"""Private PostgreSQL 15 and Redis servers that a fault test may stop, kill and restart.

The rest of the suite shares the machine's PostgreSQL (5432) and Redis (6379) in parallel, so a test that takes a
server down must take down its own: each one here lives in a temporary directory on a free port and is gone when
the test ends. PostgreSQL refuses to run as root; as root the cluster is owned by and run as ``postgres``
(``runuser``), otherwise as the current user. Where neither is possible the test is skipped, saying why.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import psycopg
import pytest

from tests.support import REPO, free_port

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

PG_BIN = Path(os.environ.get("CTPO_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _wait(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.05)


def _pid_exists(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


class PrivatePostgres:
    """A throwaway PostgreSQL cluster: trust authentication, one free port.

    ``fsync=off`` only: a killed server loses nothing the OS already has, so kill tests stay honest. (With
    ``synchronous_commit=off`` a SIGKILL right after a commit loses it; the fault test caught exactly that.)
    """

    def __init__(self, root: Path, port: int, run_as: str | None) -> None:
        self.root = root
        self.data = root / "data"
        self.port = port
        self.run_as = run_as
        self.log = root / "postgres.log"

    def _cmd(self, *args: str) -> list[str]:
        return ["runuser", "-u", self.run_as, "--", *args] if self.run_as else list(args)

    def _pg_ctl(self, *args: str, timeout: float = 30) -> None:
        subprocess.run(
            self._cmd(str(PG_BIN / "pg_ctl"), "-D", str(self.data), *args),
            check=True,
            capture_output=True,
            timeout=timeout,
        )

    @classmethod
    def create(cls) -> PrivatePostgres:
        """Initialise a cluster (not started yet).

        Raises:
            RuntimeError: ``initdb`` is missing or failed.
        """
        if not (PG_BIN / "initdb").exists():
            raise RuntimeError(f"no PostgreSQL binaries in {PG_BIN}")
        run_as = "postgres" if os.geteuid() == 0 else None
        root = Path(tempfile.mkdtemp(prefix="ctpo-pg-"))
        if run_as:
            shutil.chown(root, user=run_as)
        server = cls(root, free_port(), run_as)
        try:
            subprocess.run(
                server._cmd(
                    str(PG_BIN / "initdb"), "-D", str(server.data), "-U", "postgres", "-A", "trust", "-N", "-E", "UTF8"
                ),
                check=True,
                capture_output=True,
                timeout=60,
            )
        except (OSError, subprocess.CalledProcessError) as exc:
            shutil.rmtree(root, ignore_errors=True)
            err = getattr(exc, "stderr", b"") or b""
            raise RuntimeError(f"initdb failed: {exc} {err.decode(errors='replace')[-500:]}") from exc
        return server

    @property
    def admin_dsn(self) -> str:
        """libpq DSN of the ``postgres`` database (for CREATE DATABASE)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str = "postgres") -> str:
        """The service's async SQLAlchemy URL for a database of this server."""
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create a database and return its service URL."""
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def start(self) -> None:
        """Start and wait until it accepts connections."""
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.root} "
            "-c fsync=off -c max_connections=200"
        )
        self._pg_ctl("-l", str(self.log), "-o", options, "-w", "-t", "60", "start", timeout=90)

    def stop(self) -> None:
        """Fast shutdown (SIGTERM to backends): clients see their connections closed, new ones refused."""
        self._pg_ctl("-m", "fast", "-w", "-t", "60", "stop", timeout=90)

    def _postmaster_pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def kill(self) -> None:
        """SIGKILL the postmaster and its backends, as a crash would; a restart runs crash recovery."""
        pid = self._postmaster_pid()
        if pid is None:
            return
        children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False).stdout
        for victim in [pid, *(int(c) for c in children.split())]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(victim, signal.SIGKILL)
        # PostgreSQL takes a postmaster.pid naming a live process, a zombie included, for a running server; once
        # the process is reaped (or only a zombie is left) the lock file is stale, as after any crash.
        with contextlib.suppress(TimeoutError):
            _wait(lambda: not _pid_exists(pid), 5, "postmaster not reaped")
        if _pid_exists(pid):
            (self.data / "postmaster.pid").unlink(missing_ok=True)

    def restart(self) -> None:
        """Stop (fast) and start again on the same port and data."""
        self.stop()
        self.start()

    def destroy(self) -> None:
        """Stop whatever runs and delete the cluster."""
        with contextlib.suppress(Exception):
            self._pg_ctl("-m", "immediate", "-w", "stop", timeout=30)
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A started private PostgreSQL; skips the test (with the reason) where none can be started."""
    try:
        server = PrivatePostgres.create()
    except RuntimeError as exc:
        pytest.skip(f"cannot start a private PostgreSQL: {exc}")
    try:
        server.start()
        yield server
    finally:
        server.destroy()


class PrivateRedis:
    """A Redis on a free port in a temp dir; ``appendonly`` keeps queued messages over a restart, as in compose."""

    def __init__(self, root: Path, port: int, *, appendonly: bool) -> None:
        self.root = root
        self.port = port
        self.appendonly = appendonly
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        """Broker URL of one of its databases."""
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        """Start and wait until it answers on its port."""
        persistence = ["--appendonly", "yes", "--appendfsync", "always"] if self.appendonly else ["--appendonly", "no"]
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                *persistence,
                "--dir",
                str(self.root),
                "--logfile",
                str(self.root / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        process = self.process
        _wait(lambda: _port_open(self.port) or process.poll() is not None, 20, "redis did not start")
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited: {(self.root / 'redis.log').read_text()[-500:]}")

    def _end(self, sig: signal.Signals) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(sig)
        self.process.wait(timeout=20)
        self.process = None
        _wait(lambda: not _port_open(self.port), 10, "redis port still open")

    def stop(self) -> None:
        """SIGTERM: Redis closes its clients and (with AOF) has every write on disk."""
        self._end(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        self._end(signal.SIGKILL)

    def restart(self) -> None:
        """Stop and start again on the same port and directory."""
        self.stop()
        self.start()


@contextlib.contextmanager
def private_redis(*, appendonly: bool = True) -> Iterator[PrivateRedis]:
    """A started private Redis; skips the test where ``redis-server`` is missing."""
    if not Path(REDIS_SERVER).exists():
        pytest.skip("redis-server is not installed")
    root = Path(tempfile.mkdtemp(prefix="ctpo-redis-"))
    server = PrivateRedis(root, free_port(), appendonly=appendonly)
    try:
        server.start()
        yield server
    finally:
        with contextlib.suppress(Exception):
            server.kill()
        shutil.rmtree(root, ignore_errors=True)


class ApiServer:
    """``ctpo serve`` in its own process group, so a test can SIGKILL the uvicorn supervisor and all its workers.

    ``support.live_server`` is the polite version (SIGTERM at the end); this one exists to be killed.
    """

    def __init__(self, env: dict[str, str], root: Path, *, workers: int = 1, port: int | None = None) -> None:
        self.env = env
        self.workers = workers
        self.port = port or free_port()
        self.log = root / f"api-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        """Base URL of the API."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        """Start and wait until ``/health`` answers (the schema is upgraded before the socket opens).

        Raises:
            RuntimeError: the server exited or did not answer in time (its log's tail says why).
        """
        env = {**os.environ, **self.env, "CTPO_PORT": str(self.port), "CTPO_WORKERS": str(self.workers)}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "ctpo", "serve", "--no-access-log"],
                env=env,
                cwd=REPO,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: the supervisor and every worker
            )
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{self.base}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {self.log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL the whole process group at once: no shutdown handler, no finished response, no rollback."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)
        self.process = None
        _wait(lambda: not _port_open(self.port), 20, "the API port stayed open after the kill")

    def stop(self) -> None:
        """SIGTERM the group and wait; SIGKILL whatever is left after 20 s."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()
        self.process = None


@contextlib.contextmanager
def api_server(env: dict[str, str], root: Path, *, workers: int = 1) -> Iterator[ApiServer]:
    """A started :class:`ApiServer`, stopped at the end whatever state the test left it in."""
    server = ApiServer(env, root, workers=workers)
    try:
        server.start()
        yield server
    finally:
        server.stop()


class ScaledTopology:
    """The scaled deployment as ``scripts/scaled-up`` starts it (API, Celery workers, beat), in a test's run directory.

    Each process is its own process group with a pid file ``<name>.pid``, so a test can SIGTERM or SIGKILL one of
    them, start a fresh worker, and ``scripts/scaled-down`` still stops everything at the end.
    """

    def __init__(self, env: dict[str, str], run_dir: Path, *, api: int = 1, workers: int = 1) -> None:
        self.env = {**os.environ, **env}
        self.run_dir = run_dir
        self.port = free_port()
        self.api = api
        self.workers = workers

    @property
    def base(self) -> str:
        """Base URL of the API port."""
        return f"http://127.0.0.1:{self.port}"

    def up(self) -> None:
        """Run ``scripts/scaled-up`` (it returns once /health/ready is 200 and every worker is ready)."""
        command = [str(REPO / "scripts" / "scaled-up"), "--api", str(self.api), "--workers", str(self.workers)]
        command += ["--port", str(self.port), "--run-dir", str(self.run_dir), "--no-search", "--timeout", "90"]
        result = subprocess.run(command, env=self.env, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"scaled-up failed:\n{result.stdout}\n{result.stderr}")

    def down(self) -> None:
        """Run ``scripts/scaled-down``."""
        subprocess.run(
            [str(REPO / "scripts" / "scaled-down"), "--run-dir", str(self.run_dir), "--grace", "10"],
            env=self.env,
            capture_output=True,
            timeout=120,
            check=False,
        )

    def pid(self, name: str) -> int:
        """The process (group) id of ``api``, ``beat`` or ``worker-N``."""
        return int((self.run_dir / f"{name}.pid").read_text())

    def alive(self, name: str) -> bool:
        """Whether that process still runs (a zombie does not)."""
        try:
            stat = Path(f"/proc/{self.pid(name)}/stat").read_text()
        except OSError:
            return False
        return stat.rsplit(")", 1)[1].split()[0] != "Z"

    def signal(self, name: str, sig: signal.Signals, timeout: float = 30) -> None:
        """Send ``sig`` to the whole process group of ``name`` and wait until its leader is gone."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid(name), sig)
        _wait(lambda: not self.alive(name), timeout, f"{name} did not end on {sig.name}")
        if sig == signal.SIGKILL:  # the pool's children too, which may take a moment longer
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid(name), signal.SIGKILL)

    def start_worker(self, name: str, extra_env: dict[str, str] | None = None) -> None:
        """Start one more Celery worker the way ``scripts/scaled-up`` does, and wait until it is ready."""
        log = self.run_dir / f"{name}.log"
        env = {**self.env, **self._run_env(), **(extra_env or {})}
        command = [sys.executable, "-m", "celery", "-A", "ctpo.worker", "worker", "--concurrency", "1", "-n"]
        command += [f"{name}@%h", "--loglevel", "INFO", "--without-gossip", "--without-mingle"]
        with log.open("wb") as out:
            process = subprocess.Popen(
                command,
                env=env,
                cwd=REPO,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        (self.run_dir / f"{name}.pid").write_text(str(process.pid))
        _wait(lambda: " ready." in log.read_text(errors="replace") or process.poll() is not None, 90, f"{name} ready")
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited: {log.read_text(errors='replace')[-2000:]}")

    def _run_env(self) -> dict[str, str]:
        """The settings scaled-up exported (its ``env`` file), so a worker started later matches the others."""
        found: dict[str, str] = {}
        for line in (self.run_dir / "env").read_text().splitlines():
            name, _, value = line.removeprefix("export ").partition("=")
            found[name] = value.strip("'").replace("'\\''", "'")
        return found


@contextlib.contextmanager
def scaled_topology(env: dict[str, str], run_dir: Path, *, api: int = 1, workers: int = 1) -> Iterator[ScaledTopology]:
    """A started :class:`ScaledTopology`, stopped by ``scripts/scaled-down`` whatever the test did to it."""
    topology = ScaledTopology(env, run_dir, api=api, workers=workers)
    try:
        topology.up()
        yield topology
    finally:
        topology.down()
