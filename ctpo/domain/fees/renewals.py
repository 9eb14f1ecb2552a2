"""The renewal sweep: lapse per state after the grace period, expiry at 20 years. Idempotent.

Run in-process on the embedded default (next to the deadline sweep) and as a Celery beat task when scaled. Each
change is a compare-and-set on the row's status, so two sweeps at once, or one run twice, change nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, bindparam, insert, select, tuple_, update

import ctpo.domain.examination.store as workflow_store
from ctpo.db.models import Application, Designation, LegalEventRecord, Patent, PatentState, Renewal, RenewalStatus
from ctpo.domain.fees.dues import paid_fees
from ctpo.domain.fees.lifecycle import ACTIVE, APPLICATION_SCOPE, IN_FORCE, LAPSED
from ctpo.domain.legal_status import legal_event_rows
from workflows import OfficeCode
from workflows.deadlines import Period, explain_due_date
from workflows.fees import FeeKind
from workflows.legal_status import KeyEvent, LegalEvent, Phase, Status
from workflows.offices import OFFICES
from workflows.states import PENDING_STATES

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.orm import Session, sessionmaker

    from workflows.deadlines import OfficeCalendar

BATCH = 5000


@dataclass(slots=True)
class RenewalSweepReport:
    """What one sweep changed."""

    lapsed: list[tuple[str, str, int]] = field(default_factory=list)
    """(application id, state, year) of each lapse."""
    expired: int = 0
    designations_withdrawn: list[tuple[str, str]] = field(default_factory=list)
    """(application id, state) of each designation deemed withdrawn for its unpaid fee."""
    pending_applications: int = 0
    """Application-wide renewal fees past their grace period, counted only: the workflow's ``pay_renewal_fee`` time
    limit deems the application withdrawn through the deadline sweep (EPC Art. 86(1)), with its history entry, B11
    event and loss-of-rights notice; a per-state lapse would be wrong before grant."""


def sweep_renewals(session: Session, now: datetime) -> RenewalSweepReport:
    """Lapse every state whose renewal fee is unpaid after the grace period, and expire patents at 20 years.

    The caller commits. Grace periods end at the end of their last day in the receiving office's time zone; the
    query takes every row that may have ended anywhere and each is checked in its own office's zone.
    """
    report = RenewalSweepReport()
    horizon = now.date() + timedelta(days=1)
    after: tuple[date, int] = (date.min, 0)
    while True:  # keyset pages in the order of the (status, grace_end) index: never a scan of the whole table
        rows = session.execute(
            select(
                Renewal.id,
                Renewal.application_id,
                Renewal.scope,
                Renewal.year,
                Renewal.due_date,
                Renewal.grace_end,
                Application.receiving_office,
            )
            .join(Application, Application.id == Renewal.application_id)
            .where(
                Renewal.status == RenewalStatus.OPEN,
                Renewal.grace_end < horizon,
                tuple_(Renewal.grace_end, Renewal.id) > after,
            )
            .order_by(Renewal.grace_end, Renewal.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        after = (rows[-1].grace_end, rows[-1].id)
        overdue = [r for r in rows if r.grace_end < OFFICES[OfficeCode(r.receiving_office)].local_date(now)]
        per_state = [r for r in overdue if r.scope != APPLICATION_SCOPE]
        report.pending_applications += len(overdue) - len(per_state)
        if per_state:
            _lapse(session, per_state, now, report)
    _expire(session, now, report)
    _deem_unpaid_designations(session, now, report)
    return report


DESIGNATION_FEE_PERIOD = Period(months=1)
"""Designation fees are due with the filing and search fees, within one month of filing (EPC Art. 79(2), Rule 39(1)
and Art. 78(2) at the EPO; one month here, as the issue sets for the filing and search fees)."""


def _deem_unpaid_designations(session: Session, now: datetime, report: RenewalSweepReport) -> None:
    """A designation whose fee is unpaid when its time limit has passed is deemed withdrawn (EPC Rule 39(2)).

    Dated on the last day of the time limit, which extends over the office's closed days (Rule 134(1)).
    """
    rows = session.execute(
        select(Designation.application_id, Designation.state, Application.filing_date, Application.receiving_office)
        .join(Application, Application.id == Designation.application_id)
        .where(
            Designation.status == ACTIVE,
            Application.state.in_([s.value for s in PENDING_STATES]),
            Application.filing_date < now.date() - timedelta(days=27),  # a month is at least 28 days
        )
    ).all()
    calendars: dict[str, OfficeCalendar] = {}
    events = []
    for application_id, state, filing_date, office in rows:
        if office not in calendars:
            calendars[office] = workflow_store.load_calendar(session, OfficeCode(office))
        limit = explain_due_date(calendars[office], "date of filing", filing_date, DESIGNATION_FEE_PERIOD)
        if now < limit.expires_at or (FeeKind.DESIGNATION.value, state, None) in paid_fees(session, application_id):
            continue
        moved = session.execute(
            update(Designation)
            .where(
                Designation.application_id == application_id, Designation.state == state, Designation.status == ACTIVE
            )
            .values(status="deemed_withdrawn", changed_at=now)
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            continue  # another sweep got there first
        event = LegalEvent(
            KeyEvent.APPLICATION_DEEMED_WITHDRAWN,
            Status.NOT_IN_FORCE,
            Phase.APPLICATION,
            limit.due_date,
            state=OfficeCode(state),
            payload={"designation": state, "fee": FeeKind.DESIGNATION.value, "explanation": limit.steps()},
        )
        events.extend(legal_event_rows(application_id, [event], recorded_at=now))
        report.designations_withdrawn.append((str(application_id), state))
    if events:
        session.execute(insert(LegalEventRecord), events)


def _lapse(session: Session, rows: list[Any], now: datetime, report: RenewalSweepReport) -> None:
    won = set(
        session.execute(
            update(Renewal)
            .where(Renewal.id.in_([r.id for r in rows]), Renewal.status == RenewalStatus.OPEN)
            .values(status=RenewalStatus.LAPSED)
            .returning(Renewal.id)
            .execution_options(synchronize_session=False)
        ).scalars()
    )  # a concurrent sweep that lapsed some of them already keeps them: each lapse is recorded once
    rows = [r for r in rows if r.id in won]
    if not rows:
        return
    table = PatentState.__table__
    states = table.c  # Core: an executemany keyed by (application, state), not by ORM identity
    session.execute(
        update(table)  # type: ignore[arg-type]
        .where(states.application_id == bindparam("aid"), states.state == bindparam("st"), states.status == IN_FORCE)
        .values(status=LAPSED, status_date=bindparam("due")),
        [{"aid": r.application_id, "st": r.scope, "due": r.due_date} for r in rows],
    )
    events = []
    for r in rows:
        event = LegalEvent(
            KeyEvent.PATENT_LAPSED,
            Status.NOT_IN_FORCE,
            Phase.IP_RIGHT,
            r.due_date,
            state=OfficeCode(r.scope),
            payload={"renewal_year": r.year, "grace_end": r.grace_end.isoformat()},
        )
        events.extend(legal_event_rows(r.application_id, [event], recorded_at=now))
        report.lapsed.append((str(r.application_id), r.scope, r.year))
    session.execute(insert(LegalEventRecord), events)


def _expire(session: Session, now: datetime, report: RenewalSweepReport) -> None:
    rows = session.execute(
        select(Patent.application_id, Patent.expires_on, Application.receiving_office)
        .join(Application, Application.id == Patent.application_id)
        .where(
            Patent.expires_on <= now.date() + timedelta(days=1),
            select(PatentState.state)
            .where(PatentState.application_id == Patent.application_id, PatentState.status == IN_FORCE)
            .exists(),
        )
    ).all()
    due = {
        r.application_id: r.expires_on
        for r in rows
        if r.expires_on <= OFFICES[OfficeCode(r.receiving_office)].local_date(now)
    }
    if not due:
        return
    by_date: dict[date, list[Any]] = {}
    for application_id, on in due.items():
        by_date.setdefault(on, []).append(application_id)
    expired: list[Any] = []
    for on, application_ids in by_date.items():
        expired += session.execute(
            update(PatentState)
            .where(PatentState.application_id.in_(application_ids), PatentState.status == IN_FORCE)
            .values(status="expired", status_date=on)
            .returning(PatentState.application_id, PatentState.state)
            .execution_options(synchronize_session=False)
        ).all()
    session.execute(
        update(Renewal)
        .where(and_(Renewal.application_id.in_(list(due)), Renewal.status == RenewalStatus.OPEN))
        .values(status="closed")
        .execution_options(synchronize_session=False)
    )
    events = []
    for application_id, state in expired:
        on = due[application_id]
        event = LegalEvent(KeyEvent.PATENT_EXPIRED, Status.NOT_IN_FORCE, Phase.IP_RIGHT, on, state=OfficeCode(state))
        events.extend(legal_event_rows(application_id, [event], recorded_at=now))
    if events:
        session.execute(insert(LegalEventRecord), events)
    report.expired += len(expired)


def run_renewal_sweep(sessions: sessionmaker[Session], now: datetime) -> RenewalSweepReport:
    """One renewal sweep in its own transaction: what the in-process loop and the Celery beat task both call."""
    with sessions() as session, session.begin():
        return sweep_renewals(session, now)
