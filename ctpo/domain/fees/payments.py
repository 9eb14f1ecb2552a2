"""Paying fees, funding deposit accounts, refunding: each one ledger transaction, idempotent by its reference.

Every function runs in the caller's (synchronous) transaction and either writes everything or raises before the
caller commits: a refused payment writes nothing. Money is counted in euro cents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec
from sqlalchemy import insert, select, update

from ctpo.db.models import Application, FeePayment, LedgerAccount, LedgerLeg, LedgerTransaction, Renewal, RenewalStatus
from ctpo.domain.fees import ledger, procedure
from ctpo.domain.fees import schemas as s
from ctpo.domain.fees.dues import Due, designated_offices, euros, fees_due
from ctpo.domain.fees.lifecycle import APPLICATION_SCOPE, open_renewal
from ctpo.domain.legal_status import record_legal_events
from ctpo.lib.errors import ConflictError, FieldError, InvalidRequestError, NotFoundError
from workflows import ApplicationState, OfficeCode
from workflows.fees import UNIT_OF_ACCOUNT, AmountError, Entitlement, FeeKind, FeeSchedules, parse_amount, split_revenue
from workflows.legal_status import KeyEvent, LegalEvent, status_in
from workflows.offices import OFFICES

if TYPE_CHECKING:
    import uuid
    from datetime import date, datetime
    from decimal import Decimal

    from sqlalchemy.orm import Session

    from workflows.deadlines import OfficeCalendar

DEPOSIT_METHOD = "deposit"
BANK_TRANSFER = "bank_transfer"

FEE_PAYMENT = "fee_payment"
FUNDING = "funding"
REFUND = "refund"
_ANSWERS: dict[str, type[s.LedgerAnswer]] = {FEE_PAYMENT: s.PaymentOut, FUNDING: s.FundingOut, REFUND: s.RefundOut}
"""The schema of the answer stored with each kind of ledger transaction."""

Answer = TypeVar("Answer", s.PaymentOut, s.RefundOut, s.FundingOut)


@dataclass(frozen=True, slots=True)
class PaymentOrder:
    """A request to pay one fee of one application."""

    reference: str
    fee: str
    amount: object
    currency: str
    method: str
    state: str | None = None
    year: int | None = None
    entitlement: str | None = None
    bank_reference: str | None = None


def answer_of(kind: str, stored: dict[str, Any]) -> s.LedgerAnswer:
    """The answer stored with a ledger transaction of ``kind``, as the API gave it when the act was made."""
    return msgspec.convert(stored, _ANSWERS[kind])


def previous_result(session: Session, reference: str) -> s.LedgerAnswer | None:
    """The answer already given for this reference, if any (a retried request gets it again)."""
    found = session.execute(
        select(LedgerTransaction.kind, LedgerTransaction.result).where(LedgerTransaction.reference == reference)
    ).first()
    return answer_of(found[0], found[1]) if found is not None else None


def previous_answer(session: Session, reference: str, expected: type[Answer]) -> Answer | None:
    """The answer already given for this reference to the same kind of act, if any.

    Raises:
        ConflictError: the reference was used for another kind of act (a payment's for a refund...): answering
            that act's result would tell the client its request was done.
    """
    previous = previous_result(session, reference)
    if previous is None or isinstance(previous, expected):
        return previous
    raise reference_reused()


def reference_reused() -> ConflictError:
    """A reference names one act; a request for another act with it is refused, naming the field."""
    return ConflictError(
        "This payment reference was used for another payment.",
        errors=[FieldError("reference", "already used: choose a new reference for a new payment")],
    )


def amount_cents(value: object, field: str = "amount") -> int:
    """A request amount in cents.

    Raises:
        InvalidRequestError: naming ``field`` and the rule the amount breaks.
    """
    try:
        return int(parse_amount(value) * 100)
    except AmountError as exc:
        raise InvalidRequestError("The amount cannot be accepted.", errors=[FieldError(field, str(exc))]) from None


def check_currency(currency: str) -> None:
    """Only the unit of account is accepted.

    Raises:
        InvalidRequestError: another currency, naming the field.
    """
    if currency != UNIT_OF_ACCOUNT:
        raise InvalidRequestError(
            f"Fees are paid in {UNIT_OF_ACCOUNT}.",
            errors=[FieldError("currency", f"{currency!r} is not accepted: the CTPO keeps its accounts in EUR")],
        )


def _parse_order(order: PaymentOrder) -> tuple[FeeKind, Entitlement | None, int]:
    check_currency(order.currency)
    try:
        kind = FeeKind(order.fee)
    except ValueError:
        raise InvalidRequestError(
            "No such fee.", errors=[FieldError("fee", f"{order.fee!r} is not one of {', '.join(FeeKind)}")]
        ) from None
    entitlement = None
    if order.entitlement is not None:
        try:
            entitlement = Entitlement(order.entitlement)
        except ValueError:
            raise InvalidRequestError(
                "No such entitlement to reduced fees.",
                errors=[FieldError("entitlement", f"one of {', '.join(Entitlement)}")],
            ) from None
    if order.method not in {DEPOSIT_METHOD, BANK_TRANSFER}:
        raise InvalidRequestError(
            "Pay from a deposit account or record a bank transfer.",
            errors=[FieldError("method", f"one of {DEPOSIT_METHOD}, {BANK_TRANSFER}")],
        )
    return kind, entitlement, amount_cents(order.amount)


def _matching_due(dues: list[Due], kind: FeeKind, order: PaymentOrder) -> Due:
    state = order.state.upper() if order.state else None
    for due in dues:
        if due.matches(kind, state, order.year):
            return due
    if kind is FeeKind.LATE_SURCHARGE:
        detail = "the late-payment surcharge is paid with the renewal fee it belongs to"
    else:
        owed = ", ".join(
            f"{d.fee}" + (f"/{d.state}" if d.state else "") + (f"/{d.year}" if d.year else "") for d in dues
        )
        detail = f"{kind}" + (f" for {state}" if state else "") + (f" year {order.year}" if order.year else "")
        detail += f" is not due now; due now: {owed or 'nothing'}"
    raise InvalidRequestError("This fee is not due.", errors=[FieldError("fee", detail)])


def _shares(session: Session, application: Application, due: Due, schedule_percent: Decimal) -> dict[str, int]:
    offices = [due.state] if due.state else designated_offices(session, application.id)
    if not offices:
        offices = [application.receiving_office]
    return split_revenue(due.amount_cents, schedule_percent, offices)


def lock_file(session: Session, application_id: uuid.UUID) -> None:
    """Take the application's row lock (PostgreSQL) or the write lock (SQLite) for the rest of the transaction.

    A no-op update: it serialises the payments of one file, so "is this fee still due?" and "pay it" happen as one.
    """
    session.execute(
        update(Application)
        .where(Application.id == application_id)
        .values(version=Application.version)
        .execution_options(synchronize_session=False)
    )


def pay_fee(
    session: Session,
    application: Application,
    order: PaymentOrder,
    *,
    payer_id: uuid.UUID,
    staff: bool,
    now: datetime,
    schedules: FeeSchedules,
    calendar: OfficeCalendar,
) -> s.PaymentOut:
    """Pay one fee due now; an excess goes to the applicant's deposit account.

    ``payer_id`` pays from their own deposit account (method ``deposit``); office staff record a bank transfer
    (method ``bank_transfer``) for the application, with the bank's reference.

    Raises:
        InvalidRequestError: wrong currency, malformed amount, unknown fee, fee not due, underpayment.
        ForbiddenError / ConflictError: see the service; OverdrawError: the deposit does not cover the fee.
    """
    previous = previous_answer(session, order.reference, s.PaymentOut)
    if previous is not None:
        return previous
    kind, entitlement, paid_cents = _parse_order(order)
    if order.method == BANK_TRANSFER and not staff:
        raise InvalidRequestError(
            "Bank transfers are recorded by office staff once the money has arrived.",
            errors=[FieldError("method", "pay from your deposit account")],
        )
    if order.method == BANK_TRANSFER and not order.bank_reference:
        raise InvalidRequestError(
            "A bank transfer is recorded with the bank's reference.",
            errors=[FieldError("bank_reference", "required for a bank transfer")],
        )
    lock_file(session, application.id)  # before reading what is due: two payments of one fee cannot both land
    office = OFFICES[OfficeCode(application.receiving_office)]
    today = office.local_date(now)
    schedule = schedules.in_force(today)
    due = _matching_due(fees_due(session, application, schedule, today, calendar, entitlement=entitlement), kind, order)
    if paid_cents < due.amount_cents:
        missing = euros(due.amount_cents - paid_cents)
        raise InvalidRequestError(
            f"Underpayment: {euros(due.amount_cents)} EUR is due, {missing} EUR is missing; nothing was paid.",
            errors=[FieldError("amount", f"{missing} EUR short of the {euros(due.amount_cents)} EUR due")],
            extra={"amount_due": euros(due.amount_cents), "missing": missing},
        )
    shares = _shares(session, application, due, schedule.organization_percent)
    legs: list[tuple[Any, int]] = [(ledger.revenue_account(session, party), cents) for party, cents in shares.items()]
    excess = paid_cents - due.amount_cents
    if order.method == DEPOSIT_METHOD:
        legs.append((ledger.deposit_account(session, payer_id), -due.amount_cents))
        excess = 0  # only what is due leaves the deposit account
    else:
        legs.append((ledger.external_account(session), -paid_cents))
        if excess:
            legs.append((ledger.deposit_account(session, application.owner_id), excess))
    result = s.PaymentOut(
        reference=order.reference,
        application_number=application.number,
        fee=kind.value,
        state=due.state,
        year=due.year,
        quantity=due.quantity,
        amount_due=euros(due.amount_cents),
        surcharge=euros(due.surcharge_cents),
        paid=euros(paid_cents if order.method == BANK_TRANSFER else due.amount_cents),
        excess_to_deposit=euros(excess),
        currency=UNIT_OF_ACCOUNT,
        method=order.method,
        paid_on=today,
        schedule_from=due.schedule_from,
        shares={party: euros(cents) for party, cents in shares.items()},
    )
    transaction_id = ledger.post(
        session,
        legs=legs,
        kind=FEE_PAYMENT,
        reference=order.reference,
        method=order.method,
        created_by=payer_id,
        at=now,
        paid_on=today,
        result=msgspec.to_builtins(result),
        application_id=application.id,
        bank_reference=order.bank_reference,
    )
    session.execute(
        insert(FeePayment).values(
            transaction_id=transaction_id,
            application_id=application.id,
            fee=kind.value,
            state=due.state,
            year=due.year,
            quantity=due.quantity,
            amount_cents=due.amount_cents,
            schedule_from=due.schedule_from,
        )
    )
    if kind is FeeKind.RENEWAL and due.year is not None:
        scope = due.state or APPLICATION_SCOPE
        session.execute(
            update(Renewal)
            .where(
                Renewal.application_id == application.id,
                Renewal.scope == scope,
                Renewal.year == due.year,
                Renewal.status == RenewalStatus.OPEN,
            )
            .values(status=RenewalStatus.PAID)
        )
        open_renewal(session, application, scope, due.year + 1)
    procedure.after_payment(session, application.id, kind, due.state, now)  # may meet a fee time limit
    status, phase = status_in(ApplicationState(application.state))
    key = KeyEvent.RENEWAL_FEE_PAID if kind is FeeKind.RENEWAL else KeyEvent.FEE_PAID
    payload = {
        "reference": result.reference,
        "fee": result.fee,
        "year": result.year,
        "amount_due": result.amount_due,
        "currency": result.currency,
        "method": result.method,
    }
    state_code = OfficeCode(due.state) if due.state else None
    record_legal_events(
        session,
        application.id,
        [LegalEvent(key, status, phase, today, state=state_code, payload=payload)],
        recorded_at=now,
    )
    return result


def fund_deposit(
    session: Session,
    *,
    holder_id: uuid.UUID,
    reference: str,
    amount: object,
    currency: str,
    bank_reference: str | None,
    staff_id: uuid.UUID,
    now: datetime,
    today: date,
) -> s.FundingOut:
    """Credit a holder's deposit account with money the office received (recorded by office staff).

    Raises:
        InvalidRequestError: wrong currency or malformed amount, naming the field.
    """
    previous = previous_answer(session, reference, s.FundingOut)
    if previous is not None:
        return previous
    check_currency(currency)
    cents = amount_cents(amount)
    deposit = ledger.deposit_account(session, holder_id)
    result = s.FundingOut(
        reference=reference,
        holder_id=str(holder_id),
        credited=euros(cents),
        currency=UNIT_OF_ACCOUNT,
        bank_reference=bank_reference,
        recorded_on=today,
    )
    ledger.post(
        session,
        legs=[(ledger.external_account(session), -cents), (deposit, cents)],
        kind=FUNDING,
        reference=reference,
        method=BANK_TRANSFER,
        created_by=staff_id,
        at=now,
        paid_on=today,
        result=msgspec.to_builtins(result),
        bank_reference=bank_reference,
    )
    return result


def refund_payment(
    session: Session, *, payment_reference: str, reference: str, staff_id: uuid.UUID, now: datetime, today: date
) -> s.RefundOut:
    """Reverse a fee payment with a new transaction: the shares go back to where the money came from.

    The fee becomes unpaid again. A payment is refunded once; the refund is itself idempotent by ``reference``.

    Raises:
        NotFoundError: no fee payment has that reference.
        ConflictError: it was already refunded.
    """
    previous = previous_answer(session, reference, s.RefundOut)
    if previous is not None:
        return previous
    original = session.execute(
        select(LedgerTransaction).where(
            LedgerTransaction.reference == payment_reference, LedgerTransaction.kind == FEE_PAYMENT
        )
    ).scalar_one_or_none()
    if original is None:
        raise NotFoundError(f"There is no fee payment with reference {payment_reference}.")
    if session.execute(select(LedgerTransaction.id).where(LedgerTransaction.reverses_id == original.id)).first():
        raise ConflictError(f"The payment {payment_reference} was already refunded.")
    legs_rows = session.execute(
        select(LedgerLeg.account_id, LedgerLeg.amount_cents).where(LedgerLeg.transaction_id == original.id)
    ).all()
    accounts = {a.id: a for a in _accounts(session, [row[0] for row in legs_rows])}
    revenue_legs = [(accounts[a], -c) for a, c in legs_rows if accounts[a].kind == ledger.REVENUE]
    refunded = -sum(c for _, c in revenue_legs)
    source = (
        ledger.deposit_account(session, original.created_by)
        if original.method == DEPOSIT_METHOD
        else ledger.external_account(session)
    )
    result = s.RefundOut(
        reference=reference,
        refunds=payment_reference,
        refunded=euros(refunded),
        currency=UNIT_OF_ACCOUNT,
        to="deposit" if original.method == DEPOSIT_METHOD else "bank",
        recorded_on=today,
    )
    ledger.post(
        session,
        legs=[*revenue_legs, (source, refunded)],
        kind=REFUND,
        reference=reference,
        method=original.method,
        created_by=staff_id,
        at=now,
        paid_on=today,
        result=msgspec.to_builtins(result),
        application_id=original.application_id,
        reverses_id=original.id,
    )
    if original.application_id is not None:
        payment = session.execute(select(FeePayment).where(FeePayment.transaction_id == original.id)).scalar_one()
        application = session.get(Application, original.application_id)
        assert application is not None  # noqa: S101 - a foreign key
        status, phase = status_in(ApplicationState(application.state))
        event = LegalEvent(
            KeyEvent.FEE_REFUNDED,
            status,
            phase,
            today,
            state=OfficeCode(payment.state) if payment.state else None,
            payload={"reference": reference, "refunds": payment_reference, "fee": payment.fee, "year": payment.year},
        )
        record_legal_events(session, application.id, [event], recorded_at=now)
        if payment.fee == FeeKind.RENEWAL.value and payment.year is not None:
            scope = payment.state or APPLICATION_SCOPE
            session.execute(
                update(Renewal)
                .where(
                    Renewal.application_id == application.id,
                    Renewal.scope == scope,
                    Renewal.year == payment.year,
                    Renewal.status == RenewalStatus.PAID,
                )
                .values(status=RenewalStatus.OPEN)
            )
    return result


def _accounts(session: Session, ids: list[int]) -> list[LedgerAccount]:
    return list(session.execute(select(LedgerAccount).where(LedgerAccount.id.in_(ids))).scalars())
