"""A publication's content as :class:`~ctpo.rendering.PublicationData`, read from the file (sync session).

One place decides what each kind shows: A documents print the application as filed (claim set 1), B documents
the claims of the patent (the current set: as granted for B1, as amended for B2); A1 and A3 carry the search
report. Both the renderer and the ST.96 exporter read this, so the PDF and the XML never disagree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from ctpo.db.models import Application, Claim, PartyKind, ProceduralDocument, Publication
from ctpo.domain.examination.codec import kind_of
from ctpo.domain.fees.lifecycle import active_states
from ctpo.rendering import CitationData, PartyData, PriorityData, PublicationData
from workflows.documents import SearchReport
from workflows.publication import CTPO_ST3_CODE, KindCode

if TYPE_CHECKING:
    import uuid

    from sqlalchemy.orm import Session


def latest_search_report(application_id: uuid.UUID) -> Select[tuple[dict[str, Any]]]:
    """The body of the file's latest search report: a later report (after amendment) supersedes the earlier one.

    One query for the printed document and the public register, so both cite the same report.
    """
    return (
        select(ProceduralDocument.body)
        .where(ProceduralDocument.application_id == application_id, ProceduralDocument.kind == kind_of(SearchReport))
        .order_by(ProceduralDocument.history_seq.desc())
        .limit(1)
    )


def _citations(session: Session, application_id: uuid.UUID) -> tuple[CitationData, ...]:
    body: dict[str, Any] | None = session.execute(latest_search_report(application_id)).scalar_one_or_none()
    return tuple(
        CitationData(
            document=str(c["document_id"]),
            categories=tuple(str(x) for x in c.get("categories", ())),
            claims=tuple(int(x) for x in c.get("claims", ())),
            passage=str(c.get("passage", "")),
        )
        for c in (body or {}).get("citations", ())
    )


def _claims(session: Session, application: Application, claim_set: int) -> tuple[str, ...]:
    return tuple(
        session.execute(
            select(Claim.text)
            .where(Claim.application_id == application.id, Claim.claim_set == claim_set)
            .order_by(Claim.number)
        ).scalars()
    )


def publication_data(session: Session, publication_id: uuid.UUID) -> PublicationData:
    """Everything printed on the publication ``publication_id``."""
    publication = session.get(Publication, publication_id)
    if publication is None:
        raise LookupError(f"no publication {publication_id}")
    application = session.execute(
        select(Application)
        .where(Application.id == publication.application_id)
        .options(
            selectinload(Application.parties),
            selectinload(Application.priorities),
            selectinload(Application.ipc_classes),
        )
    ).scalar_one()
    kind = KindCode(publication.kind)
    original = kind
    corrects: str | None = None
    if publication.corrects_id is not None:
        corrected = session.get(Publication, publication.corrects_id)
        if corrected is not None:
            original = KindCode(corrected.kind)
            corrects = f"{CTPO_ST3_CODE} {corrected.number} {corrected.kind}"
    grant = kind.is_grant
    first_a = session.execute(
        select(Publication.publication_date)
        .where(Publication.application_id == application.id, Publication.kind.in_(("A1", "A2")))
        .order_by(Publication.publication_date)
        .limit(1)
    ).scalar_one_or_none()
    return PublicationData(
        country=CTPO_ST3_CODE,
        number=publication.number,
        kind=kind.value,
        document_type=original.document_type,
        language=application.language,
        application_number=application.number,
        filing_date=application.filing_date,
        title=application.title,
        abstract=application.abstract,
        publication_date=publication.publication_date,
        application_publication_date=first_a if grant else None,
        priorities=tuple(PriorityData(p.office, p.number, p.filed_on) for p in application.priorities),
        ipc=tuple(c.symbol for c in application.ipc_classes),
        applicants=tuple(
            PartyData(p.name, p.country, p.address) for p in application.parties if p.kind == PartyKind.APPLICANT
        ),
        inventors=tuple(PartyData(p.name, p.country, "") for p in application.parties if p.kind == PartyKind.INVENTOR),
        designated_states=tuple(active_states(session, application.id)),
        description=application.description,
        claims=_claims(session, application, application.claim_set_version if grant else 1),
        citations=_citations(session, application.id) if original.has_search_report else None,
        corrects=corrects,
    )
