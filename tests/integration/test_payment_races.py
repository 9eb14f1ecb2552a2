"""Concurrent payments over HTTP on PostgreSQL: a deposit account is never overdrawn, a fee is never paid twice,
and every balance equals the sum of its ledger."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import TYPE_CHECKING

import httpx
import pytest
from sqlalchemy import text

from ctpo.db.engine import create_sync_engine
from tests.support import PASSWORD, application_payload, create_user, live_server

if TYPE_CHECKING:
    from pathlib import Path

DEBITS = 50
HTTP = httpx.Client(timeout=120)  # a loaded 2-core machine answers slowly, never wrongly
AFFORDABLE = 20


def _headers(base: str, email: str) -> dict[str, str]:
    token = HTTP.post(f"{base}/auth/login", json={"email": email, "password": PASSWORD}).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


async def _pay_all(
    base: str, headers: dict[str, str], bodies: list[tuple[str, dict[str, str]]]
) -> list[httpx.Response]:
    async with httpx.AsyncClient(base_url=base, timeout=120) as http:
        return await asyncio.gather(
            *(http.post(f"/applications/{number}/payments", json=body, headers=headers) for number, body in bodies)
        )


@pytest.mark.postgres
def test_fifty_concurrent_debits_never_overdraw(database_url: str, tmp_path: Path):
    if not database_url.startswith("postgresql"):
        pytest.skip("the race needs PostgreSQL's concurrent writers")
    owner = create_user(database_url, "applicant")
    admin = create_user(database_url, "office_admin", "KZ")
    env = {"CTPO_DATABASE_URL": database_url, "CTPO_DATA_DIR": str(tmp_path), "CTPO_SECRET_KEY": "p" * 40}
    with live_server(env, workers=1) as base:  # one process: 2 busy cores can starve a worker past its health check
        mine, staff = _headers(base, owner.email), _headers(base, admin.email)
        numbers = []
        for _ in range(DEBITS):
            filed = HTTP.post(f"{base}/applications", json=application_payload(), headers=mine)
            assert filed.status_code == 201, filed.text
            numbers.append(filed.json()["application_number"])
        fee = HTTP.get(f"{base}/applications/{numbers[0]}/fees", headers=mine).json()
        filing = Decimal(next(d["amount"] for d in fee if d["fee"] == "filing"))
        funded = HTTP.post(
            f"{base}/deposit-accounts/{owner.id}/credits",
            json={"reference": "race-fund", "amount": str(filing * AFFORDABLE), "currency": "EUR"},
            headers=staff,
        )
        assert funded.status_code == 200, funded.text

        # fifty filing fees of fifty files at once, from a deposit that covers twenty
        bodies = [
            (n, {"reference": f"race-{i}", "fee": "filing", "amount": str(filing), "currency": "EUR"})
            for i, n in enumerate(numbers)
        ]
        responses = asyncio.run(_pay_all(base, mine, bodies))
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200] * AFFORDABLE + [409] * (DEBITS - AFFORDABLE), [r.text for r in responses]
        refused = next(r for r in responses if r.status_code == 409).json()
        assert refused["errors"][0]["field"] == "amount"

        # ten payments of one search fee at once, each with its own reference: one lands, nine find it paid
        number = next(n for n, r in zip(numbers, responses, strict=True) if r.status_code == 200)
        search = Decimal(next(d["amount"] for d in fee if d["fee"] == "search"))
        HTTP.post(
            f"{base}/deposit-accounts/{owner.id}/credits",
            json={"reference": "race-fund-2", "amount": str(search * 10), "currency": "EUR"},
            headers=staff,
        )
        same_fee = [(number, {"reference": f"twice-{i}", "fee": "search", "amount": str(search)}) for i in range(10)]
        statuses = sorted(r.status_code for r in asyncio.run(_pay_all(base, mine, same_fee)))
        assert statuses == [200] + [422] * 9

        deposit = HTTP.get(f"{base}/deposit-accounts/me", headers=mine).json()
        assert deposit["balance"] == deposit["ledger_sum"] == str(search * 9)

    engine = create_sync_engine(database_url)
    with engine.connect() as conn:
        mismatched = conn.execute(
            text(
                "SELECT a.code FROM ledger_accounts a LEFT JOIN ledger_legs l ON l.account_id = a.id "
                "GROUP BY a.id, a.code, a.balance_cents HAVING a.balance_cents <> COALESCE(SUM(l.amount_cents), 0)"
            )
        ).all()
        unbalanced = conn.execute(
            text("SELECT transaction_id FROM ledger_legs GROUP BY transaction_id HAVING SUM(amount_cents) <> 0")
        ).all()
    engine.dispose()
    assert mismatched == []
    assert unbalanced == []
