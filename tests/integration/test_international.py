"""PCT regional-phase entry over HTTP (SQLite + PostgreSQL): in time, late, translated, searched, visible."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tests.support import application_payload
from workflows.deadlines import add_months
from workflows.offices import OFFICES, OfficeCode

if TYPE_CHECKING:
    from collections.abc import Callable

    from litestar.testing import TestClient

TODAY = OFFICES[OfficeCode.KZ].local_date(datetime.now(UTC))
SEARCH_REPORT = {
    "authority": "RU",
    "date": "2024-01-10",
    "citations": [
        {"document": "RU 2712345 C1", "category": "X", "claims": [1], "passage": "fig. 2"},
        {"document": "US 2019/0123456 A1", "category": "A", "claims": [1, 2]},
    ],
}


def months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, 28))


def pct_number() -> str:
    return f"PCT/KZ2024/{uuid.uuid4().int % 1_000_000:06d}"


def entry(filing_date: date, *, language: str = "ja", texts: str = "kk", **international: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "application_number": pct_number(),
        "filing_date": filing_date.isoformat(),
        "language": language,
        "search_report": SEARCH_REPORT,
    }
    body.update(international)
    return {"international": body, "application": application_payload(language=texts)}


def test_entry_in_time_with_translation_and_search_report(
    client: TestClient[Any], make_user: Callable[..., Any], login: Callable[[Any], dict[str, str]]
):
    applicant, examiner, stranger = make_user("applicant"), make_user("examiner", "KZ"), make_user("applicant")
    filed_on = months_before(TODAY, 20)
    response = client.post("/applications/pct-entry", json=entry(filed_on), headers=login(applicant))
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert receipt["filing_date"] == filed_on.isoformat()  # PCT Art. 11(3)
    number = receipt["application_number"]
    assert number.startswith(f"KZ-{TODAY.year}-")

    international = client.get(f"/applications/{number}/international", headers=login(examiner)).json()
    assert international["translation_language"] == "kk"
    assert [c["document"] for c in international["search_citations"]] == ["RU 2712345 C1", "US 2019/0123456 A1"]
    assert international["time_limit_due"] >= add_months(filed_on, 31).isoformat()
    assert international["time_limit"][0]["detail"] == "international filing date"
    history = client.get(f"/applications/{number}/history", headers=login(applicant)).json()
    assert [h["action"] for h in history] == ["enter_regional_phase"]
    # published in Japanese: not our publication; the translation is published here, and it is due already
    deadlines = client.get(f"/applications/{number}/deadlines", headers=login(applicant)).json()
    # nearest first: the overdue publication, the filing and search fees a month from entry, the next renewal fee
    assert [d["kind"] for d in deadlines] == ["publication", "pay_filing_fees", "pay_renewal_fee"]
    assert deadlines[0]["days_left"] < 0
    assert deadlines[1]["days_left"] > 0
    assert client.get(f"/applications/{number}/international", headers=login(stranger)).status_code == 404


def test_international_publication_in_a_working_language_is_ours(
    client: TestClient[Any], make_user: Callable[..., Any], login: Callable[[Any], dict[str, str]]
):
    applicant, stranger = make_user("applicant"), make_user("applicant")
    filed_on = months_before(TODAY, 20)
    body = entry(filed_on, language="en", texts="en", publication={"number": "WO 2024/123456", "date": "2024-07-25"})
    number = client.post("/applications/pct-entry", json=body, headers=login(applicant)).json()["application_number"]
    seen = client.get(f"/applications/{number}", headers=login(stranger))  # published: open to all (Art. 153(3))
    assert seen.status_code == 200
    assert seen.json()["publication_date"] == "2024-07-25"


def test_late_entry_without_re_establishment_is_refused_and_writes_nothing(
    client: TestClient[Any], make_user: Callable[..., Any], login: Callable[[Any], dict[str, str]]
):
    applicant = login(make_user("applicant"))
    priority = months_before(TODAY, 32)
    body = entry(add_months(priority, 11))
    body["application"]["priority_claims"] = [{"office": "JP", "number": "2023-123456", "date": priority.isoformat()}]
    late = client.post("/applications/pct-entry", json=body, headers=applicant)
    assert late.status_code == 409, late.text
    assert "31-month" in late.json()["detail"]
    assert client.get("/applications", headers=applicant).json() == []

    body["international"]["re_establishment"] = {
        "cause_removed_on": (TODAY - timedelta(days=10)).isoformat(),
        "grounds": "The docketing system lost the priority date; see the enclosed declaration.",
    }
    accepted = client.post("/applications/pct-entry", json=body, headers=applicant)
    assert accepted.status_code == 201, accepted.text
    number = accepted.json()["application_number"]
    assert client.get(f"/applications/{number}/international", headers=applicant).json()["re_establishment_requested"]
    again = client.post("/applications/pct-entry", json=body, headers=applicant)
    assert again.status_code == 409
    assert "already entered" in again.json()["detail"]


def test_language_rules(client: TestClient[Any], make_user: Callable[..., Any], login: Callable[[Any], dict[str, str]]):
    applicant = login(make_user("applicant"))
    mismatch = client.post(
        "/applications/pct-entry", json=entry(months_before(TODAY, 20), language="en", texts="kk"), headers=applicant
    )
    assert mismatch.status_code == 422
    assert mismatch.json()["errors"][0]["field"] == "application.language"
    future = client.post("/applications/pct-entry", json=entry(TODAY + timedelta(days=3)), headers=applicant)
    assert future.status_code == 422
    assert client.get("/applications", headers=applicant).json() == []


def test_desk_and_dossier_show_the_international_search_report_next_to_our_prior_art(
    client: TestClient[Any], make_user: Callable[..., Any], login: Callable[[Any], dict[str, str]]
):
    from tests.integration.test_desk import desk_login  # noqa: PLC0415 - the desk's own login helper

    applicant, examiner = make_user("applicant"), make_user("examiner", "KZ")
    body = entry(months_before(TODAY, 20))
    number = client.post("/applications/pct-entry", json=body, headers=login(applicant)).json()["application_number"]
    dossier = client.get(f"/applications/{number}/dossier", headers=login(examiner)).json()
    assert dossier["international"]["search_authority"] == "RU"
    desk_login(client, examiner)
    page = client.get(f"/desk/applications/{number}").text
    isr = page[page.index('id="international-search"') :]
    assert page.index('id="prior-art"') < page.index('id="international-search"')  # side by side, ours first
    assert "RU 2712345 C1" in isr
    assert "US 2019/0123456 A1" in isr
    assert body["international"]["application_number"] in isr
