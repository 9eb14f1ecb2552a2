"""Loading snapshots and applying decisions with a synchronous session.

Written once, synchronously: the API calls it through ``AsyncSession.run_sync``, Celery workers and the
in-process sweep through :class:`SqlWorkflowStore`. A decision lands in one transaction or not at all, guarded
by a compare-and-set on ``applications.version`` and the unique ``(application_id, seq)`` of the history.
"""

from __future__ import annotations

import uuid
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select, update

from ctpo.db.inserts import insert_rows
from ctpo.db.models import (
    Application,
    CalendarChange,
    Claim,
    DeadlineRecord,
    HistoryRecord,
    OfficeCalendarDay,
    ProceduralDocument,
)
from ctpo.domain.examination.calendars import SHARED_CALENDARS
from ctpo.domain.examination.codec import document_kind, lapse_from_json, lapse_to_json, to_json
from ctpo.domain.fees import lifecycle, procedure
from ctpo.domain.jobs.follow_ups import follow_ups
from ctpo.domain.jobs.records import schedule
from ctpo.domain.legal_status import record_legal_events
from ctpo.domain.notifications.services import notify, reference_of
from ctpo.domain.publications.records import record_publication
from workflows import ApplicationSnapshot, OfficeCalendar, OfficeCode, StaleSnapshotError
from workflows.deadlines import deadline_from_json, deadline_to_json
from workflows.legal_status import events_for_decision
from workflows.notification import NOTIFIED_ACTIONS, with_notification

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from datetime import datetime

    from sqlalchemy.orm import Session, sessionmaker

    from ctpo.domain.examination.calendars import SharedCalendars
    from workflows import Deadline, Decision


def load_snapshot(session: Session, application_id: uuid.UUID | str) -> ApplicationSnapshot:
    """The workflow's view of one application, with its open deadlines."""
    app_id = uuid.UUID(str(application_id))
    application = session.get(Application, app_id, populate_existing=True)
    if application is None:
        raise LookupError(f"no application {application_id}")
    rows: Iterable[dict[str, Any]] = session.execute(
        select(DeadlineRecord.data).where(DeadlineRecord.application_id == app_id, DeadlineRecord.closed_at.is_(None))
    ).scalars()
    return snapshot_of(application, rows)


def snapshot_of(application: Application, open_deadlines: Iterable[dict[str, Any]]) -> ApplicationSnapshot:
    """The workflow's view of a loaded application and the data of its open deadlines.

    One place for the API's transitions and the desk's queue, so that both offer the same actions.
    """
    return ApplicationSnapshot(
        application_id=str(application.id),
        office=OfficeCode(application.receiving_office),
        state=application.state,
        filing_date=application.filing_date,
        priority_date=application.earliest_priority_date,
        publication_date=application.publication_date,
        claimant_id=str(application.claimed_by) if application.claimed_by else None,
        claim_set_version=application.claim_set_version,
        lapse=lapse_from_json(application.lapse),
        deadlines=tuple(deadline_from_json(data) for data in open_deadlines),
        version=application.version,
    )


_CALENDARS = "ctpo_calendars"
"""``session.info`` key: the calendars read in the session's current transaction, by office."""
_CHANGED_CALENDAR = "ctpo_changed_calendar"
"""``session.info`` key: the session changed a calendar, so it reads calendars from the database only."""


_CALENDAR_DAYS = select(OfficeCalendarDay.day, OfficeCalendarDay.kind, OfficeCalendarDay.reason).where(
    OfficeCalendarDay.office == bindparam("office")
)
"""An office's recorded closures and openings: built once and run as a plain (Core) query, on every filing.

A Core query does not flush the session first, as an ORM query would: the one writer of calendar days
(``ExaminationService.change_calendar``) flushes them itself before it forgets the calendars read."""


def load_calendar(session: Session, office: OfficeCode) -> OfficeCalendar:
    """The office's statutory calendar with the closures and openings its administrators recorded.

    Read once per transaction: a filing needs it for its publication date and again for its first renewal fee.
    Where the session factory gave the process's :class:`~ctpo.domain.examination.calendars.SharedCalendars`
    (the API on PostgreSQL), a calendar it keeps is used without a query, and one read here is kept.
    A change to the calendar forgets what was read (:func:`forget_calendars`); another transaction reads afresh.
    """
    if (known := _remembered(session).get(office)) is not None:
        return known
    shared: SharedCalendars | None = None if session.info.get(_CHANGED_CALENDAR) else session.info.get(SHARED_CALENDARS)
    generation = 0
    if shared is not None:
        kept, generation = shared.get(office)
        if kept is not None:
            _remembered(session)[office] = kept
            return kept
    days = session.connection().execute(_CALENDAR_DAYS, {"office": office.value}).all()
    calendar = OfficeCalendar(
        office,
        closures=MappingProxyType({d.day: d.reason for d in days if d.kind == CalendarChange.CLOSURE}),
        openings=frozenset(d.day for d in days if d.kind == CalendarChange.OPENING),
    )
    if shared is not None:
        shared.keep(calendar, generation)
    _remembered(session)[office] = calendar
    return calendar


def _remembered(session: Session) -> dict[OfficeCode, OfficeCalendar]:
    """The calendars read in the session's current transaction; outside a transaction, a fresh dict kept nowhere.

    Keyed on the transaction object, so a commit or rollback forgets them. Before the session has begun one (a
    calendar from the process's copy needs no query, so none begins), nothing is remembered: it would be keyed on
    "no transaction" and outlive the commits that follow, past a change the process has since heard of.
    """
    transaction = session.get_transaction()
    if transaction is None:
        return {}
    memo: tuple[object, dict[OfficeCode, OfficeCalendar]] | None = session.info.get(_CALENDARS)
    if memo is None or memo[0] is not transaction:
        memo = (transaction, {})
        session.info[_CALENDARS] = memo
    return memo[1]


def forget_calendars(session: Session) -> None:
    """After the session changed a calendar: the next :func:`load_calendar` reads it again.

    From now on the session reads calendars from the database, its own change included, never from the process's
    copy. Every process is told of the change by the database itself when (and if) the transaction commits: a
    trigger on ``office_calendar_days`` (:func:`ctpo.db.listen.notify_on_change`) sends the notice, whoever writes.
    """
    session.info.pop(_CALENDARS, None)
    session.info[_CHANGED_CALENDAR] = True


def forget_shared_calendars(session: Session) -> None:
    """After a calendar change committed: this process drops its copy at once, before PostgreSQL's notice arrives."""
    if (shared := session.info.get(SHARED_CALENDARS)) is not None:
        shared.changed()


def _deadline_row(deadline: Deadline, opened_at: datetime) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "application_id": uuid.UUID(deadline.application_id),
        "kind": deadline.kind.value,
        "office": deadline.office.value,
        "due_date": deadline.due_date,
        "expires_at": deadline.expires_at,
        "on_expiry": deadline.on_expiry,
        "data": deadline_to_json(deadline),
        "opened_at": opened_at,
    }


def snapshot_columns(snapshot: ApplicationSnapshot) -> dict[str, Any]:
    """The application columns the workflow owns, as of ``snapshot``."""
    nearest = min(snapshot.deadlines, key=lambda d: (d.due_date, d.kind.value), default=None)
    return {
        "state": snapshot.state,
        "version": snapshot.version,
        "claimed_by": uuid.UUID(snapshot.claimant_id) if snapshot.claimant_id else None,
        "claim_set_version": snapshot.claim_set_version,
        "lapse": lapse_to_json(snapshot.lapse),
        "publication_date": snapshot.publication_date,
        "next_deadline_date": nearest.due_date if nearest else None,
        "next_deadline_kind": nearest.kind.value if nearest else None,
    }


def apply_decision(
    session: Session, decision: Decision, *, expected_version: int, payload: Mapping[str, Any] | None = None
) -> None:
    """Write everything the decision changes, in the caller's transaction: its legal events (ST.27) included.

    Raises:
        StaleSnapshotError: the application moved on since its snapshot was loaded.
        FeeUnpaidError: the transition declares a fee that is not paid; nothing is written.
    """
    app_id = uuid.UUID(decision.snapshot.application_id)
    procedure.require_fees(session, decision, app_id)  # a transition's declared fees (EPC Art. 94(1), Rule 71(3))
    reference = None
    if decision.action in NOTIFIED_ACTIONS:  # time limits it starts run from, and name, the notification
        number = session.execute(select(Application.number).where(Application.id == app_id)).scalar_one()
        reference = reference_of(number, decision.history.seq)
        decision = with_notification(decision, reference, load_calendar(session, decision.snapshot.office))
    snapshot, entry = decision.snapshot, decision.history
    values = snapshot_columns(snapshot)
    if decision.from_state is not None:  # the filing inserts its row with snapshot_columns(); transitions CAS it
        result = session.execute(
            update(Application)
            .where(Application.id == app_id, Application.version == expected_version)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleSnapshotError(f"application {snapshot.application_id} changed since it was loaded")
    for closed in decision.closed:
        session.execute(
            update(DeadlineRecord)
            .where(
                DeadlineRecord.application_id == app_id,
                DeadlineRecord.kind == closed.deadline.kind.value,
                DeadlineRecord.closed_at.is_(None),
            )
            .values(closed_at=entry.at, close_reason=closed.reason.value)
        )
    if decision.opened:  # bulk Core inserts: every transition writes here, and the rows are new
        insert_rows(session, DeadlineRecord, [_deadline_row(d, entry.at) for d in decision.opened])
    insert_rows(
        session,
        HistoryRecord,
        [
            {
                "application_id": app_id,
                "seq": entry.seq,
                "action": entry.action.value,
                "from_state": entry.from_state.value if entry.from_state else None,
                "to_state": entry.to_state.value,
                "actor_id": entry.actor_id,
                "role": entry.role.value,
                "actor_office": entry.actor_office.value if entry.actor_office else None,
                "office": entry.office.value,
                "at": entry.at,
                "reason": entry.reason,
                "payload_digest": entry.payload_digest,
                "payload": dict(payload) if payload is not None else None,
            }
        ],
    )
    if decision.document is not None:
        insert_rows(
            session,
            ProceduralDocument,
            [
                {
                    "application_id": app_id,
                    "history_seq": entry.seq,
                    "action": decision.action,
                    "kind": document_kind(decision.document),
                    "body": to_json(decision.document),
                    "author_id": entry.actor_id,
                    "created_at": entry.at,
                }
            ],
        )
    if decision.claim_set is not None:
        insert_rows(
            session,
            Claim,
            [
                {"application_id": app_id, "claim_set": decision.claim_set.version, "number": i, "text": text}
                for i, text in enumerate(decision.claim_set.claims, start=1)
            ],
        )
    record_legal_events(session, app_id, events_for_decision(decision), recorded_at=entry.at)
    lifecycle.on_decision(session, decision, app_id)  # designations, patent, renewals
    if reference is not None:  # in the inbox in the act's transaction: the act and its notification never part
        notify(session, decision, app_id, reference)
    for job in follow_ups(decision, app_id):  # the outbox: the job commits or rolls back with the transition
        schedule(session, job, entry.at)
    record_publication(session, decision, app_id)  # number, ST.16 kind and its rendering job, in this transaction


def due_deadlines(session: Session, now: datetime) -> list[Deadline]:
    """Open deadlines that have passed at ``now``, oldest first (uses the expiry index)."""
    rows: Iterable[dict[str, Any]] = session.execute(
        select(DeadlineRecord.data)
        .where(DeadlineRecord.closed_at.is_(None), DeadlineRecord.expires_at <= now)
        .order_by(DeadlineRecord.expires_at)
    ).scalars()
    return [deadline_from_json(data) for data in rows]


def open_deadlines(session: Session, office: OfficeCode) -> list[Deadline]:
    """Every open deadline of the office's applications."""
    rows: Iterable[dict[str, Any]] = session.execute(
        select(DeadlineRecord.data).where(DeadlineRecord.closed_at.is_(None), DeadlineRecord.office == office.value)
    ).scalars()
    return [deadline_from_json(data) for data in rows]


class SessionWorkflowStore:
    """The workflow's storage Protocol over one open session: ``apply`` joins the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def load(self, application_id: str) -> ApplicationSnapshot:
        """Snapshot of one application."""
        return load_snapshot(self.session, application_id)

    def calendar(self, office: OfficeCode) -> OfficeCalendar:
        """The office's current calendar."""
        return load_calendar(self.session, office)

    def due_deadlines(self, now: datetime) -> Iterable[Deadline]:
        """Passed open deadlines."""
        return due_deadlines(self.session, now)

    def open_deadlines(self, office: OfficeCode) -> Iterable[Deadline]:
        """Open deadlines of one office."""
        return open_deadlines(self.session, office)

    def apply(self, decision: Decision, *, expected_version: int) -> None:
        """Apply one decision inside the session's transaction."""
        apply_decision(self.session, decision, expected_version=expected_version)


class SqlWorkflowStore:
    """The workflow's storage Protocol for workers: every call is its own unit of work, ``apply`` commits."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @property
    def sessions(self) -> sessionmaker[Session]:
        """The session factory, for other sweeps of the same worker (renewals)."""
        return self._sessions

    def load(self, application_id: str) -> ApplicationSnapshot:
        """Snapshot of one application."""
        with self._sessions() as session:
            return load_snapshot(session, application_id)

    def calendar(self, office: OfficeCode) -> OfficeCalendar:
        """The office's current calendar."""
        with self._sessions() as session:
            return load_calendar(session, office)

    def due_deadlines(self, now: datetime) -> Iterable[Deadline]:
        """Passed open deadlines."""
        with self._sessions() as session:
            return due_deadlines(session, now)

    def open_deadlines(self, office: OfficeCode) -> Iterable[Deadline]:
        """Open deadlines of one office."""
        with self._sessions() as session:
            return open_deadlines(session, office)

    def apply(self, decision: Decision, *, expected_version: int) -> None:
        """Apply and commit one decision."""
        with self._sessions() as session, session.begin():
            apply_decision(session, decision, expected_version=expected_version)
