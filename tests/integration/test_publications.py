"""Publication through the workflow: the ST.16 kind each path publishes, one number per application, gapless
numbers under concurrency, the rendered PDF stored content-addressed."""

from __future__ import annotations

import hashlib
import threading
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from ctpo.db.engine import create_sync_engine
from ctpo.db.models import Publication, utcnow
from ctpo.domain.examination.store import SqlWorkflowStore
from ctpo.domain.filings.storage import DocumentStore
from ctpo.domain.jobs import records
from ctpo.domain.jobs.runner import JobRunner
from ctpo.domain.publications.jobs import publication_job_bodies
from ctpo.domain.publications.numbering import next_publication_number
from ctpo.exchange.st96 import parse_st96, validate
from tests.support import application_payload, record_bank_transfer
from workflows.tasks import run_sweep

if TYPE_CHECKING:
    from collections.abc import Callable

    from litestar.testing import TestClient

    from ctpo.lib.settings import Settings

REPORT = {"citations": [{"document_id": "US 11,617,522 B2", "category": "X", "claims": [1], "passage": "claim 1"}]}


class Case:
    """One application and the people who act on it."""

    def __init__(self, client: TestClient[Any], users: dict[str, dict[str, str]], **overrides: Any) -> None:
        self.client, self.users = client, users
        filed = client.post("/applications", json=application_payload(**overrides), headers=users["applicant"])
        assert filed.status_code == 201, filed.text
        self.number = filed.json()["application_number"]

    def ok(self, who: str, *actions: str, payload: dict[str, Any] | None = None) -> None:
        for action in actions:
            response = self.client.post(
                f"/applications/{self.number}/actions/{action}",
                json={"payload": payload or {}},
                headers=self.users[who],
            )
            assert response.status_code == 200, response.text


@pytest.fixture
def users(make_user: Callable[..., Any], login: Callable[[Any], dict[str, str]]) -> dict[str, dict[str, str]]:
    return {
        "applicant": login(make_user("applicant")),
        "examiner": login(make_user("examiner", "KZ")),
        "admin": login(make_user("office_admin", "KZ")),
        "third": login(make_user("applicant")),
    }


def _publications(settings: Settings) -> list[tuple[str, str, str | None]]:
    engine = create_sync_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(Publication.number, Publication.kind, Publication.document_sha256).order_by(
                    Publication.created_at
                )
            )
            return [(r.number, r.kind, r.document_sha256) for r in rows]
    finally:
        engine.dispose()


def run_publication_jobs(settings: Settings) -> None:
    """Render every publication waiting for it (the tests do not run the background loop)."""
    engine = create_sync_engine(settings.database_url)
    try:
        sessions = sessionmaker(engine, expire_on_commit=False)
        runner = JobRunner(sessions, publication_job_bodies(sessions, DocumentStore(settings.storage_dir)))
        with sessions() as session, session.begin():
            keys = [j.key for j in records.due(session, utcnow(), 100) if j.name == "render_publication"]
        for key in keys:
            assert runner.run(key).status == "succeeded"
    finally:
        engine.dispose()


def _close_opposition_period(settings: Settings) -> None:
    """The deadline sweep, run as if nine months and a few days had passed since the grant."""
    engine = create_sync_engine(settings.database_url)
    try:
        store = SqlWorkflowStore(sessionmaker(engine, expire_on_commit=False))
        applied = run_sweep(store, utcnow() + timedelta(days=9 * 31 + 7)).applied
        assert applied, "the opposition period did not close"
    finally:
        engine.dispose()


def test_a2_a3_b1_b2_share_one_number(client: TestClient[Any], users: dict[str, dict[str, str]], settings: Settings):
    case = Case(client, users)
    case.ok("examiner", "claim", "begin_formalities_check", "complete_formalities")
    case.ok("applicant", "request_early_publication")
    case.ok("admin", "publish")  # before the search report: A2
    case.ok("examiner", "issue_search_report", payload=REPORT)  # after publication: A3
    record_bank_transfer(client, case.number, "examination", users["admin"])
    case.ok("applicant", "request_examination")
    case.ok("examiner", "issue_intention_to_grant")
    record_bank_transfer(client, case.number, "grant_publication", users["admin"])
    case.ok("applicant", "approve_grant_text")  # B1
    case.ok("third", "file_opposition", payload={"grounds": "Lack of novelty over D1."})
    published = _publications(settings)
    assert [kind for _, kind, _ in published] == ["A2", "A3", "B1"]
    assert {number for number, _, _ in published} == {"0000001"}
    # the opposition is decided once the 9 months (Art. 99(1) EPC) are over: amended claims, published as B2
    amended = {"claims": ["A liquid-cooled battery module limited to the features of claim 3.", "Dep."]}
    early = client.post(
        f"/applications/{case.number}/actions/maintain_as_amended",
        json={"payload": amended},
        headers=users["examiner"],
    )
    assert early.status_code == 409, early.text  # the opposition period is still running
    _close_opposition_period(settings)
    case.ok("examiner", "maintain_as_amended", payload=amended)
    published = _publications(settings)
    assert [kind for _, kind, _ in published] == ["A2", "A3", "B1", "B2"]
    assert {number for number, _, _ in published} == {"0000001"}

    run_publication_jobs(settings)
    store = DocumentStore(settings.storage_dir)
    published = _publications(settings)
    for _, _, digest in published:
        assert digest is not None
        assert store.get(digest).startswith(b"%PDF-")
    # each document's ST.27 event names it and its digest: Q10 for the A documents, Q20 for the patent
    events = client.get(f"/applications/{case.number}/legal-events", headers=users["applicant"]).json()
    documents = [
        (e["key_event"], e["payload"].get("citation"), e["document_sha256"]) for e in events if e["key_event"][0] == "Q"
    ]
    assert documents == [
        ("Q10", "XT 0000001 A2", published[0][2]),
        ("Q10", "XT 0000001 A3", published[1][2]),
        ("Q20", "XT 0000001 B1", published[2][2]),
        ("Q20", "XT 0000001 B2", published[3][2]),
    ]
    # the public register shows the B2 with the amended claims, as PDF and as ST.96
    entry = client.get(f"/register/{case.number}")
    assert "XT 0000001 B2" in entry.text
    pdf = client.get(f"/register/{case.number}/publications/B2")
    assert pdf.status_code == 200
    assert hashlib.sha256(pdf.content).hexdigest() == published[3][2]
    xml = client.get(f"/register/{case.number}/publications/B2/st96")
    assert validate(xml.content) == []
    b2 = parse_st96(xml.content)
    assert (b2.kind, b2.claims) == ("B2", tuple(amended["claims"]))
    run_publication_jobs(settings)  # a second run records nothing twice
    again = client.get(f"/applications/{case.number}/legal-events", headers=users["applicant"]).json()
    assert len(again) == len(events)


def test_search_report_before_publication_gives_a1(
    client: TestClient[Any], users: dict[str, dict[str, str]], settings: Settings
):
    first = Case(client, users)
    second = Case(client, users)
    for case in (second, first):  # published in the other order than filed: numbers follow publication
        case.ok("examiner", "claim", "begin_formalities_check", "complete_formalities")
        case.ok("examiner", "issue_search_report", payload=REPORT)
        case.ok("applicant", "request_early_publication")
        case.ok("admin", "publish")
    assert [(n, k) for n, k, _ in _publications(settings)] == [("0000001", "A1"), ("0000002", "A1")]


class _LostRaceError(Exception):
    pass


def test_numbers_are_gapless_when_publishing_transactions_race_and_some_roll_back(database_url: str):
    engine = create_sync_engine(database_url)
    sessions = sessionmaker(engine, expire_on_commit=False)
    committed: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(12)

    def publish(i: int) -> None:
        try:
            start.wait()
            for attempt in range(3):
                try:
                    with sessions() as session, session.begin():
                        number = int(next_publication_number(session))
                        if (i + attempt) % 3 == 0:
                            raise _LostRaceError  # noqa: TRY301
                except _LostRaceError:  # a lost compare-and-set: the transition rolled back with its number
                    continue
                with lock:
                    committed.append(number)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=publish, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    assert errors == []
    assert sorted(committed) == list(range(1, len(committed) + 1))
    assert len(committed) == 24


def test_corrections_keep_the_number_and_take_8_or_9(
    client: TestClient[Any],
    users: dict[str, dict[str, str]],
    settings: Settings,
    make_user: Callable[..., Any],
    login: Callable[[Any], dict[str, str]],
):
    case = Case(client, users)
    case.ok("examiner", "claim", "begin_formalities_check", "complete_formalities")
    case.ok("applicant", "request_early_publication")
    case.ok("admin", "publish")
    body = {"scope": "front_page", "reason": "Inventor's name misspelt"}
    url = "/publications/0000001/A2/corrections"
    foreign_admin = login(make_user("office_admin", "TR"))
    assert client.post(url, json=body, headers=users["applicant"]).status_code == 403
    assert client.post(url, json=body, headers=foreign_admin).status_code == 403
    assert client.post(url, json=body).status_code == 401
    assert client.post("/publications/0000009/A2/corrections", json=body, headers=users["admin"]).status_code == 404
    nul = client.post(url, json={**body, "reason": "bad\u0000reason"}, headers=users["admin"])
    assert nul.status_code == 422
    assert nul.json()["errors"][0]["field"] == "reason"
    bad = client.post(url, json={**body, "scope": "everything"}, headers=users["admin"])
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "scope"
    corrected = client.post(url, json=body, headers=users["admin"])
    assert corrected.status_code == 201, corrected.text
    assert corrected.json()["citation"] == "XT 0000001 A8"
    assert corrected.json()["corrects"] == "XT 0000001 A2"
    again = client.post(url, json={**body, "scope": "complete"}, headers=users["admin"])
    assert again.json()["citation"] == "XT 0000001 A9"
    run_publication_jobs(settings)
    assert [(n, k) for n, k, _ in _publications(settings)] == [("0000001", "A2"), ("0000001", "A8"), ("0000001", "A9")]
    assert all(digest for _, _, digest in _publications(settings))
