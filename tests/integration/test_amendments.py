"""Amended claims meet the filing's rules; claim sets come back as versions; the desk compares them cheaply.

Before: ``respond_to_office_action`` took 5,002 claims, a 100,000-character claim, U+202E, BEL and ESC; the file
listed every claim set in one flat list; and the desk compared claim versions with an unbounded quadratic diff in
the event loop (a 10,000-word amended claim held the process for 11 s).
"""

from __future__ import annotations

import asyncio
import difflib
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import insert, select, update

from ctpo.db.engine import create_sync_engine
from ctpo.db.models import Application, Claim
from ctpo.desk import views
from tests.integration.test_desk import desk_login
from tests.integration.test_examination import desk_case
from tests.unit.workflows.test_texts import HOSTILE_CLAIM_SETS
from workflows.states import ApplicationState

if TYPE_CHECKING:
    from collections.abc import Callable

    from litestar.testing import TestClient

    from tests.factories import Case, Factory


@pytest.fixture
def in_office_action(factory: Factory) -> Case:
    desk = desk_case(factory)
    desk.advance_to(ApplicationState.SEARCH)
    desk.ok("examiner", "issue_search_report", {"citations": []})
    desk.pay("examination")
    desk.ok("applicant", "request_examination")
    desk.ok("examiner", "issue_office_action", {"objections": [{"claims": [1], "ground": "clarity", "reasoning": "?"}]})
    return desk


def test_hostile_amendments_are_refused_naming_the_claim_and_change_nothing(in_office_action: Case):
    desk = in_office_action
    before = (desk.get("applicant", ""), desk.get("applicant", "/history"))
    wrong = []
    for case, claims in HOSTILE_CLAIM_SETS.items():
        if case == "lone surrogate":
            continue  # not JSON-encodable by the client; the JSON decoder refuses it (hostile-input table)
        response = desk.act("applicant", "respond_to_office_action", {"arguments": "See.", "amended_claims": claims})
        if response.status_code != 422:
            wrong.append(f"{case}: {response.status_code} {response.text[:200]}")
            continue
        fields = [e["field"] for e in response.json()["errors"]]
        if not all(f.startswith("payload.amended_claims") for f in fields):
            wrong.append(f"{case}: fields {fields}")
    assert wrong == []
    assert (desk.get("applicant", ""), desk.get("applicant", "/history")) == before


def test_a_reason_with_invisible_characters_is_refused(in_office_action: Case):
    for reason in ("Per\u202e request", "Per\u061c request", "Per\u200b request", "ring\x07"):
        response = desk_response = in_office_action.act("applicant", "withdraw", {}, reason=reason)
        assert response.status_code in {400, 422}, (reason, desk_response.text)


def test_numbered_amendments_are_stored_once_and_the_file_lists_claim_sets_as_versions(in_office_action: Case):
    desk = in_office_action
    desk.ok(
        "applicant",
        "respond_to_office_action",
        {"arguments": "Narrowed.", "amended_claims": ["1. A cooled module.", "2. The module of claim 1."]},
    )
    file = desk.get("applicant", "")
    assert [(c["number"], c["text"]) for c in file["claims"]] == [
        (1, "A cooled module."),
        (2, "The module of claim 1."),
    ]
    versions = [(v["version"], v["current"], [c["number"] for c in v["claims"]]) for v in file["claim_sets"]]
    assert versions == [(1, False, [1, 2]), (2, True, [1, 2])]
    refused = desk.act("applicant", "respond_to_office_action", {"arguments": "x", "amended_claims": ["2. A."]})
    assert refused.status_code in {409, 422}


def test_a_filing_numbered_inside_the_text_is_stored_without_the_number(
    client: TestClient[Any], make_user: Callable[..., Any], login: Callable[..., Any]
):
    headers = login(make_user("applicant"))
    payload = {
        "receiving_office": "KZ",
        "language": "en",
        "title": "Module",
        "abstract": "A module.",
        "description": "A module.",
        "claims": [{"number": 1, "text": "1. A module."}, {"number": 2, "text": "2) The module of claim 1."}],
        "applicants": [{"name": "A", "country": "KZ", "address": "Astana"}],
    }
    filed = client.post("/applications", json=payload, headers=headers)
    assert filed.status_code == 201, filed.text
    file = client.get(f"/applications/{filed.json()['application_number']}", headers=headers).json()
    assert [c["text"] for c in file["claims"]] == ["A module.", "The module of claim 1."]
    payload["claims"] = [{"number": 1, "text": "2. A module."}]
    refused = client.post("/applications", json=payload, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "claims[0].text"


def test_comparing_claim_versions_is_bounded_whatever_their_size(monkeypatch: pytest.MonkeyPatch):
    weighed: list[int] = []
    real = difflib.SequenceMatcher

    def spy(*args: Any, **kwargs: Any) -> difflib.SequenceMatcher[str]:
        weighed.append(len(kwargs.get("a", [])) * len(kwargs.get("b", [])))
        return real(*args, **kwargs)

    monkeypatch.setattr(difflib, "SequenceMatcher", spy)
    before = " ".join(f"w{i % 97}" for i in range(10_000))
    after = " ".join(f"w{i % 97}" if i % 50 else "CHANGED" for i in range(10_000))
    versions = views.claim_versions({1: [before] * 20, 2: [after] * 20}, 2)
    assert sum(weighed) <= views.PAGE_DIFF_BUDGET
    assert all(w <= views.DIFF_BUDGET for w in weighed)
    row = versions.claims[0]
    assert row.changes is not None
    shown_after = " ".join(s.text for s in row.changes if s.kind != "removed")
    assert shown_after.split() == after.split()  # the comparison still shows the whole new text
    shown_before = " ".join(s.text for s in row.changes if s.kind != "added")
    assert shown_before.split() == before.split()


def test_the_desk_compares_claims_off_the_event_loop(
    client: TestClient[Any], in_office_action: Case, database_url: str, monkeypatch: pytest.MonkeyPatch
):
    desk = in_office_action
    desk.ok("applicant", "respond_to_office_action", {"arguments": "A.", "amended_claims": ["A cooled module."]})
    # a 10,000-word claim stored before the limits existed (written to the database directly)
    engine = create_sync_engine(database_url)
    with engine.begin() as conn:
        app_id = conn.execute(select(Application.id).where(Application.number == desk.number)).scalar_one()
        long_claim = " ".join(f"word{i % 300}" for i in range(10_000))
        conn.execute(update(Claim).where(Claim.application_id == app_id, Claim.claim_set == 2).values(text=long_claim))
        conn.execute(insert(Claim).values(application_id=app_id, claim_set=2, number=2, text=long_claim[::-1]))
    engine.dispose()
    threads: list[bool] = []
    real = views.claim_versions

    def spy(*args: Any) -> views.ClaimVersions:
        try:
            asyncio.get_running_loop()
            threads.append(False)  # called on the event loop
        except RuntimeError:
            threads.append(True)
        return real(*args)

    monkeypatch.setattr(views, "claim_versions", spy)
    desk_login(client, desk.users["examiner"])
    page = client.get(f"/desk/applications/{desk.number}")
    assert page.status_code == 200, page.text
    assert threads == [True]
    assert "word299" in page.text
