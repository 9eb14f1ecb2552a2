"""Fault (b): the Redis broker restarts under the running topology; beat and workers carry on, queued tasks survive.

The topology is the one ``scripts/scaled-up`` starts (API, Celery worker, beat) on a fresh database and a private
Redis (tests/servers.py) that the test stops and starts; the machine's Redis, which other tests use, is untouched.
The task is the deadline sweep that beat sends every second: an application whose applicant asked for early
publication is published by it. Redis runs with an append-only file, as in compose.yaml, so a restart keeps the
messages it had accepted.

1. Published before the restart: the topology works.
2. Redis stopped (beat's sends and the worker's consumer fail meanwhile) and started again: an application asking
   for publication afterwards is published by the same beat and worker processes, which reconnected by themselves.
3. A sweep task queued while no worker runs stays in Redis over a restart and is executed by a worker started
   afterwards; every application is published exactly once.

Background jobs (``ctpo.relay_jobs``) are off here (``CTPO_JOB_POLL_SECONDS=0``): each would load the embedding
model in the worker, and test_worker_kill covers them.
"""

from __future__ import annotations

import signal
import time
from typing import TYPE_CHECKING

import httpx
import pytest
import redis
from celery import Celery

from tests.faults.flows import act, file, history, login, published, wait_for
from tests.servers import private_redis, scaled_topology
from tests.support import create_user

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

SWEEP = "workflows.sweep_deadlines"
QUEUE = "ctpo-fault-b"


def test_beat_and_worker_resume_after_a_redis_restart_and_queued_tasks_survive_it(
    fault_database: tuple[str, str], tmp_path: Path
):
    url, _ = fault_database
    applicant = create_user(url, "applicant")
    with private_redis(appendonly=True) as broker:
        env = {
            "CTPO_DATABASE_URL": url,
            "CTPO_BROKER_URL": broker.url(),
            "CTPO_SECRET_KEY": "k" * 40,
            "CTPO_SWEEP_INTERVAL_SECONDS": "1",
            "CTPO_JOB_POLL_SECONDS": "0",
            "CTPO_TASK_QUEUE": QUEUE,
        }
        with (
            scaled_topology(env, tmp_path / "run") as topology,
            httpx.Client(base_url=topology.base, timeout=30) as http,
        ):
            auth = login(http, applicant)

            def ask_publication(title: str) -> str:
                number = file(http, auth, title)
                act(http, number, "request_early_publication", auth)
                return number

            before = ask_publication("Published before the broker restart")
            wait_for(lambda: published(http, before, auth), 30, "the sweep before the restart")

            broker.stop()
            time.sleep(3)  # beat fires about three times into a closed port; the worker loses its connection
            broker.start()
            after = ask_publication("Published after the broker restart")
            took = wait_for(lambda: published(http, after, auth), 40, "the sweep after the restart")
            assert topology.alive("beat")
            assert topology.alive("worker-1"), "the worker had to be restarted"
            print(f"published {took:.1f} s after the broker came back")  # noqa: T201

            topology.signal("beat", signal.SIGTERM)
            topology.signal("worker-1", signal.SIGTERM)
            queued = ask_publication("Queued across the broker restart")
            sender = Celery("ctpo-test", broker=broker.url())
            sender.conf.task_default_queue = QUEUE
            sender.send_task(SWEEP)
            queue = redis.Redis(port=broker.port)
            assert queue.llen(QUEUE) == 1
            broker.restart()
            queue = redis.Redis(port=broker.port)
            assert queue.llen(QUEUE) == 1, "the restart lost the queued task"
            assert not published(http, queued, auth)
            topology.start_worker("worker-2")
            wait_for(lambda: published(http, queued, auth), 30, "the queued sweep after the restart")
            wait_for(lambda: queue.llen(QUEUE) == 0, 10, "the queue to drain")

            for number in (before, after, queued):
                assert [h["action"] for h in history(http, number, auth)].count("publish") == 1
