"""The legal-event record: written with each transition, listed per application and state, append-only."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ctpo.db.engine import create_engine
from tests.factories import SEARCH_REPORT, Case, Factory
from tests.integration.test_examination import desk_case
from tests.integration.test_publications import run_publication_jobs
from workflows.states import ApplicationState

if TYPE_CHECKING:
    from ctpo.lib.settings import Settings


@pytest.fixture
def desk(factory: Factory) -> Case:
    return desk_case(factory)


def _codes(desk: Case, who: str = "applicant", query: str = "") -> list[str]:
    return [e["key_event"] for e in desk.get(who, f"/legal-events{query}")]


def test_events_follow_the_procedure(desk: Case, settings: Settings):
    (filed,) = desk.get("applicant", "/legal-events")
    assert filed["key_event"] == "A10"
    assert filed["category"] == "A"
    assert filed["category_title"] == "Application filed"
    assert (filed["status"], filed["phase"], filed["state"]) == ("pending", "application", None)
    assert filed["effective_date"] == desk.get("applicant", "")["filing_date"]

    desk.advance_to(ApplicationState.SEARCH)  # claim, formalities: procedure, not legal status
    assert _codes(desk) == ["A10"]
    desk.ok("examiner", "issue_search_report", SEARCH_REPORT)
    desk.pay("examination")  # a fee payment is a legal event of its own (U10)
    desk.ok("applicant", "request_examination")
    desk.ok("examiner", "issue_intention_to_grant")
    desk.ok("applicant", "request_early_publication")
    desk.ok("admin", "publish")
    run_publication_jobs(settings)  # the publication's Q10 is recorded with its rendered document's SHA-256
    desk.pay("grant_publication")
    desk.ok("applicant", "approve_grant_text")
    codes = ["A10", "D10", "U10", "D20", "Q10", "U10", "F10"]
    assert _codes(desk) == codes
    granted = desk.get("applicant", "/legal-events")[-1]
    assert (granted["status"], granted["phase"], granted["title"]) == ("in_force", "ip_right", "Patent granted")
    # events of the whole file concern every state
    assert _codes(desk, query="?state=kg") == codes
    # once published the file, and its legal status, are public
    assert _codes(desk, "stranger") == codes


def test_refused_transition_records_nothing(desk: Case):
    assert desk.act("applicant", "request_examination").status_code == 409
    assert _codes(desk) == ["A10"]


def test_unknown_state_is_a_problem_naming_the_field(desk: Case):
    response = desk.client.get(f"/applications/{desk.number}/legal-events?state=DE", headers=desk.headers["applicant"])
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "state"


def test_outsiders_do_not_see_an_unpublished_file(desk: Case):
    response = desk.client.get(f"/applications/{desk.number}/legal-events", headers=desk.headers["stranger"])
    assert response.status_code == 404


def test_withdrawal_is_recorded_with_its_reason(desk: Case):
    desk.ok("applicant", "withdraw", reason="No longer pursued")
    withdrawn = desk.get("applicant", "/legal-events")[-1]
    assert withdrawn["key_event"] == "B10"
    assert withdrawn["status"] == "not_in_force"
    assert withdrawn["payload"]["reason"] == "No longer pursued"


def test_the_record_is_append_only_in_the_database(desk: Case, database_url: str):
    async def tamper(statement: str) -> None:
        engine = create_engine(database_url)
        try:
            async with engine.begin() as conn:
                await conn.execute(text(statement))
        finally:
            await engine.dispose()

    for statement in ("UPDATE legal_events SET key_event = 'B10'", "DELETE FROM legal_events"):
        with pytest.raises(DBAPIError, match="append-only"):
            asyncio.run(tamper(statement))
    assert _codes(desk) == ["A10"]
