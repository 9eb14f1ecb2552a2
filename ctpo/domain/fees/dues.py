"""Which fees an application owes now, and how much: the one place that answers "is this fee due?"."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import aliased

from ctpo.db.models import (
    Claim,
    Designation,
    FeePayment,
    LedgerTransaction,
    PublishedFeeSchedule,
    Renewal,
    RenewalStatus,
)
from ctpo.domain.fees.lifecycle import ACTIVE, APPLICATION_SCOPE
from workflows import ApplicationState, OfficeCode
from workflows.fees import (
    FREE_CLAIMS,
    Entitlement,
    FeeKind,
    FeeSchedule,
    FeeSchedules,
    RenewalCharge,
    load_schedules,
    parse_schedule,
    renewal_window,
)

if TYPE_CHECKING:
    import uuid
    from datetime import date

    from sqlalchemy.orm import Session

    from ctpo.db.models import Application
    from workflows.deadlines import OfficeCalendar

S = ApplicationState
_PENDING = frozenset(
    {S.FILED, S.FORMALITIES_CHECK, S.FORMALITIES_DEFICIENT, S.SEARCH, S.SEARCH_REPORT_ISSUED, S.EXAMINATION}
    | {S.OFFICE_ACTION, S.INTENTION_TO_GRANT}
)
_EXAMINATION_FEE_STATES = frozenset({S.SEARCH_REPORT_ISSUED, S.EXAMINATION, S.OFFICE_ACTION, S.INTENTION_TO_GRANT})
_ALIVE = _PENDING | {S.GRANTED, S.OPPOSITION, S.MAINTAINED, S.MAINTAINED_AMENDED}


@dataclass(frozen=True, slots=True)
class Due:
    """One fee the application owes now."""

    fee: FeeKind
    amount_cents: int
    schedule_from: date
    state: str | None = None
    year: int | None = None
    quantity: int = 1
    surcharge_cents: int = 0
    """Included in ``amount_cents``: the late-payment surcharge of a renewal fee in its grace period."""
    details: dict[str, Any] = field(default_factory=dict)

    def matches(self, fee: FeeKind, state: str | None, year: int | None) -> bool:
        """Whether a payment for ``fee``/``state``/``year`` is for this due."""
        return self.fee is fee and self.state == state and self.year == year


def euros(cents: int) -> str:
    """Cents as a decimal string of euros."""
    return str((Decimal(cents) / 100).quantize(Decimal("0.01")))


@functools.lru_cache(maxsize=1)
def shipped_schedules() -> FeeSchedules:
    """The schedules of ``workflows/fees/schedules.toml`` (read once per process)."""
    return load_schedules()


def fee_schedules(session: Session) -> FeeSchedules:
    """The shipped schedules and those office administrators published."""
    rows: list[dict[str, Any]] = list(session.execute(select(PublishedFeeSchedule.data)).scalars())
    return load_schedules(extra=[parse_schedule(data) for data in rows]) if rows else shipped_schedules()


def _cents(amount: Decimal | int) -> int:
    return int(Decimal(amount) * 100)


def paid_fees(session: Session, application_id: uuid.UUID) -> set[tuple[str, str | None, int | None]]:
    """``(fee, state, year)`` of every payment of the application that was not refunded."""
    reversal = aliased(LedgerTransaction)
    rows = session.execute(
        select(FeePayment.fee, FeePayment.state, FeePayment.year).where(
            FeePayment.application_id == application_id,
            ~exists(select(reversal.id).where(reversal.reverses_id == FeePayment.transaction_id)),
        )
    ).all()
    return {(fee, state, year) for fee, state, year in rows}


def fees_due(  # noqa: C901 - one branch per fee, in the order the procedure reaches them
    session: Session,
    application: Application,
    schedule: FeeSchedule,
    today: date,
    calendar: OfficeCalendar,
    *,
    entitlement: Entitlement | None = None,
) -> list[Due]:
    """The fees the application may pay today, priced by the schedule in force today."""
    state = ApplicationState(application.state)
    if state not in _ALIVE and state is not S.DEEMED_WITHDRAWN:
        return []
    paid = paid_fees(session, application.id)
    dues: list[Due] = []

    def add(kind: FeeKind, *, state_code: str | None = None, year: int | None = None, quantity: int = 1) -> None:
        if (kind.value, state_code, year) in paid:
            return
        amount = schedule.amount(kind, year=year, quantity=quantity, entitlement=entitlement)
        dues.append(Due(kind, _cents(amount), schedule.effective_from, state_code, year, quantity))

    if state in _PENDING:
        add(FeeKind.FILING)
        add(FeeKind.SEARCH)
        claims = session.execute(
            select(func.count()).where(
                Claim.application_id == application.id, Claim.claim_set == application.claim_set_version
            )
        ).scalar_one()
        if claims > FREE_CLAIMS:
            add(FeeKind.CLAIMS, quantity=claims - FREE_CLAIMS)
        for code in session.execute(
            select(Designation.state).where(
                and_(Designation.application_id == application.id, Designation.status == ACTIVE)
            )
        ).scalars():
            add(FeeKind.DESIGNATION, state_code=code)
    if state in _EXAMINATION_FEE_STATES:
        add(FeeKind.EXAMINATION)
    if state is S.INTENTION_TO_GRANT:
        add(FeeKind.GRANT_PUBLICATION)
    if state in {S.GRANTED, S.OPPOSITION}:
        add(FeeKind.OPPOSITION)
    if state is S.DEEMED_WITHDRAWN:
        add(FeeKind.RE_ESTABLISHMENT)
    for renewal in session.execute(
        select(Renewal)
        .where(Renewal.application_id == application.id, Renewal.status == RenewalStatus.OPEN)
        .order_by(Renewal.year)
    ).scalars():
        window = renewal_window(application.filing_date, renewal.year, calendar)
        charge = window.charge_on(today)
        if charge not in {RenewalCharge.ON_TIME, RenewalCharge.WITH_SURCHARGE}:
            continue
        scope = None if renewal.scope == APPLICATION_SCOPE else renewal.scope
        base = schedule.amount(FeeKind.RENEWAL, year=renewal.year, entitlement=entitlement)
        surcharge = schedule.late_surcharge(base) if charge is RenewalCharge.WITH_SURCHARGE else 0
        dues.append(
            Due(
                FeeKind.RENEWAL,
                _cents(base + surcharge),
                schedule.effective_from,
                scope,
                renewal.year,
                surcharge_cents=_cents(surcharge) if surcharge else 0,
                details={
                    "due_date": window.due_date.isoformat(),
                    "pay_without_surcharge_until": window.pay_without_surcharge_until.isoformat(),
                    "grace_end": window.grace_end.isoformat(),
                    "explanation": window.due.steps(),
                },
            )
        )
    return dues


def designated_offices(session: Session, application_id: uuid.UUID) -> list[str]:
    """The offices that share an application-wide fee: those of the states designated now."""
    return sorted(
        OfficeCode(s).value
        for s in session.execute(
            select(Designation.state).where(Designation.application_id == application_id, Designation.status == ACTIVE)
        ).scalars()
    )
