"""Prior-art search through the API with the real bundled model, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from ctpo.db.engine import create_sync_engine
from ctpo.domain.prior_art.corpus import upsert_documents
from ctpo.domain.prior_art.runtime import SearchRuntime
from ctpo.domain.prior_art.services import prior_art_query
from search.embedder import load_embedder
from search.engine import Document
from search.languages import MAX_QUERY_CHARS
from tests.support import application_payload

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from litestar import Litestar
    from litestar.testing import TestClient

    from search.interfaces import Embedder

pytestmark = pytest.mark.model

PRIORITY = date(2026, 3, 2)
CORPUS = [
    Document(
        id="TR2025/000111",
        lang="tr",
        title="Lityum iyon batarya modülü için sıvı soğutma plakası",
        abstract="Batarya hücreleri arasına yerleştirilen alüminyum plakalar sıvı soğutucu kanalına bağlanır.",
        claims=["Hücreler arasında alüminyum soğutma plakaları bulunan lityum iyon batarya modülü."],
        publication_date=PRIORITY - timedelta(days=1),
        ipc=["H01M 10/613"],
    ),
    Document(
        id="KZ2024/0042",
        lang="kk",
        title="Kün panelin tazalaýtyn robot",
        abstract="Fotoelektrlik panelderdiń betin sýsyz shetkalarmen tazalaıtyn avtonomdy robot.",
        claims=["Panel jıegindegi rels boıymen júretin shetkaly robot."],
        publication_date=date(2024, 5, 1),
        ipc=["H02S 40/10"],
    ),
    Document(
        id="US2026/0099",
        lang="en",
        title="Liquid cooling plate for lithium-ion battery cells",
        abstract="Aluminium plates between cells carry coolant to cool a lithium-ion battery module.",
        claims=["A battery module with aluminium cooling plates between lithium-ion cells."],
        publication_date=PRIORITY + timedelta(days=1),  # after the priority date: not prior art (P at most)
        ipc=["H01M 10/6556"],
    ),
]


@pytest.fixture(scope="session")
def embedder(model_data_dir: Path) -> Embedder:
    # converted once per test process, in the folder the search unit tests use too
    return load_embedder("bundled:multilingual-e5-small", model_data_dir)


@pytest.fixture
def runtime(app: Litestar, database_url: str, tmp_path: Path, embedder: Any) -> Iterator[SearchRuntime]:
    engine = create_sync_engine(database_url)
    sessions = sessionmaker(engine, expire_on_commit=False)
    with sessions() as session, session.begin():
        upsert_documents(session, CORPUS, "test")
    runtime = SearchRuntime(tmp_path / "search", "bundled:multilingual-e5-small", tmp_path, sessions)
    app.state.search = runtime
    yield runtime
    engine.dispose()


@pytest.fixture
def ready(runtime: SearchRuntime, embedder: Any) -> SearchRuntime:
    runtime.open(embedder)
    runtime.catch_up()
    return runtime


def test_search_is_503_until_the_engine_is_ready(
    client: TestClient[Any], runtime: SearchRuntime, make_user: Callable[..., Any], login: Callable[..., Any]
):
    headers = login(make_user("examiner", "KZ"))
    response = client.post("/search", json={"text": "battery"}, headers=headers)
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert client.get("/search/status").json()["ready"] is False


def test_cross_lingual_search_with_filters(
    client: TestClient[Any],
    runtime: SearchRuntime,
    embedder: Any,
    make_user: Callable[..., Any],
    login: Callable[..., Any],
):
    runtime.open(embedder)
    assert runtime.catch_up() == len(CORPUS)
    status = client.get("/search/status").json()
    ingest = status.pop("ingest")
    assert status == {"ready": True, "indexed": 3, "pending": 0, "error": None}
    assert (ingest["complete"], ingest["chunks"], ingest["eta_seconds"]) == (True, 1, 0.0)
    assert ingest["passages_done"] == ingest["passages"] > 0
    assert client.get("/health/ready").json()["checks"]["search"]["status"] == "ok"
    headers = login(make_user("examiner", "KZ"))

    kazakh = "Литий-ионды батарея ұяшықтарының арасындағы алюминий салқындату пластиналары"
    hits = client.post("/search", json={"text": kazakh, "k": 3}, headers=headers).json()["hits"]
    assert {h["document_id"] for h in hits[:2]} == {"TR2025/000111", "US2026/0099"}
    top = hits[0]
    assert top["passage"]["text"]
    assert "semantic" in top["found_by"]
    assert top["title"]

    before_priority = {"text": kazakh, "before": PRIORITY.isoformat()}
    before = client.post("/search", json=before_priority, headers=headers).json()["hits"]
    assert "US2026/0099" not in [h["document_id"] for h in before]
    only_en = client.post("/search", json={"text": kazakh, "languages": ["en"]}, headers=headers).json()["hits"]
    assert [h["document_id"] for h in only_en] == ["US2026/0099"]
    solar = client.post("/search", json={"text": kazakh, "ipc_prefix": "H02S"}, headers=headers).json()["hits"]
    assert [h["document_id"] for h in solar] == ["KZ2024/0042"]
    # the lexical channel folds scripts: Cyrillic Kazakh query, Latin Kazakh document
    robot_query = {"text": "Күн панелін тазалайтын робот", "k": 1}
    robot = client.post("/search", json=robot_query, headers=headers).json()["hits"]
    assert robot[0]["document_id"] == "KZ2024/0042"
    assert "lexical" in robot[0]["found_by"]


def test_prior_art_of_an_application_respects_its_priority_date(
    client: TestClient[Any],
    ready: SearchRuntime,
    make_user: Callable[..., Any],
    login: Callable[..., Any],
):
    applicant, examiner = login(make_user("applicant")), login(make_user("examiner", "KZ"))
    payload = application_payload(priority_claims=[{"office": "TR", "number": "P1", "date": PRIORITY.isoformat()}])
    number = client.post("/applications", json=payload, headers=applicant).json()["application_number"]
    result = client.get(f"/applications/{number}/prior-art", headers=examiner).json()
    assert result["reference_date"] == PRIORITY.isoformat()
    found = {h["document_id"]: h for h in result["hits"]}
    assert "TR2025/000111" in found  # published the day before the priority date: prior art
    assert found["TR2025/000111"]["flag"] is None
    assert found["US2026/0099"]["flag"] == "P"  # published the day after the priority, before filing
    assert number not in found
    dossier = client.get(f"/applications/{number}/dossier", headers=examiner).json()
    assert [h["document_id"] for h in dossier["prior_art"]] == [h["document_id"] for h in result["hits"]][:10]

    other = login(make_user("applicant"))
    assert client.get(f"/applications/{number}/prior-art", headers=other).status_code == 404


def test_unpublished_applications_never_appear_until_published(
    client: TestClient[Any],
    ready: SearchRuntime,
    make_user: Callable[..., Any],
    login: Callable[..., Any],
):
    applicant, admin = login(make_user("applicant")), login(make_user("office_admin", "KZ"))
    title = "Қозғалтқышты магниттік левитациямен салқындату құрылғысы"
    payload = application_payload(title=title, abstract="Магниттік левитация арқылы салқындату.")
    number = client.post("/applications", json=payload, headers=applicant).json()["application_number"]
    ready.catch_up()
    hits = client.post("/search", json={"text": title, "k": 10}, headers=admin).json()["hits"]
    assert number not in [h["document_id"] for h in hits]

    ok = client.post(f"/applications/{number}/actions/request_early_publication", json={}, headers=applicant)
    assert ok.status_code == 200, ok.text
    assert client.post(f"/applications/{number}/actions/publish", json={}, headers=admin).status_code == 200
    assert ready.catch_up() == 1  # the published application entered the corpus by itself
    hits = client.post("/search", json={"text": title, "k": 3}, headers=admin).json()["hits"]
    assert hits[0]["document_id"] == number


def test_an_unpublished_application_is_never_cited_as_prior_art(
    client: TestClient[Any],
    ready: SearchRuntime,
    make_user: Callable[..., Any],
    login: Callable[..., Any],
):
    """Two filings on one invention: the earlier one is nobody's prior art until it is published, then it is an E."""
    applicant, examiner, admin = (
        login(make_user("applicant")),
        login(make_user("examiner", "KZ")),
        login(make_user("office_admin", "KZ")),
    )
    text = {
        "title": "Сутегі отын элементінің мембранасын ылғалдандыру жүйесі",
        "abstract": "Отын элементінің протон өткізгіш мембранасын бу арқылы ылғалдандыру.",
    }
    priority = {
        "office": "TR",
        "number": "TR-P-777",
        "date": (datetime.now(UTC).date() - timedelta(days=30)).isoformat(),
    }
    earlier = client.post(
        "/applications", json=application_payload(**text, priority_claims=[priority]), headers=applicant
    )
    later = client.post("/applications", json=application_payload(**text), headers=applicant)
    earlier_number, later_number = earlier.json()["application_number"], later.json()["application_number"]
    ready.catch_up()

    for headers in (applicant, examiner, admin):
        cited = client.get(f"/applications/{later_number}/prior-art", headers=headers).json()["hits"]
        assert earlier_number not in [h["document_id"] for h in cited]
        dossier = client.get(f"/applications/{later_number}/dossier", headers=headers).json()
        assert earlier_number not in [h["document_id"] for h in dossier["prior_art"]]
        found = client.post("/search", json={"text": text["title"], "k": 20}, headers=headers).json()["hits"]
        assert earlier_number not in [h["document_id"] for h in found]

    for headers, action in ((applicant, "request_early_publication"), (admin, "publish")):
        published = client.post(f"/applications/{earlier_number}/actions/{action}", json={}, headers=headers)
        assert published.status_code == 200, published.text
    assert ready.catch_up() == 1
    cited = client.get(f"/applications/{later_number}/prior-art", headers=examiner).json()["hits"]
    flags = {h["document_id"]: h["flag"] for h in cited}
    assert flags.get(earlier_number) == "E"  # filed (by priority) before, published after: a conflicting application


def test_concurrent_catch_ups_embed_each_document_once(
    runtime: SearchRuntime, embedder: Any, monkeypatch: pytest.MonkeyPatch
):
    """A job's catch-up while the background loop runs one waits for it instead of embedding the corpus again."""
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

    from ctpo.domain.prior_art import runtime as runtime_module  # noqa: PLC0415

    monkeypatch.setattr(runtime_module, "BATCH", 1)  # one document per step, as a large corpus has many steps
    runtime.open(embedder)
    with ThreadPoolExecutor(max_workers=3) as pool:
        added = list(pool.map(lambda _: runtime.catch_up(), range(3)))
    assert sum(added) == len(CORPUS)
    assert runtime.indexed == len(CORPUS)


def test_not_ready_and_results_partial_until_the_corpus_is_indexed(
    client: TestClient[Any],
    runtime: SearchRuntime,
    embedder: Any,
    make_user: Callable[..., Any],
    login: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
):
    """Opened but holding 0 of the corpus: neither /health/ready nor /search/status says ready, searches say partial."""
    from ctpo.domain.prior_art import runtime as runtime_module  # noqa: PLC0415

    headers = login(make_user("examiner", "KZ"))
    runtime.open(embedder)
    assert client.get("/search/status").json()["ready"] is False
    assert client.get("/health/ready").status_code == 503
    early = client.post("/search", json={"text": "battery"}, headers=headers).json()
    assert early["partial"] is True

    monkeypatch.setattr(runtime_module, "BATCH", 1)  # a step per document, so a search can run between steps
    during: list[tuple[bool, bool, int]] = []

    def search_between_steps(done: int, total: int) -> None:
        if done < total:
            found = client.post("/search", json={"text": "battery"}, headers=headers).json()
            during.append((client.get("/search/status").json()["ready"], found["partial"], found["pending"]))

    runtime.catch_up(search_between_steps)
    assert during == [(False, True, 2), (False, True, 1)]
    complete = client.post("/search", json={"text": "battery"}, headers=headers).json()
    assert (complete["partial"], complete["indexed"], complete["pending"]) == (False, 3, 0)
    assert client.get("/health/ready").status_code == 200

    # a document published later waits for the next catch-up without making the process unready
    with runtime.sessions() as session, session.begin():
        upsert_documents(session, [replace(CORPUS[0], id="TR2025/000112"), replace(CORPUS[1], id="KZ2024/0043")], "t")
    during.clear()
    runtime.catch_up(search_between_steps)
    assert during == [(True, True, 1)]
    assert client.get("/health/ready").status_code == 200


def test_unsupported_languages_and_overlong_queries_are_refused_naming_the_field(
    client: TestClient[Any], make_user: Callable[..., Any], login: Callable[..., Any]
):
    headers = login(make_user("examiner", "KZ"))
    response = client.post("/search", json={"text": "battery", "languages": ["en", "de"]}, headers=headers)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["languages[1]"]
    assert "de" in response.json()["errors"][0]["message"]
    response = client.post("/search", json={"text": "a" * (MAX_QUERY_CHARS + 1)}, headers=headers)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["text"]


def test_an_applications_prior_art_query_is_bounded_however_long_its_claims():
    claims = [SimpleNamespace(text=f"Claim {i}: " + "word " * 400, claim_set=1) for i in range(1, 40)]
    application = SimpleNamespace(
        title="Title",
        abstract="Abstract",
        claims=claims,
        claim_set_version=1,
        filing_date=PRIORITY,
        earliest_priority_date=None,
    )
    text, _ = prior_art_query(application)  # type: ignore[arg-type]
    assert len(text) <= MAX_QUERY_CHARS
    assert text.startswith("Title\nAbstract\nClaim 1: ")
    assert text.endswith("word ")  # cut at a claim boundary, not inside one


FILLERS = [
    Document(
        id=f"TR2019/{900 + i:06d}",
        lang="tr",
        title=f"Batarya soğutma düzeneği {i}",
        abstract=f"Batarya hücrelerini soğutan plaka, varyant {i}.",
        publication_date=date(2019, 1, 1) + timedelta(days=i),
    )
    for i in range(14)
]


def test_the_stored_search_and_search_again_show_the_same_number_of_hits(
    client: TestClient[Any],
    ready: SearchRuntime,
    make_user: Callable[..., Any],
    login: Callable[..., Any],
):
    """The search run after formalities kept 20 documents, the desk's "search again" showed 10 of the same search."""
    from ctpo.db.models import Application  # noqa: PLC0415
    from ctpo.domain.prior_art.automated import search_for_application  # noqa: PLC0415
    from tests.integration.test_desk import desk_login  # noqa: PLC0415

    with ready.sessions() as session, session.begin():
        upsert_documents(session, FILLERS, "test")
    ready.catch_up()
    applicant = login(make_user("applicant"))
    number = client.post("/applications", json=application_payload(), headers=applicant).json()["application_number"]
    with ready.sessions() as session:
        application_id = session.scalars(select(Application.id).where(Application.number == number)).one()
    assert search_for_application(ready.sessions, ready, "test-job", application_id, "after_formalities")
    examiner_user = make_user("examiner", "KZ")
    dossier = client.get(f"/applications/{number}/dossier", headers=login(examiner_user)).json()
    stored = len(dossier["automated_searches"][0]["hits"])
    assert stored > 10  # the corpus holds more eligible documents than the smaller of the old two counts
    assert len(dossier["prior_art"]) == stored
    desk_login(client, examiner_user)
    panel = client.get(f"/desk/applications/{number}/prior-art", headers={"X-Desk-Partial": "1"}).text
    assert f"{stored} documents found." in panel
