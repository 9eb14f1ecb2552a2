"""Reading the legal-event record of one application, within the caller's right to see the file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import or_, select

from ctpo.db.models import LegalEventRecord
from ctpo.domain.access import FileAccess
from ctpo.domain.legal_status import schemas as s
from ctpo.lib.errors import FieldError, InvalidRequestError
from workflows.legal_status import Category, KeyEvent
from workflows.offices import OfficeCode

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from ctpo.db.models import User


def legal_event_out(record: LegalEventRecord) -> s.LegalEventOut:
    """A stored event with its ST.27 titles."""
    key = KeyEvent(record.key_event)
    return s.LegalEventOut(
        key_event=key.value,
        title=key.label,
        category=record.category,
        category_title=Category(record.category).label,
        status=record.status,
        phase=record.phase,
        state=record.state,
        effective_date=record.effective_date,
        recorded_at=record.recorded_at,
        document_sha256=record.document_sha256,
        payload=record.payload,
    )


class LegalStatusService:
    """The legal-event record as the API shows it."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def events(self, user: User, number: str, state: str | None = None) -> list[s.LegalEventOut]:
        """The events of one application in recording order.

        With ``state``: those concerning that designated state, its own and those of the whole file.

        Raises:
            NotFoundError: the caller may not see the application.
            InvalidRequestError: ``state`` is not a member state's ST.3 code.
        """
        if state is not None and state.upper() not in OfficeCode.__members__:
            raise InvalidRequestError(
                "Name a member state by its two-letter code.",
                errors=[FieldError("state", f"{state!r} is not one of {', '.join(OfficeCode)}")],
            )
        application = await FileAccess(self.session).get(user, number)
        rows = select(LegalEventRecord).where(LegalEventRecord.application_id == application.id)
        if state is not None:
            rows = rows.where(or_(LegalEventRecord.state == state.upper(), LegalEventRecord.state.is_(None)))
        records = (await self.session.execute(rows.order_by(LegalEventRecord.id))).scalars()
        return [legal_event_out(r) for r in records]
