"""Surrender of the patent in one designated state: the holder gives it up there and keeps it elsewhere."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select, update

from ctpo.db.models import Patent, PatentState, Renewal, RenewalStatus
from ctpo.domain.fees.lifecycle import IN_FORCE
from ctpo.domain.legal_status import record_legal_events
from ctpo.lib.errors import ConflictError, FieldError, InvalidRequestError, NotFoundError
from workflows import OfficeCode
from workflows.legal_status import KeyEvent, LegalEvent, Phase, Status

if TYPE_CHECKING:
    import uuid
    from datetime import date, datetime

    from sqlalchemy.orm import Session

SURRENDERED = "surrendered"
"""A patent state its holder gave up (the patent-state status beside ``in_force``, ``lapsed``, ``expired``)."""
CLOSED = "closed"
"""A renewal no longer owed: the right it would keep in force has ended."""


def surrender_state(session: Session, application_id: uuid.UUID, state: str, on: date, now: datetime) -> str:
    """Surrender the patent in ``state`` with effect from ``on``; the other states stay in force.

    The Eurasian Patent Convention keeps a patent in force state by state (Art. 18: renewals per state) and the EPC
    leaves the surrender of a granted European patent to each state's law (Art. 2(2), 64(1); central limitation
    or revocation is Art. 105a, a different act): here the holder declares it to the CTPO, which records it for
    that state only. Open renewal fees for that state end; an H11 legal event is recorded for it.

    Returns:
        The ST.3 code of the state surrendered.

    Raises:
        InvalidRequestError: ``state`` is not a member state.
        NotFoundError: the application has no patent.
        ConflictError: the patent is not in force in that state (never designated, lapsed, surrendered...).
    """
    try:
        code = OfficeCode(state.upper()).value
    except ValueError:
        raise InvalidRequestError(
            f"{state!r} is not a member state.",
            errors=[FieldError("state", f"one of {', '.join(c.value for c in OfficeCode)}")],
        ) from None
    if session.execute(select(Patent.application_id).where(Patent.application_id == application_id)).first() is None:
        raise NotFoundError("The application has not been granted: there is no patent to surrender.")
    moved = session.execute(
        update(PatentState)
        .where(PatentState.application_id == application_id, PatentState.state == code, PatentState.status == IN_FORCE)
        .values(status=SURRENDERED, status_date=on)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise ConflictError(
            f"The patent is not in force in {code}; only a state where it is in force can be surrendered.",
            errors=[FieldError("state", f"not in force in {code}")],
        )
    session.execute(
        update(Renewal)
        .where(Renewal.application_id == application_id, Renewal.scope == code, Renewal.status == RenewalStatus.OPEN)
        .values(status=CLOSED)
        .execution_options(synchronize_session=False)
    )
    event = LegalEvent(KeyEvent.PATENT_SURRENDERED, Status.NOT_IN_FORCE, Phase.IP_RIGHT, on, state=OfficeCode(code))
    record_legal_events(session, application_id, [event], recorded_at=now)
    return code
