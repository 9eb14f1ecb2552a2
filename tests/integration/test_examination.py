"""The shared examination workflow over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ctpo.db.engine import create_engine
from tests.factories import SEARCH_REPORT, Case, Factory
from tests.support import application_payload
from workflows.states import ApplicationState

if TYPE_CHECKING:
    from collections.abc import Callable

    from litestar import Litestar
    from litestar.testing import TestClient


Desk = Case
"""One application and its actors: the applicant, two examiners and the administrator of the receiving office (KZ),
an examiner of another office and a stranger."""


def desk_case(factory: Factory) -> Case:
    case = factory.application()
    case.actors.update(
        examiner2=factory.actor("examiner", "KZ"),
        foreign_examiner=factory.actor("examiner", "TR"),
        stranger=factory.actor("applicant"),
    )
    return case


@pytest.fixture
def desk(factory: Factory) -> Case:
    return desk_case(factory)


def _to_search(desk: Case) -> None:
    desk.advance_to(ApplicationState.SEARCH)


def test_filing_opens_the_case(desk: Desk):
    history = desk.get("applicant", "/history")
    assert [(h["seq"], h["action"], h["from_state"], h["to_state"]) for h in history] == [(1, "file", None, "filed")]
    deadlines = desk.get("applicant", "/deadlines")
    # nearest first: the filing and search fees in a month (EPC Rule 38), publication, the first renewal fee
    assert [d["kind"] for d in deadlines] == ["pay_filing_fees", "publication", "pay_renewal_fee"]
    steps = [s["step"] for s in deadlines[0]["explanation"]]
    assert steps[0] == "trigger"
    assert steps[-1] == "expires_at"
    state = desk.get("applicant", "/state")
    assert state["state"] == "filed"
    assert "withdraw" in state["allowed_actions"]
    assert "claim" in desk.get("examiner", "/state")["allowed_actions"]


def test_whole_procedure_to_grant(desk: Desk):
    _to_search(desk)
    desk.ok("examiner", "issue_search_report", SEARCH_REPORT)
    report = desk.get("applicant", "/procedural-documents?kind=search_report")
    assert [c["document_id"] for c in report[0]["body"]["citations"]] == ["TR2019/01234 A1", "US11617522B2"]
    assert [c["categories"] for c in report[0]["body"]["citations"]] == [["X"], ["Y"]]

    desk.pay("examination")
    desk.ok("applicant", "request_examination")
    desk.ok(
        "examiner",
        "issue_office_action",
        {"objections": [{"claims": [1], "ground": "novelty", "reasoning": "D1 discloses claim 1."}]},
    )
    kinds = [d["kind"] for d in desk.get("applicant", "/deadlines")]
    assert "respond_to_office_action" in kinds
    desk.ok(
        "applicant",
        "respond_to_office_action",
        {"arguments": "Claim 1 now requires liquid cooling.", "amended_claims": ["Liquid-cooled module.", "Dep."]},
    )
    file = desk.get("applicant", "")
    assert [(v["version"], v["current"]) for v in file["claim_sets"]] == [(1, False), (2, True)]
    assert [(c["number"], c["text"]) for c in file["claims"]] == [(1, "Liquid-cooled module."), (2, "Dep.")]
    assert [c["text"] for c in file["claim_sets"][0]["claims"]] == ["Батарея модулі.", "1-тармақ бойынша модуль."]
    docs = [d["kind"] for d in desk.get("examiner", "/procedural-documents")]
    assert docs == ["search_report", "office_action", "office_action_response"]
    dossier = desk.get("examiner", "/dossier")
    (round_,) = dossier["office_action_rounds"]
    assert round_["office_action"]["body"]["objections"][0]["ground"] == "novelty"
    assert round_["response"]["body"]["arguments"].startswith("Claim 1 now")
    assert round_["claims_before"] == ["Батарея модулі.", "1-тармақ бойынша модуль."]
    assert round_["claims_after"] == ["Liquid-cooled module.", "Dep."]
    assert dossier["state"]["state"] == "examination"
    assert [h["seq"] for h in dossier["history"]] == list(range(1, len(dossier["history"]) + 1))

    desk.ok("examiner", "issue_intention_to_grant")
    refused = desk.act("applicant", "approve_grant_text")
    assert refused.status_code == 409  # not yet published
    desk.ok("applicant", "request_early_publication")
    desk.ok("admin", "publish")
    desk.pay("grant_publication")
    assert desk.ok("applicant", "approve_grant_text")["state"] == "granted"

    history = desk.get("applicant", "/history")
    assert [h["seq"] for h in history] == list(range(1, len(history) + 1))
    assert history[-1]["to_state"] == "granted"
    assert all(len(h["payload_digest"]) == 64 for h in history)
    assert "opposition_period" in [d["kind"] for d in desk.get("applicant", "/deadlines")]
    # after publication the file is open to public inspection, and third parties may oppose
    assert desk.get("stranger", "")["state"] == "granted"
    assert desk.ok("stranger", "file_opposition", {"grounds": "Lack of novelty over D1."})["state"] == "opposition"


def test_examination_request_and_grant_need_their_fees(desk: Desk):
    """EPC Art. 94(1) and Rule 70(1): no request without its fee; Rule 71(3) and (7): no grant without its fee."""
    _to_search(desk)
    desk.ok("examiner", "issue_search_report", SEARCH_REPORT)
    history = desk.get("applicant", "/history")
    unpaid = desk.act("applicant", "request_examination")
    assert unpaid.status_code == 409, unpaid.text
    problem = unpaid.json()
    assert (problem["title"], problem["fee"], problem["currency"]) == ("Fee not paid", "examination", "EUR")
    assert problem["errors"] == [{"field": "fee", "message": f"examination: {problem['amount_due']} EUR unpaid"}]
    due = next(d["amount"] for d in desk.get("applicant", "/fees") if d["fee"] == "examination")
    assert problem["amount_due"] == due
    assert "Art. 94(1)" in problem["detail"]
    assert desk.get("applicant", "/history") == history  # nothing recorded
    desk.pay("examination")
    desk.ok("applicant", "request_examination")
    desk.ok("examiner", "issue_intention_to_grant")
    desk.ok("applicant", "request_early_publication")
    desk.ok("admin", "publish")
    unpaid = desk.act("applicant", "approve_grant_text")
    assert unpaid.status_code == 409, unpaid.text
    assert unpaid.json()["fee"] == "grant_publication"
    assert "Rule 71(3)" in unpaid.json()["detail"]
    assert desk.get("applicant", "/state")["state"] == "intention_to_grant"
    desk.pay("grant_publication")
    assert desk.ok("applicant", "approve_grant_text")["state"] == "granted"


def test_illegal_transition_says_what_is_allowed(desk: Desk):
    response = desk.act("applicant", "request_examination")
    assert response.status_code == 409
    body = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert body["state"] == "filed"
    assert "withdraw" in body["allowed_actions"]
    assert "request_examination" not in body["allowed_actions"]
    unknown = desk.act("examiner", "teleport")
    assert unknown.status_code == 404
    assert unknown.json()["title"] == "No such action"
    assert "claim" in unknown.json()["allowed_actions"]


def test_roles_offices_and_claims_are_enforced(desk: Desk):
    assert desk.act("applicant", "claim").status_code == 403  # applicants do not examine
    assert desk.act("foreign_examiner", "claim").status_code == 404  # unpublished: invisible to other offices
    assert desk.act("stranger", "withdraw").status_code == 404
    desk.ok("examiner", "claim")
    assert desk.act("examiner2", "begin_formalities_check").status_code == 403  # held by another examiner
    assert desk.get("applicant", "/history")[-1]["action"] == "claim"


def test_invalid_payload_is_422_and_changes_nothing(desk: Desk):
    _to_search(desk)
    before = desk.get("examiner", "/history")
    citation = {"document_id": "EP 1234567 A1", "category": "Q", "claims": [1], "passage": "p. 3"}
    response = desk.act("examiner", "issue_search_report", {"citations": [citation]})
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "payload.citations[0].category"
    assert "category must be ST.14 letters" in error["message"]
    response = desk.act("examiner", "issue_search_report", {"citations": [{"document_id": "D1", "category": "X"}]})
    assert response.status_code == 422  # the schema names every missing field of the citation
    assert {e["field"] for e in response.json()["errors"]} == {
        "payload.citations[0].claims",
        "payload.citations[0].passage",
    }
    assert desk.get("examiner", "/history") == before
    assert desk.get("examiner", "/state")["state"] == "search"


def test_withdrawal_is_final(desk: Desk):
    assert desk.ok("applicant", "withdraw", reason="No longer pursued")["state"] == "withdrawn"
    assert desk.get("applicant", "/deadlines") == []
    assert desk.get("applicant", "/state")["allowed_actions"] == []
    assert desk.act("applicant", "withdraw").status_code == 409


def test_history_is_append_only_in_the_database(desk: Desk, database_url: str):
    async def tamper(statement: str) -> None:
        engine = create_engine(database_url)
        try:
            async with engine.begin() as conn:
                await conn.execute(text(statement))
        finally:
            await engine.dispose()

    for statement in ("UPDATE application_history SET reason = 'edited'", "DELETE FROM application_history"):
        with pytest.raises(DBAPIError, match="append-only"):
            asyncio.run(tamper(statement))
    assert len(desk.get("applicant", "/history")) == 1


def test_calendar_closure_moves_running_deadlines(desk: Desk):
    _to_search(desk)
    desk.ok("examiner", "issue_search_report", SEARCH_REPORT)
    desk.pay("examination")
    desk.ok("applicant", "request_examination")
    desk.ok("examiner", "issue_office_action", {"objections": [{"claims": [1], "ground": "clarity", "reasoning": "?"}]})
    kind = "respond_to_office_action"
    due = next(d for d in desk.get("applicant", "/deadlines") if d["kind"] == kind)["due_date"]
    history_before = len(desk.get("applicant", "/history"))

    closed = desk.client.put(
        f"/offices/KZ/calendar/{due}",
        json={"kind": "closure", "reason": "Emergency closure"},
        headers=desk.headers["admin"],
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["deadlines_moved"] >= 1
    moved = next(d for d in desk.get("applicant", "/deadlines") if d["kind"] == kind)
    assert moved["due_date"] > due
    assert any("Emergency closure" in step["detail"] for step in moved["explanation"])
    history = desk.get("applicant", "/history")
    assert len(history) == history_before + 1

    reopened = desk.client.delete(f"/offices/KZ/calendar/{due}", headers=desk.headers["admin"])
    assert reopened.status_code == 200
    back = next(d for d in desk.get("applicant", "/deadlines") if d["kind"] == kind)
    assert back["due_date"] == due

    assert (
        desk.client.put(
            f"/offices/KZ/calendar/{due}", json={"kind": "closure", "reason": "x"}, headers=desk.headers["examiner"]
        ).status_code
        == 403
    )
    assert (
        desk.client.put(
            f"/offices/TR/calendar/{due}", json={"kind": "closure", "reason": "x"}, headers=desk.headers["admin"]
        ).status_code
        == 404
    )


def test_queue_is_ordered_by_deadline_and_filtered(
    app: Litestar, client: TestClient[Any], make_user: Callable[..., Any], login: Callable[[Any], dict[str, str]]
):
    applicant, examiner = login(make_user("applicant")), login(make_user("examiner", "KZ"))
    numbers = []
    for i, (priority, ipc) in enumerate([("2026-03-01", "H01M 10/613"), (None, "B60L 58/26"), ("2026-01-10", "H01M")]):
        app.state.clock = lambda day=12 - i: datetime(2026, 3, day, 9, tzinfo=UTC)  # later filings, earlier days
        priorities = [{"office": "TR", "number": f"P{i}", "date": priority}] if priority else []
        payload = application_payload(priority_claims=priorities, ipc=[ipc])
        numbers.append(client.post("/applications", json=payload, headers=applicant).json()["application_number"])
    queue = client.get("/offices/KZ/queue", headers=examiner).json()
    # the filing fees' month (EPC Rule 38(1)) is every new file's nearest time limit: the last filed is due first
    assert [q["application_number"] for q in queue] == [numbers[2], numbers[1], numbers[0]]
    assert [q["next_deadline"] for q in queue] == ["2026-04-10", "2026-04-13", "2026-04-13"]  # 11-12 Apr: a weekend
    assert all(q["next_deadline_kind"] == "pay_filing_fees" for q in queue)
    h01m = client.get("/offices/KZ/queue", params={"ipc": "H01M"}, headers=examiner).json()
    assert [q["application_number"] for q in h01m] == [numbers[2], numbers[0]]
    assert client.get("/offices/KZ/queue", params={"state": "search"}, headers=examiner).json() == []
    assert client.get("/offices/KZ/queue", headers=applicant).status_code == 403
    assert client.get("/offices/TR/queue", headers=examiner).status_code == 404


def test_assignment_names_an_examiner_who_reads_the_files_language(desk: Desk):
    foreign = str(desk.users["foreign_examiner"].id)
    assert desk.act("admin", "assign", {"examiner_id": foreign}).status_code == 422  # declared no language
    assert desk.act("admin", "assign", {"examiner_id": "not-a-uuid"}).status_code == 422
    examiner = str(desk.users["examiner2"].id)
    assert desk.act("admin", "assign", {"examiner_id": examiner}).status_code == 422  # not yet: reads nothing
    declared = desk.client.put(
        f"/examiners/{examiner}/profile", json={"languages": ["kk"]}, headers=desk.headers["admin"]
    )
    assert declared.status_code == 200
    desk.ok("admin", "assign", {"examiner_id": examiner})
    assert desk.get("admin", "/state")["claimed_by"] == examiner


def _cite(document_id: str, claims: list[int]) -> dict[str, Any]:
    return {"document_id": document_id, "category": "X", "claims": claims, "passage": "page 1"}


def test_a_search_report_cites_only_claims_on_file_and_documents_that_can_be_cited(desk: Desk, client: TestClient[Any]):
    """A report citing claims 1-2 of a one-claim file, or any text as a document, was accepted (first-time user)."""
    _to_search(desk)
    other = client.post("/applications", json=application_payload(), headers=desk.headers["applicant"])
    unpublished = other.json()["application_number"]
    before = desk.get("examiner", "/history")
    impossible = {
        "citations": [
            _cite("EP 1234567 A1", [1, 3]),  # the file has claims 1 and 2
            _cite("see the internet", [1]),  # not an identifier, not a document of the corpus
            _cite("QQ 1234567 A1", [1]),  # QQ is no ST.3 code
            _cite("KZ-2026-999999", [1]),  # no such application at this office
            _cite(unpublished, [2]),  # exists, but secret until published
            _cite("XT 0000999 A1", [1]),  # no such CTPO publication
        ]
    }
    response = desk.act("examiner", "issue_search_report", impossible)
    assert response.status_code == 422, response.text
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert errors.keys() == {
        "payload.citations[0].claims",
        "payload.citations[1].document_id",
        "payload.citations[2].document_id",
        "payload.citations[3].document_id",
        "payload.citations[4].document_id",
        "payload.citations[5].document_id",
    }
    assert "claim 3 is not in the current claim set (claims 1-2)" in errors["payload.citations[0].claims"]
    assert "not published" in errors["payload.citations[4].document_id"]
    assert desk.get("examiner", "/history") == before
    # ST.14 spellings of patent documents, national publications of member states included, are accepted
    citable = [_cite("EP 1234567 A1", [1, 2]), _cite("US 11,617,522 B2", [2]), _cite("TR2019/01234 A1", [1])]
    desk.ok("examiner", "issue_search_report", {"citations": citable})


def test_an_office_action_objects_only_to_claims_on_file(desk: Desk):
    _to_search(desk)
    desk.ok("examiner", "issue_search_report", SEARCH_REPORT)
    desk.pay("examination")
    desk.ok("applicant", "request_examination")
    objection = {"claims": [2, 5], "ground": "novelty", "reasoning": "D1."}
    response = desk.act("examiner", "issue_office_action", {"objections": [objection]})
    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert error["field"] == "payload.objections[0].claims"
    assert "claim 5" in error["message"]
