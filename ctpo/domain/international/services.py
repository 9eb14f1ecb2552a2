"""Entry into the CTPO phase: the PCT's rules applied, then the one filing path with the international facts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
from sqlalchemy import select

from ctpo.db.models import InternationalEntry, Role, User
from ctpo.domain.filings.services import FilingResult, FilingService, Opening, Upload
from ctpo.domain.international import schemas as s
from ctpo.lib.errors import FieldError, ForbiddenError, InvalidRequestError, NotFoundError
from workflows.offices import OfficeCode, get_office
from workflows.pct import (
    ReEstablishmentRequest,
    check_in_time,
    enter_regional_phase,
    entry_time_limit,
    translation_required,
)

if TYPE_CHECKING:
    import uuid
    from collections.abc import Sequence
    from datetime import date, datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from ctpo.db.models import Application
    from workflows import Actor, Decision, Explanation, OfficeCalendar


def international_out(number: str, entry: InternationalEntry) -> s.InternationalOut:
    """The international side of a file."""
    return s.InternationalOut(
        application_number=number,
        international_application_number=entry.international_application_number,
        international_filing_date=entry.international_filing_date,
        international_language=entry.international_language,
        translation_language=entry.translation_language,
        publication_number=entry.publication_number,
        publication_date=entry.publication_date,
        search_authority=entry.search_authority,
        search_report_date=entry.search_report_date,
        search_citations=[msgspec.convert(c, s.CitationOut) for c in entry.search_citations],
        time_limit_due=entry.time_limit_due,
        time_limit=entry.time_limit,
        re_establishment_requested=entry.re_establishment_grounds is not None,
    )


def _check_languages(data: s.EntryIn) -> str | None:
    """The translation's language, or ``None`` when the international language is a working one.

    Raises:
        InvalidRequestError: texts in a working language other than the international one, without need.
    """
    international = data.international.language
    if translation_required(international):
        return data.application.language
    if data.application.language != international:
        raise InvalidRequestError(
            f"The international application is in a working language ({international}); enter it in that language.",
            errors=[FieldError("application.language", f"must be '{international}', the international language")],
        )
    return None


class InternationalService:
    """PCT regional-phase entry and the international facts of a file."""

    def __init__(self, session: AsyncSession, filing: FilingService) -> None:
        self.session = session
        self.filing = filing

    async def enter(
        self, filer: User, data: s.EntryIn, uploads: Sequence[Upload], idempotency_key: str | None
    ) -> FilingResult:
        """Enter an international application into the CTPO phase (PCT Art. 22/39, EPC Art. 153, Rule 159).

        Raises:
            ForbiddenError: only applicants and their representatives enter applications.
            InvalidRequestError: a language or date that cannot be.
            DeadlinePassed: after the 31 months without a timely request for re-establishment (409).
        """
        if filer.role != Role.APPLICANT:
            raise ForbiddenError("Only applicants and their representatives enter international applications.")
        intl, application = data.international, data.application
        translation = _check_languages(data)
        if application.receiving_office not in OfficeCode.__members__:
            raise InvalidRequestError(
                "Enter at a member office.",
                errors=[FieldError("application.receiving_office", "use TR, AZ, KZ, KG or UZ")],
            )
        office = get_office(application.receiving_office)
        now = self.filing.clock()
        if intl.filing_date > office.local_date(now):
            raise InvalidRequestError(
                "The international filing date is in the future.",
                errors=[FieldError("international.filing_date", "cannot be after today")],
            )
        request = (
            ReEstablishmentRequest(intl.re_establishment.cause_removed_on, intl.re_establishment.grounds)
            if intl.re_establishment
            else None
        )
        computed: dict[str, Explanation] = {}

        def first_decision(  # noqa: PLR0917 - the signature Opening.first_decision declares
            application_id: str,
            office_code: OfficeCode,
            actor: Actor,
            at: datetime,
            earliest: date | None,
            payload: dict[str, Any],
            calendar: OfficeCalendar,
        ) -> Decision:
            # the office calendar as the transaction sees it: a closure recorded today extends the limit
            check_in_time(entry_time_limit(calendar, intl.filing_date, earliest), at, calendar, request)
            decision, computed["limit"] = enter_regional_phase(
                application_id,
                office_code,
                actor,
                at,
                international_filing_date=intl.filing_date,
                earliest_priority=earliest,
                international_publication_date=intl.publication.date if intl.publication else None,
                international_language=intl.language,
                re_establishment=request,
                payload=payload,
                calendar=calendar,
            )
            return decision

        def extra_rows(application_id: uuid.UUID, at: datetime) -> list[tuple[Any, list[dict[str, Any]]]]:
            limit = computed["limit"]
            return [
                (
                    InternationalEntry,
                    [
                        {
                            "application_id": application_id,
                            "international_application_number": intl.application_number,
                            "international_filing_date": intl.filing_date,
                            "international_language": intl.language,
                            "translation_language": translation,
                            "publication_number": intl.publication.number if intl.publication else None,
                            "publication_date": intl.publication.date if intl.publication else None,
                            "search_authority": intl.search_report.authority,
                            "search_report_date": intl.search_report.date,
                            "search_citations": msgspec.to_builtins(intl.search_report.citations),
                            "time_limit_due": limit.due_date,
                            "time_limit": limit.steps(),
                            "re_establishment_grounds": request.grounds if request else None,
                            "re_establishment_cause_removed_on": request.cause_removed_on if request else None,
                            "entered_at": at,
                        }
                    ],
                )
            ]

        async def duplicate(session: AsyncSession) -> str | None:
            query = select(InternationalEntry.id).where(
                InternationalEntry.international_application_number == intl.application_number
            )
            if (await session.execute(query)).first() is None:
                return None
            return f"{intl.application_number} has already entered the CTPO phase."

        opening = Opening(
            filing_date=intl.filing_date,
            content=msgspec.to_builtins(intl),
            first_decision=first_decision,
            extra_rows=extra_rows,
            duplicate=duplicate,
        )
        return await self.filing.file(filer, application, uploads, idempotency_key, opening)

    async def of_file(self, user: User, number: str) -> s.InternationalOut:
        """The international facts of a file the caller may see.

        Raises:
            NotFoundError: no such visible file, or it did not come through the PCT.
        """
        application = await self.filing.get_visible(user, number)
        international = await self.of_application(application)
        if international is None:
            raise NotFoundError(f"{number} is not an international application.")
        return international

    async def of_application(self, application: Application) -> s.InternationalOut | None:
        """The international facts of an application, if it came through the PCT (callers check visibility)."""
        query = select(InternationalEntry).where(InternationalEntry.application_id == application.id)
        entry = (await self.session.execute(query)).scalar_one_or_none()
        return international_out(application.number, entry) if entry is not None else None
