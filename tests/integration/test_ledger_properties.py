"""Property: any sequence of fundings, payments, refunds and reversals keeps every balance equal to the sum of its
ledger, every transaction balanced, no deposit below zero, and the money in the system equal to what came in."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ctpo.db.engine import create_sync_engine
from ctpo.db.migrate import upgrade
from ctpo.db.models import LedgerAccount, LedgerLeg, Role, User
from ctpo.domain.fees import ledger

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from sqlalchemy.engine import Engine

NOW = datetime(2027, 5, 4, 9, tzinfo=UTC)
TODAY = date(2027, 5, 4)
HOLDERS = 3

operation = st.one_of(
    st.tuples(st.just("fund"), st.integers(0, HOLDERS - 1), st.integers(1, 500_00)),
    st.tuples(st.just("pay"), st.integers(0, HOLDERS - 1), st.integers(1, 300_00)),
    st.tuples(st.just("bank_transfer"), st.integers(0, HOLDERS - 1), st.integers(1, 300_00)),
    st.tuples(st.just("reverse"), st.integers(0, 1_000), st.just(0)),
)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("ledger") / "ledger.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    engine = create_sync_engine(url)
    with Session(engine) as session, session.begin():
        for i in range(HOLDERS):
            session.add(
                User(
                    id=uuid.UUID(int=i + 1),
                    email=f"h{i}@x.example",
                    full_name="h",
                    password_hash="-",
                    role=Role.APPLICANT,
                )
            )
    yield engine
    engine.dispose()


def _apply(session: Session, op: tuple[str, int, int], posted: list[int], n: int) -> None:
    kind, who, cents = op
    holder = uuid.UUID(int=who % HOLDERS + 1)
    common: dict[str, Any] = {"created_by": holder, "at": NOW, "paid_on": TODAY, "result": {}, "method": "deposit"}
    revenue, office = ledger.revenue_account(session, "CTPO"), ledger.revenue_account(session, "KZ")
    deposit, outside = ledger.deposit_account(session, holder), ledger.external_account(session)
    half = cents // 2
    if kind == "fund":
        legs = [(outside, -cents), (deposit, cents)]
    elif kind == "pay":
        legs = [(deposit, -cents), (revenue, cents - half), (office, half)]
    elif kind == "bank_transfer":  # with an excess of a third, credited to the deposit account
        excess = cents // 3
        legs = [(outside, -cents), (revenue, cents - excess), (deposit, excess)]
    else:
        if not posted:
            return
        original = posted[who % len(posted)]
        rows = session.execute(
            select(LedgerLeg.account_id, LedgerLeg.amount_cents).where(LedgerLeg.transaction_id == original)
        ).all()
        accounts = {a.id: a for a in session.execute(select(LedgerAccount)).scalars()}
        legs = [(accounts[a], -c) for a, c in rows]
        common["reverses_id"] = original
    try:
        with session.begin_nested():  # one API request: all of it or nothing
            posted.append(ledger.post(session, legs=legs, kind=kind, reference=f"op-{n}", **common))
    except ledger.OverdrawError:
        pass  # refused whole: the deposit could not cover it
    except IntegrityError:
        assert "reverses_id" in common  # only a second reversal of one transaction may be refused so


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(operation, max_size=25))
# Found by this test in CI: a refused second reversal rolled back its savepoint after the balance UPDATE, and the
# session's stale copy of the account then disagreed with the ledger.
@example([("fund", 0, 1), ("fund", 0, 1), ("reverse", 0, 0), ("reverse", 0, 0), ("fund", 0, 1)])
def test_every_balance_is_the_sum_of_its_ledger(engine: Engine, operations: list[tuple[str, int, int]]):
    with Session(engine) as session:
        session.begin()
        posted: list[int] = []
        for n, op in enumerate(operations):
            _apply(session, op, posted, n)
        accounts = session.execute(select(LedgerAccount)).scalars().all()
        for account in accounts:
            assert account.balance_cents == ledger.ledger_sum(session, account.id), account.code
            if account.kind == ledger.DEPOSIT:
                assert account.balance_cents >= 0, account.code
        assert sum(a.balance_cents for a in accounts) == 0  # what left the outside world is inside, to the cent
        session.rollback()
