"""Fees drive the procedure: declared fees gate transitions, and payments meet the fee time limits.

A transition takes effect only once the fees it declares are paid, and a payment meets the fee time limits through
:func:`workflows.machine.decide`, so every consequence has its history entry.

Both rules read the declarations (``Transition.fees``, the ``pay_filing_fees`` and ``pay_renewal_fee`` deadlines),
so no service writes them twice: :func:`require_fees` runs for every decision the store applies (API, desk,
sweep), :func:`after_payment` for every fee payment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ctpo.domain.examination.store as workflow_store  # a module import: the store calls back into this module
from ctpo.db.models import Application
from ctpo.domain.fees.dues import euros, fee_schedules, fees_due, paid_fees
from ctpo.lib.errors import ConflictError, FieldError
from workflows import Action, Actor, DeadlineKind, OfficeCode, Role, decide
from workflows.fees import UNIT_OF_ACCOUNT, FeeKind, NotInForceError
from workflows.machine import declaration
from workflows.offices import OFFICES

if TYPE_CHECKING:
    import uuid
    from datetime import datetime

    from sqlalchemy.orm import Session

    from workflows import Decision

FEE_SERVICE_ACTOR = Actor("system:fees", Role.SYSTEM)
"""The actor the history records for the procedural effect of a payment."""

FILING_FEES: tuple[FeeKind, ...] = (FeeKind.FILING, FeeKind.SEARCH)
"""Due within one month of filing (EPC Rule 38(1)); unpaid, the application is deemed withdrawn (Art. 78(2),
Art. 90(3))."""

WHY_REQUIRED: dict[FeeKind, str] = {
    FeeKind.EXAMINATION: "the request for examination is not deemed filed until the examination fee is paid "
    "(EPC Art. 94(1), Rule 70(1))",
    FeeKind.GRANT_PUBLICATION: "the patent is granted once the fee for grant and publishing is paid "
    "(EPC Rule 71(3) and (7))",
    FeeKind.RE_ESTABLISHMENT: "the request for re-establishment of rights is not deemed filed until its fee is paid "
    "(EPC Art. 122, Rule 136(1))",
}
"""The legal basis named in the refusal, per fee a transition may declare."""


class FeeUnpaidError(ConflictError):
    """The act needs a fee that is not paid: nothing was recorded; pay it and act again."""

    title = "Fee not paid"


def require_fees(session: Session, decision: Decision, application_id: uuid.UUID) -> None:
    """Refuse a decision whose transition declares a fee the application has not paid (or had refunded).

    The act is refused rather than recorded without effect (EPC Art. 94(1): a request whose fee is unpaid is not
    deemed filed): a pending request nobody can see would be a second state, and the refusal names the fee and the
    amount due today, so the applicant pays and acts again within the same time limit.

    Raises:
        FeeUnpaidError: naming the first unpaid fee (``fee`` field) and its amount.
    """
    transition = declaration(decision.action)
    if transition is None or not transition.fees:
        return
    paid = paid_fees(session, application_id)
    missing = [fee for fee in transition.fees if (fee.value, None, None) not in paid]
    if not missing:
        return
    fee = missing[0]
    application = session.get(Application, application_id)
    assert application is not None  # noqa: S101 - the decision was taken on its snapshot
    office = OfficeCode(application.receiving_office)
    today = OFFICES[office].local_date(decision.history.at)
    try:
        schedule = fee_schedules(session).in_force(today)
    except NotInForceError:  # pragma: no cover - the shipped schedule is in force from 2026
        amount = None
    else:
        dues = fees_due(session, application, schedule, today, workflow_store.load_calendar(session, office))
        due = next((d for d in dues if d.matches(fee, None, None)), None)
        amount = euros(due.amount_cents) if due else f"{schedule.amount(fee):.2f}"
    owed = f"{amount} {UNIT_OF_ACCOUNT}" if amount else "the scheduled amount"
    raise FeeUnpaidError(
        f"'{decision.action.value}' needs the {fee.value} fee, {owed}, paid first: "
        f"{WHY_REQUIRED.get(fee, 'the transition declares it')}. Nothing was recorded.",
        errors=[FieldError("fee", f"{fee.value}: {owed} unpaid")],
        extra={"fee": fee.value, "amount_due": amount, "currency": UNIT_OF_ACCOUNT},
    )


def _limit_met(session: Session, application_id: uuid.UUID, fee: FeeKind, state: str | None) -> Action | None:
    """The system act a payment of ``fee`` calls for, if it completes what a fee time limit waits for."""
    if fee in FILING_FEES:
        paid = paid_fees(session, application_id)
        return Action.PAY_FILING_FEES if all((f.value, None, None) in paid for f in FILING_FEES) else None
    if fee is FeeKind.RENEWAL and state is None:  # owed for the application: before grant
        return Action.PAY_RENEWAL_FEE
    return None


_LIMITS: dict[Action, DeadlineKind] = {
    Action.PAY_FILING_FEES: DeadlineKind.PAY_FILING_FEES,
    Action.PAY_RENEWAL_FEE: DeadlineKind.PAY_RENEWAL_FEE,
}


def after_payment(
    session: Session, application_id: uuid.UUID, fee: FeeKind, state: str | None, now: datetime
) -> Decision | None:
    """Meet the fee time limit a payment completes, in the payment's transaction.

    The filing and search fees together meet the one-month limit (EPC Rule 38(1)); a renewal fee owed for the
    application meets its year's limit and opens the next (Art. 86(1)). A payment once the limit has passed is
    refused by the workflow (only re-establishment helps, Art. 122), so nothing is paid for a lost application.

    Raises:
        DeadlinePassed: the limit has passed; the caller rolls the payment back.
    """
    action = _limit_met(session, application_id, fee, state)
    if action is None:
        return None
    snapshot = workflow_store.load_snapshot(session, application_id)
    if snapshot.deadline(_LIMITS[action]) is None:
        return None  # already met, or not running (granted, re-established without it, a PCT entry)
    calendar = workflow_store.load_calendar(session, snapshot.office)
    payload = {"fee": fee.value}
    decision = decide(snapshot, action, FEE_SERVICE_ACTOR, now, payload, calendar=calendar)
    workflow_store.apply_decision(session, decision, expected_version=snapshot.version, payload=payload)
    return decision
