"""The renewal sweep: lapse per state after the grace period, expiry at 20 years. Idempotent.

Run in-process on the embedded default (next to the deadline sweep) and as a Celery beat task when scaled. Each
change is a compare-and-set on the row's status, so two sweeps at once, or one run twice, change nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, bindparam, insert, select, update

from ctpo.db.models import Application, LegalEventRecord, Patent, PatentState, Renewal
from ctpo.domain.fees.lifecycle import APPLICATION_SCOPE, IN_FORCE
from ctpo.domain.legal_status import legal_event_rows
from workflows import OfficeCode
from workflows.legal_status import KeyEvent, LegalEvent, Phase, Status
from workflows.offices import OFFICES

if TYPE_CHECKING:
    from datetime import date, datetime

    from sqlalchemy.orm import Session, sessionmaker

BATCH = 5000


@dataclass(slots=True)
class RenewalSweepReport:
    """What one sweep changed."""

    lapsed: list[tuple[str, str, int]] = field(default_factory=list)
    """(application id, state, year) of each lapse."""
    expired: int = 0
    pending_applications: int = 0
    """Application-wide renewal fees past their grace period: the application is deemed withdrawn by the workflow."""


def sweep_renewals(session: Session, now: datetime) -> RenewalSweepReport:
    """Lapse every state whose renewal fee is unpaid after the grace period, and expire patents at 20 years.

    The caller commits. Grace periods end at the end of their last day in the receiving office's time zone; the
    query takes every row that may have ended anywhere and each is checked in its own office's zone.
    """
    report = RenewalSweepReport()
    horizon = now.date() + timedelta(days=1)
    last_id = 0
    while True:
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
            .where(Renewal.status == "open", Renewal.grace_end < horizon, Renewal.id > last_id)
            .order_by(Renewal.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        last_id = rows[-1].id
        overdue = [r for r in rows if r.grace_end < OFFICES[OfficeCode(r.receiving_office)].local_date(now)]
        per_state = [r for r in overdue if r.scope != APPLICATION_SCOPE]
        report.pending_applications += len(overdue) - len(per_state)
        if per_state:
            _lapse(session, per_state, now, report)
    _expire(session, now, report)
    return report


def _lapse(session: Session, rows: list[Any], now: datetime, report: RenewalSweepReport) -> None:
    won = set(
        session.execute(
            update(Renewal)
            .where(Renewal.id.in_([r.id for r in rows]), Renewal.status == "open")
            .values(status="lapsed")
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
        .values(status="lapsed", status_date=bindparam("due")),
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
        .where(and_(Renewal.application_id.in_(list(due)), Renewal.status == "open"))
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
