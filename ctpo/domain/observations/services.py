"""Third-party observations: anyone may file them on a published application; the examiner records their fate."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
from sqlalchemy import select

from ctpo.db.models import Application, ObservationRecord, Role, User, utcnow
from ctpo.domain.observations import schemas as s
from ctpo.lib.errors import ConflictError, ForbiddenError, NotFoundError
from workflows import Actor, OfficeCode
from workflows.machine import works_on
from workflows.states import FINAL_STATES

if TYPE_CHECKING:
    import uuid
    from collections.abc import Callable
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession


def observation_out(number: str, record: ObservationRecord) -> s.ObservationOut:
    """Observations for the API, the dossier and the desk."""
    return s.ObservationOut(
        id=record.id,
        application_number=number,
        observer_name=record.observer_name,
        text=record.text,
        citations=record.citations,
        filed_at=record.filed_at,
        outcome=record.outcome,
        outcome_note=record.outcome_note,
        treated_at=record.treated_at,
    )


class ObservationService:
    """Files, lists and records the treatment of observations."""

    def __init__(self, session: AsyncSession, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.session = session
        self.clock = clock

    async def _published(self, number: str) -> Application:
        """Observations exist only for published files: before publication nobody may learn a file exists."""
        query = select(Application).where(Application.number == number, Application.publication_date.is_not(None))
        application = (await self.session.execute(query)).scalar_one_or_none()
        if application is None:
            raise NotFoundError(f"There is no published application {number}.")
        return application

    async def file(self, number: str, data: s.ObservationIn) -> s.ObservationOut:
        """File observations (EPC Art. 115): any person, named or anonymous, while the procedure is pending.

        The observer does not become a party: no answer is owed to them and no time limit runs for them.

        Raises:
            NotFoundError: no published application has this number.
            ConflictError: the procedure is over (withdrawn, refused, revoked...).
        """
        application = await self._published(number)
        if application.state in {state.value for state in FINAL_STATES}:
            raise ConflictError(
                f"The procedure on {number} is closed ({application.state}); observations can no longer be filed."
            )
        record = ObservationRecord(
            application_id=application.id,
            observer_name=data.observer_name.strip() if data.observer_name else None,
            text=data.text,
            citations=msgspec.to_builtins(data.citations),
            filed_at=self.clock(),
        )
        self.session.add(record)
        await self.session.commit()
        return observation_out(number, record)

    async def of_published(self, number: str) -> list[s.ObservationOut]:
        """The observations on a published file, oldest first (public, as file inspection would show them)."""
        return await self.of_application(await self._published(number))

    async def of_application(self, application: Application) -> list[s.ObservationOut]:
        """The observations of one application, oldest first (callers check visibility: the dossier, the desk)."""
        query = (
            select(ObservationRecord)
            .where(ObservationRecord.application_id == application.id)
            .order_by(ObservationRecord.filed_at, ObservationRecord.id)
        )
        return [observation_out(application.number, r) for r in (await self.session.execute(query)).scalars()]

    async def treat(self, user: User, number: str, observation_id: uuid.UUID, data: s.TreatmentIn) -> s.ObservationOut:
        """Record what was done with observations: the examiner holding the file, or an administrator of its office.

        Raises:
            NotFoundError: no such observations on a published file of the caller's office.
            ForbiddenError: not staff of the office, or an examiner who does not hold the file.
            ConflictError: already recorded (the record is not rewritten).
        """
        record = await self.treatable(user, number, observation_id)
        record.outcome, record.outcome_note = data.outcome, data.note
        record.treated_by, record.treated_at = user.id, self.clock()
        await self.session.commit()
        return observation_out(number, record)

    async def treatable(self, user: User, number: str, observation_id: uuid.UUID) -> ObservationRecord:
        """The observations if ``user`` may record their treatment now (checked before reading any form).

        Raises:
            NotFoundError, ForbiddenError, ConflictError: as :meth:`treat`.
        """
        if user.role == Role.APPLICANT:
            raise ForbiddenError("Only the office records what was done with observations.")
        application = await self._published(number)
        holder = str(application.claimed_by) if application.claimed_by else None
        actor = Actor(str(user.id), user.role, OfficeCode(user.office) if user.office else None)
        if not works_on(OfficeCode(application.receiving_office), holder, actor):  # its office, or its assignee
            raise NotFoundError(f"{number} is examined by {application.receiving_office}, not {user.office}.")
        if user.role == Role.EXAMINER and application.claimed_by != user.id:
            raise ForbiddenError("Claim the application before recording what was done with observations.")
        record = await self.session.get(ObservationRecord, observation_id)
        if record is None or record.application_id != application.id:
            raise NotFoundError(f"{number} has no observations {observation_id}.")
        if record.outcome is not None:
            raise ConflictError("What was done with these observations is already recorded.")
        return record
