"""The search after formalities as a background job, with the real model: in the API process, and in a Celery
worker on Redis and on RabbitMQ (the scaled deployment), ending in a stored automated search the examiner sees."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from ctpo.db.engine import create_sync_engine
from ctpo.db.models import AutomatedSearch, JobRecord
from ctpo.domain.prior_art.corpus import upsert_documents
from ctpo.domain.prior_art.runtime import SearchRuntime
from ctpo.lib.settings import TaskBackend
from ctpo.server.app import create_app
from search.embedder import load_embedder
from search.engine import Document
from tests.support import PASSWORD, REPO, application_payload

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from sqlalchemy.orm import Session

    from ctpo.lib.settings import Settings
    from search.interfaces import Embedder

pytestmark = pytest.mark.model

CORPUS = [
    Document(
        id="TR2020/000777",
        lang="tr",
        title="Lityum iyon batarya modülü için sıvı soğutma plakası",
        abstract="Batarya hücreleri arasına yerleştirilen alüminyum plakalar sıvı soğutucu kanalına bağlanır.",
        claims=["Hücreler arasında alüminyum soğutma plakaları bulunan lityum iyon batarya modülü."],
        publication_date=date(2020, 6, 1),
        ipc=["H01M 10/613"],
    ),
    Document(
        id="KG2019/000031",
        lang="ky",
        title="Буудай данын кургатуучу күн энергиялуу жай",
        abstract="Күн коллектору менен жылытылган аба дандын катмары аркылуу айдалат.",
        claims=["Күн коллектору жана желдеткичи бар дан кургаткыч."],
        publication_date=date(2019, 3, 1),
        ipc=["F26B 3/28"],
    ),
]


@pytest.fixture(scope="module")
def model_dir(model_data_dir: Path) -> Path:
    return model_data_dir  # shared with the other model tests: converted once


@pytest.fixture(scope="module")
def embedder(model_dir: Path) -> Embedder:
    return load_embedder("bundled:multilingual-e5-small", model_dir)


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = create_sync_engine(database_url)
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as session, session.begin():
        upsert_documents(session, CORPUS, "test")
    yield factory
    engine.dispose()


def _wait_for(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def _through_formalities(client: TestClient[Any], applicant: dict[str, str], examiner: dict[str, str]) -> str:
    filed = client.post("/applications", json=application_payload(receiving_office="KZ"), headers=applicant)
    assert filed.status_code == 201, filed.text
    number = str(filed.json()["application_number"])
    for action in ("claim", "begin_formalities_check", "complete_formalities"):
        response = client.post(f"/applications/{number}/actions/{action}", json={"payload": {}}, headers=examiner)
        assert response.status_code == 200, response.text
    return number


def _headers(client: TestClient[Any], user: Any) -> dict[str, str]:
    token = client.post("/auth/login", json={"email": user.email, "password": PASSWORD}).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def _stored(sessions: sessionmaker[Session]) -> list[AutomatedSearch]:
    with sessions() as session:
        return list(session.scalars(select(AutomatedSearch)))


def _check_the_examiner_sees_it(client: TestClient[Any], number: str, examiner: Any, applicant: Any) -> None:
    dossier = client.get(f"/applications/{number}/dossier", headers=examiner).json()
    assert dossier["state"]["state"] == "search"
    (automated,) = dossier["automated_searches"]
    assert automated["step"] == "after_formalities"
    found = [hit["document_id"] for hit in automated["hits"]]
    # the Kazakh battery-cooling application finds the Turkish battery-cooling plate first, not the grain dryer
    assert found[0] == "TR2020/000777", found
    assert client.get(f"/applications/{number}/dossier", headers=applicant).json()["automated_searches"] == []


def test_search_after_formalities_runs_in_the_api_process(
    settings: Settings,
    sessions: sessionmaker[Session],
    embedder: Embedder,
    make_user: Callable[..., Any],
    tmp_path: Path,
):
    runtime = SearchRuntime(tmp_path / "search", "bundled:multilingual-e5-small", tmp_path, sessions)
    runtime.open(embedder)
    app = create_app(replace(settings, tasks=replace(settings.tasks, job_poll_seconds=0.2)))
    app.state.search = runtime
    applicant_user, examiner_user = make_user("applicant"), make_user("examiner", "KZ")
    with TestClient(app) as client:
        applicant, examiner = _headers(client, applicant_user), _headers(client, examiner_user)
        number = _through_formalities(client, applicant, examiner)
        assert _wait_for(lambda: len(_stored(sessions)) == 1, timeout=60), "the in-process job did not run"
        _check_the_examiner_sees_it(client, number, examiner, applicant)
        # the desk shows the stored search in the prior-art panel, without searching again
        from tests.integration.test_desk import desk_login  # noqa: PLC0415

        desk_login(client, examiner_user)
        page = client.get(f"/desk/applications/{number}")
        assert page.status_code == 200
        assert "Found by the search run after formalities on" in page.text
        assert page.text.index("TR2020/000777") < page.text.index("KG2019/000031")


BROKERS = {
    "redis": pytest.param("redis://127.0.0.1:6379/0", marks=pytest.mark.redis, id="redis"),
    "rabbitmq": pytest.param("amqp://guest:guest@127.0.0.1:5672//", marks=pytest.mark.rabbitmq, id="rabbitmq"),
}


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
@pytest.mark.parametrize("broker", list(BROKERS.values()))
def test_search_after_formalities_runs_in_a_celery_worker(
    settings: Settings,
    database_url: str,
    sessions: sessionmaker[Session],
    model_dir: Path,
    embedder: Embedder,  # converts the model once, before the worker loads it
    make_user: Callable[..., Any],
    tmp_path: Path,
    broker: str,
):
    queue = f"ctpo-test-{uuid.uuid4().hex[:8]}"  # this test's own queue on the shared broker
    env = {
        **os.environ,
        "CTPO_DATABASE_URL": database_url,
        "CTPO_DATA_DIR": str(tmp_path / "worker"),
        "CTPO_MODEL_DIR": str(model_dir),
        "CTPO_TASK_BACKEND": "celery",
        "CTPO_BROKER_URL": broker,
        "CTPO_TASK_QUEUE": queue,
        "CTPO_JOB_POLL_SECONDS": "0.5",
        "CTPO_SWEEP_INTERVAL_SECONDS": "3600",
        "CTPO_LOG_FORMAT": "json",
    }
    celery = [sys.executable, "-m", "celery", "-A", "ctpo.worker"]
    worker = subprocess.Popen(
        [*celery, "worker", "--pool=solo", "--loglevel=WARNING", "--without-gossip", "--without-mingle", "-Q", queue],
        env=env,
        cwd=REPO,
    )
    beat = subprocess.Popen(
        [*celery, "beat", "--loglevel=WARNING", f"--schedule={tmp_path / 'beat-schedule'}"], env=env, cwd=REPO
    )
    app = create_app(
        replace(
            settings,
            tasks=replace(settings.tasks, task_backend=TaskBackend.CELERY, broker_url=broker, task_queue=queue),
        )
    )
    applicant_user, examiner_user = make_user("applicant"), make_user("examiner", "KZ")
    try:
        with TestClient(app) as client:
            applicant, examiner = _headers(client, applicant_user), _headers(client, examiner_user)
            number = _through_formalities(client, applicant, examiner)
            assert _wait_for(lambda: len(_stored(sessions)) == 1, timeout=150), "the worker did not run the search"
            _check_the_examiner_sees_it(client, number, examiner, applicant)
            with sessions() as session:  # (the corpus's embed_chunk jobs are there too)
                (job,) = session.scalars(select(JobRecord).where(JobRecord.name == "search_after_formalities"))
            assert (job.status, job.attempts) == ("succeeded", 1)
    finally:
        for process in (beat, worker):
            process.terminate()
        for process in (beat, worker):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
