"""The double-entry ledger: transactions whose legs sum to zero, balances that never go below zero on deposits.

Written synchronously once (the API calls it through ``AsyncSession.run_sync``, the renewal sweep directly). A
debit is a conditional ``UPDATE ... SET balance = balance - x WHERE id = ? AND balance >= x``: the database applies
it atomically under the row lock (PostgreSQL re-checks the condition after waiting for a concurrent writer; SQLite
has one writer), so fifty concurrent debits can neither overdraw nor lose an update, without a retry loop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ctpo.db.models import LedgerAccount, LedgerLeg, LedgerTransaction
from ctpo.lib.errors import ConflictError, FieldError
from workflows.fees import ORGANIZATION

if TYPE_CHECKING:
    import uuid
    from collections.abc import Sequence
    from datetime import date, datetime

    from sqlalchemy.orm import Session

EXTERNAL = "external"
DEPOSIT = "deposit"
REVENUE = "revenue"


class OverdrawError(ConflictError):
    """A debit larger than the deposit account's balance; nothing was written."""

    title = "Insufficient funds"


def deposit_code(holder_id: uuid.UUID) -> str:
    """The ledger code of a holder's deposit account."""
    return f"{DEPOSIT}:{holder_id}"


def revenue_code(party: str) -> str:
    """The ledger code of the organization's (``CTPO``) or one office's revenue account."""
    return f"{REVENUE}:{party}"


def account(
    session: Session, code: str, kind: str, *, holder_id: uuid.UUID | None = None, office: str | None = None
) -> LedgerAccount:
    """The account with ``code``, created on first use (two requests creating it at once both get the one row)."""
    found = session.execute(select(LedgerAccount).where(LedgerAccount.code == code)).scalar_one_or_none()
    if found is not None:
        return found
    try:
        with session.begin_nested():
            session.execute(
                insert(LedgerAccount).values(code=code, kind=kind, holder_id=holder_id, office=office, balance_cents=0)
            )
    except IntegrityError:
        pass  # created concurrently: read it below
    return session.execute(select(LedgerAccount).where(LedgerAccount.code == code)).scalar_one()


def deposit_account(session: Session, holder_id: uuid.UUID) -> LedgerAccount:
    """A holder's deposit account (created empty on first use)."""
    return account(session, deposit_code(holder_id), DEPOSIT, holder_id=holder_id)


def revenue_account(session: Session, party: str) -> LedgerAccount:
    """The revenue account of the organization or of one office."""
    return account(session, revenue_code(party), REVENUE, office=party if party != ORGANIZATION else None)


def external_account(session: Session) -> LedgerAccount:
    """The outside world: bank transfers come from it and refunds go to it."""
    return account(session, EXTERNAL, EXTERNAL)


def post(
    session: Session,
    *,
    legs: Sequence[tuple[LedgerAccount, int]],
    kind: str,
    reference: str,
    method: str,
    created_by: uuid.UUID,
    at: datetime,
    paid_on: date,
    result: dict[str, Any],
    application_id: uuid.UUID | None = None,
    reverses_id: int | None = None,
    bank_reference: str | None = None,
) -> int:
    """Append one transaction and its legs, moving the balances, in the caller's transaction.

    Raises:
        ValueError: the legs do not sum to zero (a bug: money would be created or lost).
        OverdrawError: a deposit account would go below zero; the caller must roll back.
    """
    if sum(cents for _, cents in legs) != 0:
        raise ValueError("the legs of a transaction must sum to zero")
    merged: dict[int, int] = {}
    by_id = {}
    for acct, cents in legs:
        merged[acct.id] = merged.get(acct.id, 0) + cents
        by_id[acct.id] = acct
    for account_id in sorted(merged):  # one lock order for every transaction: no deadlock between two payers
        cents = merged[account_id]
        if cents == 0:
            continue
        statement = update(LedgerAccount).where(LedgerAccount.id == account_id)
        if by_id[account_id].kind == DEPOSIT and cents < 0:
            statement = statement.where(LedgerAccount.balance_cents >= -cents)
        moved = session.execute(
            statement.values(balance_cents=LedgerAccount.balance_cents + cents).execution_options(
                synchronize_session=False
            )
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            balance = session.execute(
                select(LedgerAccount.balance_cents).where(LedgerAccount.id == account_id)
            ).scalar_one()
            raise OverdrawError(
                f"The deposit account holds {balance / 100:.2f} EUR; {-cents / 100:.2f} EUR cannot be debited.",
                errors=[FieldError("amount", f"exceeds the deposit balance of {balance / 100:.2f} EUR")],
            )
        # The UPDATE ran in SQL, so the session's copy of the account is stale: without this, a balance read later
        # in the same session (a receipt, or after a savepoint rolled this back) shows money that is not there.
        session.expire(by_id[account_id], ["balance_cents"])
    transaction_id = session.execute(
        insert(LedgerTransaction)
        .values(
            kind=kind,
            reference=reference,
            application_id=application_id,
            reverses_id=reverses_id,
            method=method,
            bank_reference=bank_reference,
            created_by=created_by,
            created_at=at,
            paid_on=paid_on,
            result=result,
        )
        .returning(LedgerTransaction.id)
    ).scalar_one()
    session.execute(
        insert(LedgerLeg),
        [
            {"transaction_id": transaction_id, "account_id": acct.id, "amount_cents": cents, "created_at": at}
            for acct, cents in legs
            if cents != 0
        ],
    )
    return int(transaction_id)


def ledger_sum(session: Session, account_id: int) -> int:
    """The sum of an account's legs: what its balance must equal."""
    return int(
        session.execute(
            select(func.coalesce(func.sum(LedgerLeg.amount_cents), 0)).where(LedgerLeg.account_id == account_id)
        ).scalar_one()
    )
