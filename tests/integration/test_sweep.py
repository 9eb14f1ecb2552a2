"""The deadline sweep: in-process on the default settings, and as real Celery beat + worker on Redis.

The sweep's rule runs on both databases in-process (``test_sweep_applies_passed_deadlines_once``); the Celery run
checks the plumbing (beat schedules, the worker runs, nothing twice), which is the same on either, so it runs on
PostgreSQL only: two processes importing the whole app cost half a minute per database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy.orm import sessionmaker

from ctpo.db.engine import create_sync_engine
from ctpo.db.models import utcnow
from ctpo.domain.examination.store import SqlWorkflowStore
from tests.factories import act, file_application
from tests.support import REPO, record_bank_transfer
from workflows.tasks import run_sweep

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from litestar.testing import TestClient


@pytest.fixture
def store(database_url: str) -> Iterator[SqlWorkflowStore]:
    engine = create_sync_engine(database_url)
    yield SqlWorkflowStore(sessionmaker(engine, expire_on_commit=False))
    engine.dispose()


def _history(client: TestClient[Any], number: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    return list(client.get(f"/applications/{number}/history", headers=headers).json())


def test_sweep_applies_passed_deadlines_once(
    client: TestClient[Any],
    store: SqlWorkflowStore,
    make_user: Callable[..., Any],
    login: Callable[[Any], dict[str, str]],
):
    applicant, examiner = login(make_user("applicant")), login(make_user("examiner", "KZ"))
    number = file_application(client, applicant)
    admin = login(make_user("office_admin", "KZ"))
    for fee in ("filing", "search"):  # in time: only the correction's time limit is left to miss
        record_bank_transfer(client, number, fee, admin)
    for action in ("claim", "begin_formalities_check"):
        act(client, number, action, examiner)
    act(client, number, "issue_deficiency_notice", examiner, {"deficiencies": ["Abstract too long"]})

    assert run_sweep(store, utcnow()).applied == []  # nothing has passed yet
    later = utcnow() + timedelta(days=100)  # the two months to correct have passed
    first = run_sweep(store, later)
    assert [e.action for e in first.applied] == ["deem_withdrawn"]
    state = client.get(f"/applications/{number}/state", headers=applicant).json()
    assert state["state"] == "deemed_withdrawn"
    assert "request_re_establishment" in state["allowed_actions"]
    history = _history(client, number, applicant)
    assert history[-1]["role"] == "system"

    second = run_sweep(store, later)
    assert second.applied == []
    assert _history(client, number, applicant) == history


def test_sweep_publishes_at_eighteen_months(
    client: TestClient[Any],
    store: SqlWorkflowStore,
    make_user: Callable[..., Any],
    login: Callable[[Any], dict[str, str]],
):
    applicant = login(make_user("applicant"))
    number = file_application(client, applicant)
    admin = login(make_user("office_admin", "KZ"))
    for fee in ("filing", "search"):  # unpaid, the file would be deemed withdrawn after a month (EPC Rule 38)
        record_bank_transfer(client, number, fee, admin)
    run_sweep(store, utcnow() + timedelta(days=30 * 18 - 5))
    assert client.get(f"/applications/{number}", headers=applicant).json()["publication_date"] is None
    run_sweep(store, utcnow() + timedelta(days=30 * 18 + 10))
    assert client.get(f"/applications/{number}", headers=applicant).json()["publication_date"] is not None
    assert _history(client, number, applicant)[-1]["action"] == "publish"


def _wait_for(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_sweep_runs_in_celery_beat_and_worker(
    client: TestClient[Any],
    database_url: str,
    tmp_path: Path,
    make_user: Callable[..., Any],
    login: Callable[[Any], dict[str, str]],
):
    applicant = login(make_user("applicant"))
    number = file_application(client, applicant)
    act(client, number, "request_early_publication", applicant)  # due at once: the sweep must publish it

    db = 1 + (os.getpid() % 14)  # a Redis database of this test process; flushed first
    broker = f"redis://127.0.0.1:6379/{db}"
    subprocess.run(["redis-cli", "-n", str(db), "flushdb"], check=False, capture_output=True)
    env = {
        **os.environ,
        "CTPO_DATABASE_URL": database_url,
        "CTPO_DATA_DIR": str(tmp_path),
        "CTPO_BROKER_URL": broker,
        "CTPO_SWEEP_INTERVAL_SECONDS": "1",
    }
    celery = [sys.executable, "-m", "celery", "-A", "ctpo.worker"]
    worker = subprocess.Popen(
        [*celery, "worker", "--pool=solo", "--loglevel=WARNING", "--without-gossip", "--without-mingle"],
        env=env,
        cwd=REPO,
    )
    beat = subprocess.Popen(
        [*celery, "beat", "--loglevel=WARNING", f"--schedule={tmp_path / 'beat-schedule'}"], env=env, cwd=REPO
    )
    try:
        published = _wait_for(
            lambda: client.get(f"/applications/{number}", headers=applicant).json()["publication_date"] is not None,
            timeout=60,
        )
        assert published, "the worker did not publish within 60 s"
        history = _history(client, number, applicant)
        assert [h["action"] for h in history].count("publish") == 1
        time.sleep(4)  # several more beats: the sweep finds nothing left to do
        assert _history(client, number, applicant) == history
    finally:
        for process in (beat, worker):
            process.terminate()
        for process in (beat, worker):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def test_sweep_runs_in_process_on_the_default_settings(settings: Any, make_user: Callable[..., Any], tmp_path: Path):
    from dataclasses import replace  # noqa: PLC0415

    from litestar.testing import TestClient  # noqa: PLC0415

    from ctpo.server.app import create_app  # noqa: PLC0415
    from tests.support import PASSWORD  # noqa: PLC0415

    user = make_user("applicant")
    with TestClient(create_app(replace(settings, tasks=replace(settings.tasks, sweep_interval_seconds=1)))) as client:
        token = client.post("/auth/login", json={"email": user.email, "password": PASSWORD}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        number = file_application(client, headers)
        act(client, number, "request_early_publication", headers)
        published = _wait_for(
            lambda: client.get(f"/applications/{number}", headers=headers).json()["publication_date"] is not None,
            timeout=30,
        )
        assert published
