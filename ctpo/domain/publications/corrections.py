"""Corrections of published documents: a new document under the same number, A8/A9 or B8/B9 (WIPO ST.16).

Modelled on EPC Rule 139 and the EPO's practice of republishing corrected documents: the original stays as it
was published, the correction names it, gets its own date and its own rendered PDF and legal event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from ctpo.db.models import Application, Publication, Role, utcnow
from ctpo.domain.publications import schemas as s
from ctpo.domain.publications.records import add_publication
from ctpo.lib.errors import FieldError, ForbiddenError, InvalidRequestError, NotFoundError
from ctpo.register.services import normalise_publication_number
from workflows import OFFICES, OfficeCode
from workflows.publication import CTPO_ST3_CODE, CorrectionScope, KindCode, correction_kind
from workflows.texts import text_problem

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from ctpo.db.models import User


MAX_CORRECTION_REASON = 1000
"""Characters of a correction's reason (the column's size)."""


def publication_out(
    publication: Publication, application_number: str, corrects: Publication | None
) -> s.PublicationOut:
    """A published document as the API shows it, cited as ST.14 says, with the document it corrects."""
    return s.PublicationOut(
        citation=citation_of(publication),
        publication_number=publication.number,
        kind=publication.kind,
        publication_date=publication.publication_date,
        application_number=application_number,
        corrects=citation_of(corrects) if corrects is not None else None,
    )


async def correct_publication(
    session: AsyncSession, user: User, number: str, kind: str, *, scope: str, reason: str
) -> s.PublicationOut:
    """Publish the correction of ``number``/``kind`` and schedule its rendering; commits.

    Raises:
        NotFoundError: no such published document.
        ForbiddenError: the caller is not an administrator of the file's receiving office.
        InvalidRequestError: an unknown scope or an empty reason.
    """
    publication_number = normalise_publication_number(number)
    if publication_number is None or kind.upper() not in KindCode.__members__:
        raise NotFoundError(f"There is no CTPO publication {number} {kind}.")
    original = (
        await session.execute(
            select(Publication)
            .where(Publication.number == publication_number, Publication.kind == kind.upper())
            .order_by(Publication.created_at.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if original is None:
        raise NotFoundError(f"There is no CTPO publication {publication_number} {kind.upper()}.")
    application = await session.get_one(Application, original.application_id)
    if user.role != Role.OFFICE_ADMIN or user.office != application.receiving_office:
        raise ForbiddenError(f"Only administrators of office {application.receiving_office} correct its publications.")
    if scope not in CorrectionScope.__members__.values():
        raise InvalidRequestError(
            "Unknown correction.", errors=[FieldError("scope", "must be 'front_page' (8) or 'complete' (9)")]
        )
    problem = text_problem("reason", reason, max_chars=MAX_CORRECTION_REASON, single_line=False)
    if problem is not None:  # the one text rule: no NUL, no control characters, a limit (workflows.texts)
        raise InvalidRequestError("The reason cannot be recorded.", errors=[FieldError(problem.field, problem.message)])
    now = utcnow()
    new_kind = correction_kind(KindCode(original.kind), CorrectionScope(scope))
    office = application.receiving_office
    publication_id = await session.run_sync(
        lambda sync: add_publication(
            sync,
            application_id=application.id,
            office=office,
            kind=new_kind,
            on=OFFICES[OfficeCode(office)].local_date(now),
            now=now,
            history_seq=None,
            corrects_id=original.id,
            correction_reason=reason.strip(),
        )
    )
    await session.commit()
    return publication_out(await session.get_one(Publication, publication_id), application.number, original)


def citation_of(publication: Publication) -> str:
    """``XT 0000017 A8``."""
    return f"{CTPO_ST3_CODE} {publication.number} {publication.kind}"
