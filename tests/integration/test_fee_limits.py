"""Fees drive the procedure over HTTP, under a controlled clock: the filing and search fees' month (EPC Rule 38(1),
Art. 78(2), Art. 90(3)) met by paying in time, or missed, deeming the application withdrawn on the right date."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy.orm import sessionmaker

from ctpo.db.engine import create_sync_engine
from ctpo.domain.examination.store import SqlWorkflowStore
from tests.support import application_payload, record_bank_transfer
from workflows.tasks import run_sweep

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from litestar import Litestar
    from litestar.testing import TestClient

FILED_AT = datetime(2026, 3, 10, 6, tzinfo=UTC)
"""11:00 in Almaty (UTC+5) on Tuesday 10 March 2026: the fees are due by Friday 10 April, 24:00 in Almaty."""
LAST_MOMENT = datetime(2026, 4, 10, 18, 59, tzinfo=UTC)
PASSED = datetime(2026, 4, 10, 19, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def store(database_url: str) -> Iterator[SqlWorkflowStore]:
    engine = create_sync_engine(database_url)
    yield SqlWorkflowStore(sessionmaker(engine, expire_on_commit=False))
    engine.dispose()


class File:
    def __init__(self, app: Litestar, client: TestClient[Any], make_user: Callable[..., Any], login: Any) -> None:
        self.clock = Clock(FILED_AT)
        app.state.clock = self.clock
        self.client = client
        self.owner, self.admin = login(make_user("applicant")), login(make_user("office_admin", "KZ"))
        filed = client.post("/applications", json=application_payload(), headers=self.owner)
        assert filed.status_code == 201, filed.text
        self.number = filed.json()["application_number"]

    def get(self, path: str) -> Any:
        response = self.client.get(f"/applications/{self.number}{path}", headers=self.owner)
        assert response.status_code == 200, response.text
        return response.json()

    def pay(self, fee: str) -> dict[str, Any]:
        return record_bank_transfer(self.client, self.number, fee, self.admin)


@pytest.fixture
def file(app: Litestar, client: TestClient[Any], make_user: Callable[..., Any], login: Any) -> File:
    return File(app, client, make_user, login)


def test_the_fee_limit_is_an_explained_deadline(file: File) -> None:
    (limit,) = [d for d in file.get("/deadlines") if d["kind"] == "pay_filing_fees"]
    assert (limit["due_date"], limit["on_expiry"], limit["satisfied_by"]) == (
        "2026-04-10",
        "deem_withdrawn",
        ["pay_filing_fees"],
    )
    assert [s["step"] for s in limit["explanation"]] == ["trigger", "period", "due_date", "expires_at"]
    assert limit["explanation"][0] == {"step": "trigger", "date": "2026-03-10", "detail": "date of filing"}


def test_fees_paid_in_time_meet_the_limit(file: File, store: SqlWorkflowStore) -> None:
    file.clock.now = LAST_MOMENT
    file.pay("filing")
    assert "pay_filing_fees" in [d["kind"] for d in file.get("/deadlines")]  # the search fee is still owed
    file.pay("search")
    assert "pay_filing_fees" not in [d["kind"] for d in file.get("/deadlines")]
    (met,) = [h for h in file.get("/history") if h["action"] == "pay_filing_fees"]
    assert (met["actor_id"], met["role"], met["to_state"]) == ("system:fees", "system", "filed")
    assert run_sweep(store, datetime(2026, 5, 1, tzinfo=UTC)).applied == []
    assert file.get("/state")["state"] == "filed"


def test_unpaid_fees_deem_the_application_withdrawn_on_the_due_date(file: File, store: SqlWorkflowStore) -> None:
    file.pay("filing")  # the search fee never comes
    assert run_sweep(store, LAST_MOMENT).applied == []
    file.clock.now = PASSED  # too late, though the sweep has not run yet: refused, nothing paid
    late = file.client.post(
        f"/applications/{file.number}/payments",
        json={
            "reference": "late-search",
            "fee": "search",
            "amount": next(d["amount"] for d in file.get("/fees") if d["fee"] == "search"),
            "currency": "EUR",
            "method": "bank_transfer",
            "bank_reference": "LATE",
        },
        headers=file.admin,
    )
    assert late.status_code == 409, late.text
    assert "2026-04-10" in late.json()["detail"]
    assert [p["fee"] for p in file.get("/payments")] == ["filing"]

    assert [e.action for e in run_sweep(store, PASSED).applied] == ["deem_withdrawn"]
    assert file.get("/state")["state"] == "deemed_withdrawn"
    (lost,) = [e for e in file.get("/legal-events") if e["key_event"] == "B11"]
    assert (lost["effective_date"], lost["state"]) == ("2026-04-10", None)
    (notice,) = [c for c in file.get("/communications") if c["kind"] == "loss_of_rights"]
    assert notice["reply_kind"] == "re_establishment"
    inbox = file.client.get("/inbox", headers=file.owner).json()
    assert notice["id"] in [c["id"] for c in inbox]
    assert "re_establishment" in [d["fee"] for d in file.get("/fees")]  # EPC Art. 122: the way back, for a fee
    request = {"payload": {"cause_removed_on": "2026-04-11", "grounds": "the bank lost the transfer order"}}
    unpaid = file.client.post(
        f"/applications/{file.number}/actions/request_re_establishment", json=request, headers=file.owner
    )
    assert unpaid.status_code == 409, unpaid.text
    assert (unpaid.json()["fee"], unpaid.json()["title"]) == ("re_establishment", "Fee not paid")
    assert run_sweep(store, PASSED).applied == []  # once


def test_pre_grant_renewals_keep_the_application_alive(file: File, store: SqlWorkflowStore) -> None:
    """EPC Art. 86(1), Rule 51: year 3 paid keeps it; year 4 unpaid after its grace period deems it withdrawn,
    with effect from the fee's due date (not a per-state lapse: there is no patent yet)."""
    file.pay("filing")
    file.pay("search")
    file.clock.now = datetime(2028, 2, 1, 6, tzinfo=UTC)  # year 3 due 31 March 2028, payable from 31 December
    (year3,) = [d for d in file.get("/fees") if d["fee"] == "renewal"]
    assert (year3["year"], year3["state"]) == (3, None)
    file.client.post(
        f"/applications/{file.number}/payments",
        json={
            "reference": "renewal-3",
            "fee": "renewal",
            "year": 3,
            "amount": year3["amount"],
            "currency": "EUR",
            "method": "bank_transfer",
            "bank_reference": "R3",
        },
        headers=file.admin,
    ).raise_for_status()
    assert [h["action"] for h in file.get("/history")][-1] == "pay_renewal_fee"
    (year4,) = [d for d in file.get("/deadlines") if d["kind"] == "pay_renewal_fee"]
    assert year4["due_date"] == "2029-10-01"  # grace end 30 September 2029, a Sunday: extended to Monday
    applied = run_sweep(store, datetime(2029, 10, 1, 18, 0, tzinfo=UTC)).applied  # 23:00 in Almaty
    assert [e.action for e in applied] == ["publish"]  # 18 months came first; the renewal's limit still runs
    assert [e.action for e in run_sweep(store, datetime(2029, 10, 1, 19, 0, tzinfo=UTC)).applied] == ["deem_withdrawn"]
    assert file.get("/state")["state"] == "deemed_withdrawn"
    (lost,) = [e for e in file.get("/legal-events") if e["key_event"] == "B11"]
    assert lost["effective_date"] == "2029-03-31"
    assert file.client.get(f"/applications/{file.number}/patent", headers=file.owner).status_code == 404
