"""What the procedure does to designations, patents and renewals: called with each workflow decision.

At filing every member state is designated (EPC Art. 79(1): all states by default) and the first renewal fee, due
for the application, is scheduled; at grant the patent gets its CTPO number and a status in each designated state,
and renewal fees from then on are owed per state (Eurasian Patent Convention Art. 18).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import func, insert, select, update

import ctpo.domain.examination.store as workflow_store  # a module import: the store calls back into this module
from ctpo.db.inserts import insert_rows
from ctpo.db.models import Application, Designation, Patent, PatentState, Renewal, RenewalStatus
from workflows import Action, OfficeCode
from workflows.fees import FIRST_RENEWAL_YEAR, LAST_RENEWAL_YEAR, expiry_date, renewal_window
from workflows.offices import OFFICES

if TYPE_CHECKING:
    import uuid
    from datetime import date, datetime

    from sqlalchemy.orm import Session

    from workflows import Decision

APPLICATION_SCOPE = "**"
"""The renewal ``scope`` of a fee owed for the whole application (before grant)."""
ACTIVE = "active"
IN_FORCE = "in_force"
LAPSED = "lapsed"
"""A patent state whose renewal went unpaid past its grace period (EAPC Art. 18: renewals per state)."""
PATENT_NUMBER_FORMAT = "CTPO {:07d}"


def active_states(session: Session, application_id: uuid.UUID) -> list[str]:
    """The states the application designates now, in ST.3 order."""
    rows = session.execute(
        select(Designation.state).where(Designation.application_id == application_id, Designation.status == ACTIVE)
    ).scalars()
    return sorted(rows)


class Filed(Protocol):
    """What renewal dates run from: an :class:`Application` row, or :class:`NewFiling` while it is being filed."""

    @property
    def id(self) -> uuid.UUID: ...  # noqa: D102
    @property
    def receiving_office(self) -> str: ...  # noqa: D102
    @property
    def filing_date(self) -> date: ...  # noqa: D102


@dataclass(frozen=True, slots=True)
class NewFiling:
    """The application a filing decision opens, from the decision itself: not read back from the table."""

    id: uuid.UUID
    receiving_office: str
    filing_date: date


def open_renewal(
    session: Session, application: Filed, scope: str, year: int, *, after: date | None = None, new: bool = False
) -> None:
    """Schedule the renewal fee of ``year`` (or the first later year falling due after ``after``) for ``scope``.

    Nothing is scheduled beyond year 20 or past expiry; an existing row for that year is left alone (idempotent).
    ``new``: the application is being filed in this transaction, so it has no renewal row to look for.
    """
    calendar = workflow_store.load_calendar(session, OfficeCode(application.receiving_office))
    expires = expiry_date(application.filing_date)
    while year <= LAST_RENEWAL_YEAR:
        window = renewal_window(application.filing_date, year, calendar)
        if window.due_date >= expires:
            return
        if after is None or window.due_date > after:
            break
        year += 1
    else:
        return
    exists = None
    if not new:
        exists = session.execute(
            select(Renewal.id).where(
                Renewal.application_id == application.id, Renewal.scope == scope, Renewal.year == year
            )
        ).first()
    if exists is None:
        insert_rows(
            session,
            Renewal,
            [
                {
                    "application_id": application.id,
                    "scope": scope,
                    "year": year,
                    "due_date": window.due_date,
                    "payable_from": window.payable_from,
                    "pay_until": window.pay_without_surcharge_until,
                    "grace_end": window.grace_end,
                    "status": RenewalStatus.OPEN,
                }
            ],
        )


def on_filing(session: Session, filed: NewFiling, states: list[str] | None = None) -> None:
    """Designate the states (all five by default) and schedule the first renewal fee, for the application."""
    chosen = sorted(set(states)) if states else [code.value for code in OfficeCode]
    insert_rows(session, Designation, [{"application_id": filed.id, "state": s, "status": ACTIVE} for s in chosen])
    open_renewal(session, filed, APPLICATION_SCOPE, FIRST_RENEWAL_YEAR, new=True)


def next_patent_number(session: Session) -> str:
    """The next CTPO patent number, gapless (the patents table is only appended to under the grant's lock)."""
    count = session.execute(select(func.count()).select_from(Patent)).scalar_one()
    return PATENT_NUMBER_FORMAT.format(count + 1)


def on_grant(session: Session, application_id: uuid.UUID, at: datetime) -> str:
    """Create the patent, in force in every designated state, with renewal fees per state from now on.

    An application-wide renewal fee that falls due after the grant is replaced by one per state
    (EPC Art. 86(2) and 141); one that fell due before stays owed for the application.
    """
    application = session.get(Application, application_id)
    assert application is not None  # noqa: S101 - the decision was just applied to it
    granted_on = OFFICES[OfficeCode(application.receiving_office)].local_date(at)
    number = next_patent_number(session)
    session.execute(
        insert(Patent).values(
            application_id=application_id,
            number=number,
            granted_on=granted_on,
            expires_on=expiry_date(application.filing_date),
        )
    )
    states = active_states(session, application_id)
    if states:
        session.execute(
            insert(PatentState),
            [
                {"application_id": application_id, "state": s, "status": IN_FORCE, "status_date": granted_on}
                for s in states
            ],
        )
    session.execute(
        update(Renewal)
        .where(
            Renewal.application_id == application_id,
            Renewal.scope == APPLICATION_SCOPE,
            Renewal.status == RenewalStatus.OPEN,
            Renewal.due_date > granted_on,
        )
        .values(status=RenewalStatus.SUPERSEDED)
    )
    for state in states:
        open_renewal(session, application, state, FIRST_RENEWAL_YEAR, after=granted_on)
    return number


def on_revocation(session: Session, application_id: uuid.UUID, on: date) -> None:
    """Revoked: no longer in force in any state."""
    session.execute(
        update(PatentState)
        .where(PatentState.application_id == application_id, PatentState.status == IN_FORCE)
        .values(status="revoked", status_date=on)
    )
    session.execute(
        update(Renewal)
        .where(Renewal.application_id == application_id, Renewal.status == RenewalStatus.OPEN)
        .values(status="closed")
    )


def on_decision(session: Session, decision: Decision, application_id: uuid.UUID) -> None:
    """The designation, patent and renewal consequences of one workflow decision, in its transaction."""
    if decision.action == Action.FILE:
        snapshot = decision.snapshot
        on_filing(session, NewFiling(application_id, snapshot.office.value, snapshot.filing_date))
    elif decision.action == Action.APPROVE_GRANT_TEXT:
        on_grant(session, application_id, decision.history.at)
    elif decision.action == Action.REVOKE_PATENT:
        on_revocation(session, application_id, OFFICES[decision.snapshot.office].local_date(decision.history.at))
