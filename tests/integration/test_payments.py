"""Payments over HTTP: bad input names the field and writes nothing; references are idempotent; refunds reverse;
bank transfers credit the excess to the deposit account; revenue is reported per office, as JSON and CSV."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy.orm import sessionmaker

from ctpo.db.engine import create_sync_engine
from ctpo.domain.fees.renewals import run_renewal_sweep
from tests.support import application_payload
from workflows.fees import load_schedules, schedule_to_data

if TYPE_CHECKING:
    from collections.abc import Callable

    from litestar.testing import TestClient


class Office:
    def __init__(self, client: TestClient[Any], make_user: Callable[..., Any], login: Any) -> None:
        self.client = client
        self.owner = make_user("applicant")
        self.headers = {"owner": login(self.owner), "admin": login(make_user("office_admin", "KZ"))}
        filed = client.post("/applications", json=application_payload(), headers=self.headers["owner"])
        assert filed.status_code == 201
        self.number = filed.json()["application_number"]

    def post(self, who: str, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(path, json=body, headers=self.headers[who])

    def get(self, who: str, path: str) -> Any:
        response = self.client.get(path, headers=self.headers[who])
        assert response.status_code == 200, response.text
        return response.json()

    def fund(self, amount: str, reference: str = "fund-1") -> Any:
        return self.post(
            "admin", f"/deposit-accounts/{self.owner.id}/credits", {"reference": reference, "amount": amount}
        )

    def pay(self, **body: Any) -> Any:
        return self.post("owner", f"/applications/{self.number}/payments", {"currency": "EUR"} | body)

    def snapshot(self) -> tuple[Any, ...]:
        return (
            self.get("owner", f"/applications/{self.number}/payments"),
            self.get("owner", "/deposit-accounts/me"),
            self.get("owner", f"/applications/{self.number}/legal-events"),
        )


@pytest.fixture
def office(client: TestClient[Any], make_user: Callable[..., Any], login: Any) -> Office:
    return Office(client, make_user, login)


@pytest.mark.parametrize(
    ("body", "status", "field", "words"),
    [
        ({"fee": "teleport", "amount": "10.00"}, 422, "fee", "not one of"),
        ({"fee": "examination", "amount": "1200.00"}, 422, "fee", "not due"),
        ({"fee": "late_surcharge", "amount": "10.00"}, 422, "fee", "renewal fee"),
        ({"fee": "renewal", "year": 3, "amount": "110.00"}, 422, "fee", "not due"),
        ({"fee": "filing", "amount": "120.00", "currency": "USD"}, 422, "currency", "EUR"),
        ({"fee": "filing", "amount": "0"}, 422, "amount", "more than zero"),
        ({"fee": "filing", "amount": "-120.00"}, 422, "amount", "more than zero"),
        ({"fee": "filing", "amount": "twelve"}, 422, "amount", "not a decimal"),
        ({"fee": "filing", "amount": "120.001"}, 422, "amount", "two decimals"),
        ({"fee": "filing", "amount": 120.0}, 422, "amount", "decimal string"),
        ({"fee": "filing", "amount": "119.99"}, 422, "amount", "0.01 EUR short"),
        ({"fee": "filing", "amount": "120.00", "method": "cash"}, 422, "method", "deposit"),
        ({"fee": "search", "amount": "950.00"}, 409, "amount", "exceeds the deposit balance"),
    ],
)
def test_bad_payments_name_the_field_and_write_nothing(
    office: Office, body: dict[str, Any], status: int, field: str, words: str
):
    assert office.fund("500.00").status_code == 200
    before = office.snapshot()
    response = office.pay(reference="bad-1", **body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    (error,) = response.json()["errors"]
    assert error["field"] == field
    assert words in error["message"]
    assert office.snapshot() == before


def test_same_reference_returns_the_first_result(office: Office):
    office.fund("1000.00")
    first = office.pay(reference="pay-1", fee="filing", amount="120.00")
    assert first.status_code == 200
    again = office.pay(reference="pay-1", fee="filing", amount="120.00")
    other_body = office.pay(reference="pay-1", fee="search", amount="950.00")
    assert again.json() == other_body.json() == first.json()
    deposit = office.get("owner", "/deposit-accounts/me")
    assert deposit["balance"] == deposit["ledger_sum"] == "880.00"
    assert office.fund("1000.00").json() == office.fund("1.00").json()  # funding too: the first result


def test_a_reference_names_one_act(office: Office):
    """A funding's reference sent with a refund (or a payment's with a funding) is refused, and nothing is written:
    answering the other act's result told the client its refund (or credit) was made."""
    office.fund("200.00", reference="fund-1")
    office.pay(reference="pay-1", fee="filing", amount="120.00")
    before = office.snapshot()
    for response in (
        office.post("admin", "/payments/pay-1/refund", {"reference": "fund-1"}),
        office.fund("5.00", reference="pay-1"),
        office.pay(reference="fund-1", fee="search", amount="950.00"),
    ):
        assert response.status_code == 409, response.text
        assert response.json()["errors"][0]["field"] == "reference"
    assert office.snapshot() == before


def test_refund_reverses_and_the_fee_is_due_again(office: Office):
    office.fund("200.00")
    office.pay(reference="pay-1", fee="filing", amount="120.00")
    assert "filing" not in [d["fee"] for d in office.get("owner", f"/applications/{office.number}/fees")]
    refund = office.post("admin", "/payments/pay-1/refund", {"reference": "refund-1"})
    assert refund.status_code == 200, refund.text
    assert refund.json()["refunded"] == "120.00"
    assert office.post("admin", "/payments/pay-1/refund", {"reference": "refund-1"}).json() == refund.json()
    twice = office.post("admin", "/payments/pay-1/refund", {"reference": "refund-2"})
    assert twice.status_code == 409
    assert "filing" in [d["fee"] for d in office.get("owner", f"/applications/{office.number}/fees")]
    deposit = office.get("owner", "/deposit-accounts/me")
    assert deposit["balance"] == deposit["ledger_sum"] == "200.00"
    events = [e["key_event"] for e in office.get("owner", f"/applications/{office.number}/legal-events")]
    assert events[-2:] == ["U10", "Y10"]


def test_bank_transfer_excess_goes_to_the_deposit_and_revenue_is_shared(office: Office):
    transfer = office.post(
        "admin",
        f"/applications/{office.number}/payments",
        {
            "reference": "bank-1",
            "fee": "search",
            "amount": "1000.00",
            "method": "bank_transfer",
            "bank_reference": "HALYK-42",
        },
    )
    assert transfer.status_code == 200, transfer.text
    assert transfer.json()["excess_to_deposit"] == "50.00"
    assert office.get("owner", "/deposit-accounts/me")["balance"] == "50.00"
    missing_reference = office.post(
        "admin",
        f"/applications/{office.number}/payments",
        {"reference": "bank-2", "fee": "filing", "amount": "120.00", "method": "bank_transfer"},
    )
    assert missing_reference.json()["errors"][0]["field"] == "bank_reference"
    report = office.get("admin", "/offices/KZ/revenue?from=2000-01-01&to=2100-01-01")
    shares = {(r["party"], r["fee"]): r["amount"] for r in report}
    # 950.00 at 2026-2027 rates: the organization keeps its share, the five designated offices split the rest
    assert sum(float(a) for (party, _), a in shares.items()) > 0
    assert set(shares) == {("CTPO", "search"), ("KZ", "search")}
    csv = office.client.get(
        "/offices/KZ/revenue?from=2000-01-01&to=2100-01-01&format=csv", headers=office.headers["admin"]
    )
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.splitlines()
    assert lines[0] == "office,from,to,party,fee,payments,amount,currency"
    assert len(lines) == 3


def test_a_schedule_dated_in_the_past_is_refused(office: Office):
    data = schedule_to_data(load_schedules().schedules[-1])
    response = office.post("admin", "/fees/schedules", data | {"effective_from": "2020-01-01"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "effective_from"
    broken = office.post("admin", "/fees/schedules", data | {"effective_from": "2099-01-01", "fees": {"filing": "1"}})
    assert broken.status_code == 422
    assert broken.json()["errors"][0]["field"] == "fees.search"
    published = office.post("admin", "/fees/schedules", data | {"effective_from": "2099-01-01"})
    assert published.status_code == 201, published.text
    dates = [s["effective_from"] for s in office.get("owner", "/fees/schedules")]
    assert dates[-1] == "2099-01-01"


def test_unpaid_designations_are_deemed_withdrawn_after_one_month(office: Office, database_url: str):
    office.fund("100.00")
    assert office.pay(reference="kz", fee="designation", state="KZ", amount="80.00").status_code == 200
    filed = date.fromisoformat(office.get("owner", f"/applications/{office.number}")["filing_date"])
    sessions = sessionmaker(create_sync_engine(database_url), expire_on_commit=False)
    noon = datetime.combine(filed, time(12), tzinfo=UTC)
    assert run_renewal_sweep(sessions, noon + timedelta(days=20)).designations_withdrawn == []  # within the month
    later = noon + timedelta(days=45)  # a month, extended over any closed days, has passed
    report = run_renewal_sweep(sessions, later)
    assert sorted(state for _, state in report.designations_withdrawn) == ["AZ", "KG", "TR", "UZ"]
    assert run_renewal_sweep(sessions, later).designations_withdrawn == []  # idempotent
    designations = {d["state"]: d["status"] for d in office.get("owner", f"/applications/{office.number}/designations")}
    assert designations == {
        "AZ": "deemed_withdrawn",
        "KG": "deemed_withdrawn",
        "KZ": "active",
        "TR": "deemed_withdrawn",
        "UZ": "deemed_withdrawn",
    }
    events = office.get("owner", f"/applications/{office.number}/legal-events?state=TR")
    assert events[-1]["key_event"] == "B11"
    assert events[-1]["payload"]["explanation"][0]["step"] == "trigger"
