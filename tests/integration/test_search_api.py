"""Prior-art search through the API with the real bundled model, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy.orm import sessionmaker

from ctpo.db.engine import create_sync_engine
from ctpo.domain.prior_art.corpus import upsert_documents
from ctpo.domain.prior_art.runtime import SearchRuntime
from search.embedder import load_embedder
from search.engine import Document
from tests.support import application_payload

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from litestar import Litestar
    from litestar.testing import TestClient

    from search.embedder import SentenceTransformerEmbedder

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
def embedder(tmp_path_factory: pytest.TempPathFactory) -> SentenceTransformerEmbedder:
    # converted once per test process, in the folder the search unit tests use too
    return load_embedder("bundled:multilingual-e5-small", tmp_path_factory.getbasetemp() / "ctpo-data")


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
    assert client.get("/search/status").json() == {"ready": True, "indexed": 3, "pending": 0, "error": None}
    headers = login(make_user("examiner", "KZ"))

    kazakh = "Литий-ионды батарея ұяшықтарының арасындағы алюминий салқындату пластиналары"
    hits = client.post("/search", json={"text": kazakh, "k": 3}, headers=headers).json()
    assert {h["document_id"] for h in hits[:2]} == {"TR2025/000111", "US2026/0099"}
    top = hits[0]
    assert top["passage"]["text"]
    assert "semantic" in top["found_by"]
    assert top["title"]

    before = client.post("/search", json={"text": kazakh, "before": PRIORITY.isoformat()}, headers=headers).json()
    assert "US2026/0099" not in [h["document_id"] for h in before]
    only_en = client.post("/search", json={"text": kazakh, "languages": ["en"]}, headers=headers).json()
    assert [h["document_id"] for h in only_en] == ["US2026/0099"]
    solar = client.post("/search", json={"text": kazakh, "ipc_prefix": "H02S"}, headers=headers).json()
    assert [h["document_id"] for h in solar] == ["KZ2024/0042"]
    # the lexical channel folds scripts: Cyrillic Kazakh query, Latin Kazakh document
    robot = client.post("/search", json={"text": "Күн панелін тазалайтын робот", "k": 1}, headers=headers).json()
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
    hits = client.post("/search", json={"text": title, "k": 10}, headers=admin).json()
    assert number not in [h["document_id"] for h in hits]

    ok = client.post(f"/applications/{number}/actions/request_early_publication", json={}, headers=applicant)
    assert ok.status_code == 200, ok.text
    assert client.post(f"/applications/{number}/actions/publish", json={}, headers=admin).status_code == 200
    assert ready.catch_up() == 1  # the published application entered the corpus by itself
    hits = client.post("/search", json={"text": title, "k": 3}, headers=admin).json()
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
        found = client.post("/search", json={"text": text["title"], "k": 20}, headers=headers).json()
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
