"""Surrender of a granted patent in one designated state, over HTTP: the holder's act, recorded as ST.27 H11."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.factories import SEARCH_REPORT
from tests.integration.test_examination import desk_case
from workflows.states import ApplicationState

if TYPE_CHECKING:
    from litestar.testing import TestClient

    from tests.factories import Factory


def test_the_holder_surrenders_one_state_and_keeps_the_others(client: TestClient[Any], factory: Factory) -> None:
    desk = desk_case(factory)
    path = f"/applications/{desk.number}/patent/states/KZ/surrender"
    assert client.post(path, headers=desk.headers["applicant"]).status_code == 404  # not granted yet
    desk.advance_to(ApplicationState.SEARCH)
    desk.ok("examiner", "issue_search_report", SEARCH_REPORT)
    desk.pay("examination")
    desk.ok("applicant", "request_examination")
    desk.ok("examiner", "issue_intention_to_grant")
    desk.ok("applicant", "request_early_publication")
    desk.ok("admin", "publish")
    desk.pay("grant_publication")
    desk.ok("applicant", "approve_grant_text")

    assert client.post(path, headers=desk.headers["admin"]).status_code == 403  # the holder's act, not the office's
    assert client.post(path, headers=desk.headers["stranger"]).status_code == 404
    surrendered = client.post(path, headers=desk.headers["applicant"])
    assert surrendered.status_code == 200, surrendered.text
    states = {s["state"]: s["status"] for s in surrendered.json()["states"]}
    assert states.pop("KZ") == "surrendered"
    assert set(states.values()) == {"in_force"}  # the four others
    kz_renewals = {r["status"] for r in surrendered.json()["renewals"] if r["scope"] == "KZ"}
    assert kz_renewals == {"closed"}  # no longer owed there
    (event,) = [e for e in desk.get("applicant", "/legal-events?state=KZ") if e["key_event"] == "H11"]
    assert (event["state"], event["status"]) == ("KZ", "not_in_force")
    again = client.post(path, headers=desk.headers["applicant"])
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "state"
    unknown = client.post(f"/applications/{desk.number}/patent/states/DE/surrender", headers=desk.headers["applicant"])
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "state"
