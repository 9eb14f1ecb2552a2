"""The life of a CTPO patent over HTTP under a controlled clock: three states, fees from a deposit account,
grant, renewals per state, a lapse after the grace period, expiry at 20 years; money adds up throughout."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import sessionmaker

from ctpo.db.engine import create_sync_engine
from ctpo.domain.fees.renewals import run_renewal_sweep
from tests.factories import SEARCH_REPORT
from tests.support import application_payload

if TYPE_CHECKING:
    from collections.abc import Callable

    from litestar import Litestar
    from litestar.testing import TestClient


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


class Life:
    def __init__(self, app: Litestar, client: TestClient[Any], make_user: Callable[..., Any], login: Any) -> None:
        self.clock = Clock(datetime(2026, 3, 10, 6, tzinfo=UTC))
        app.state.clock = self.clock
        self.client = client
        self.owner = make_user("applicant")
        self.headers = {
            "owner": login(self.owner),
            "examiner": login(make_user("examiner", "KZ")),
            "admin": login(make_user("office_admin", "KZ")),
        }
        filed = client.post("/applications", json=application_payload(), headers=self.headers["owner"])
        assert filed.status_code == 201, filed.text
        self.number = filed.json()["application_number"]
        self.refs = 0

    def call(self, who: str, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        response = self.client.request(method, path, headers=self.headers[who], **kwargs)
        assert response.status_code == expect, response.text
        return response.json()

    def act(self, who: str, action: str, payload: dict[str, Any] | None = None) -> Any:
        return self.call(who, "POST", f"/applications/{self.number}/actions/{action}", json={"payload": payload or {}})

    def due(self) -> list[dict[str, Any]]:
        return self.call("owner", "GET", f"/applications/{self.number}/fees")

    def pay(self, fee: str, state: str | None = None, year: int | None = None) -> dict[str, Any]:
        (due,) = [d for d in self.due() if (d["fee"], d["state"], d["year"]) == (fee, state, year)]
        self.refs += 1
        body = {"reference": f"life-{self.refs}", "fee": fee, "amount": due["amount"], "currency": "EUR"}
        body |= {"state": state, "year": year}
        return self.call("owner", "POST", f"/applications/{self.number}/payments", json=body)

    def at(self, *when: int) -> None:
        self.clock.now = datetime(*when, tzinfo=UTC)  # type: ignore[misc]


def test_life_of_a_patent(  # noqa: PLR0915 - one story, told in order
    app: Litestar, client: TestClient[Any], make_user: Callable[..., Any], login: Any, database_url: str
):
    life = Life(app, client, make_user, login)
    number = life.number
    # 1. designate three states (all five by default: two withdrawn), fund the deposit, pay the filing fees
    assert [d["state"] for d in life.call("owner", "GET", f"/applications/{number}/designations")] == [
        "AZ",
        "KG",
        "KZ",
        "TR",
        "UZ",
    ]
    for state in ("TR", "UZ"):
        life.call("owner", "POST", f"/applications/{number}/designations/{state}/withdraw")
    funded = life.call(
        "admin",
        "POST",
        f"/deposit-accounts/{life.owner.id}/credits",
        json={"reference": "fund-1", "amount": "30000.00", "currency": "EUR", "bank_reference": "KZ-BANK-77"},
    )
    assert funded["credited"] == "30000.00"
    assert {(d["fee"], d["state"]) for d in life.due()} >= {
        ("filing", None),
        ("search", None),
        ("designation", "AZ"),
        ("designation", "KG"),
        ("designation", "KZ"),
    }
    first = life.pay("filing")
    assert first["amount_due"] == "120.00"
    assert first["shares"] == {"CTPO": "60.00", "AZ": "20.00", "KG": "20.00", "KZ": "20.00"}
    life.pay("search")
    for state in ("AZ", "KG", "KZ"):
        life.pay("designation", state)
    # 2. search, publication, examination, grant
    life.act("examiner", "claim")
    life.act("examiner", "begin_formalities_check")
    life.act("examiner", "complete_formalities")
    life.act("examiner", "issue_search_report", SEARCH_REPORT)
    life.pay("examination")  # the request takes effect only once its fee is paid (EPC Art. 94(1))
    life.act("owner", "request_examination")
    life.act("examiner", "issue_intention_to_grant")
    life.act("owner", "request_early_publication")
    life.act("admin", "publish")
    life.pay("grant_publication")
    life.at(2026, 5, 4, 9)
    assert life.act("owner", "approve_grant_text")["state"] == "granted"
    patent = life.call("owner", "GET", f"/applications/{number}/patent")
    assert patent["number"].startswith("CTPO ")
    assert patent["expires_on"] == "2046-03-10"
    assert [(s["state"], s["status"]) for s in patent["states"]] == [
        ("AZ", "in_force"),
        ("KG", "in_force"),
        ("KZ", "in_force"),
    ]
    # 3. renewals for years 3 to 5 in AZ and KZ, none in KG (year 3 due 31 March 2028)
    for year in (3, 4, 5):
        life.at(2025 + year, 2, 1, 9)  # within the three months before the due date
        for state in ("AZ", "KZ"):
            paid = life.pay("renewal", state, year)
            assert paid["surcharge"] == "0.00"
    # 4. KG: grace period to 30 September 2028, a Saturday at the KZ office: extended to Monday 2 October
    sessions = sessionmaker(create_sync_engine(database_url), expire_on_commit=False)
    assert run_renewal_sweep(sessions, datetime(2028, 10, 2, 12, tzinfo=UTC)).lapsed == []
    life.at(2028, 10, 2, 12)
    (late,) = [d for d in life.due() if d["state"] == "KG"]
    assert Decimal(late["surcharge"]) == Decimal(late["amount"]) / 3  # 50 % on top of the fee
    report = run_renewal_sweep(sessions, datetime(2028, 10, 3, 12, tzinfo=UTC))
    assert [(state, year) for _, state, year in report.lapsed] == [("KG", 3)]
    assert run_renewal_sweep(sessions, datetime(2028, 10, 4, 12, tzinfo=UTC)).lapsed == []  # idempotent
    states = {s["state"]: s for s in life.call("owner", "GET", f"/applications/{number}/patent")["states"]}
    assert (states["KG"]["status"], states["KG"]["status_date"]) == ("lapsed", "2028-03-31")
    assert states["AZ"]["status"] == states["KZ"]["status"] == "in_force"
    kg = life.call("owner", "GET", f"/applications/{number}/legal-events?state=KG")
    assert [(e["key_event"], e["effective_date"]) for e in kg if e["state"] == "KG"][-1] == ("H10", "2028-03-31")
    # 5. the other two are renewed to the end; the patent expires 20 years after filing
    for year in range(6, 21):
        life.at(2025 + year, 2, 1, 9)
        for state in ("AZ", "KZ"):
            life.pay("renewal", state, year)
    assert run_renewal_sweep(sessions, datetime(2046, 3, 9, 12, tzinfo=UTC)).expired == 0
    assert run_renewal_sweep(sessions, datetime(2046, 3, 10, 12, tzinfo=UTC)).expired == 2
    states = {s["state"]: s for s in life.call("owner", "GET", f"/applications/{number}/patent")["states"]}
    assert {k: (v["status"], v["status_date"]) for k, v in states.items()} == {
        "AZ": ("expired", "2046-03-10"),
        "KG": ("lapsed", "2028-03-31"),
        "KZ": ("expired", "2046-03-10"),
    }
    events = life.call("owner", "GET", f"/applications/{number}/legal-events")
    assert sum(1 for e in events if e["key_event"] == "U11") == 36
    assert [e["state"] for e in events if e["key_event"] == "H12"] == ["AZ", "KZ"]
    # money is never created or lost: the deposit's balance is the sum of its ledger
    deposit = life.call("owner", "GET", "/deposit-accounts/me")
    assert deposit["balance"] == deposit["ledger_sum"]
    spent = sum(-Decimal(e["amount"]) for e in deposit["entries"] if Decimal(e["amount"]) < 0)
    assert Decimal(deposit["balance"]) == Decimal("30000.00") - spent
