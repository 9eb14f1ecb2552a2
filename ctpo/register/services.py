"""What the public register shows, read with one rule: only applications whose publication date is set exist.

Every query here goes through :func:`_published`, so no route can reach an unpublished file by any field (number,
name, document digest, search hit). Names are matched on script-folded words (:func:`search.text.fold`), so
``Aliyev`` finds ``Алиев`` and the reverse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ctpo.db.models import (
    Application,
    Document,
    LegalEventRecord,
    PartyKind,
    Publication,
    RegisterNameKey,
)
from ctpo.domain.publications.documents import latest_search_report
from search.text import token_keys
from workflows.legal_status import KeyEvent
from workflows.publication import CTPO_ST3_CODE, parse_citation

if TYPE_CHECKING:
    import uuid
    from datetime import date

    from sqlalchemy import Select
    from sqlalchemy.ext.asyncio import AsyncSession

MAX_NAME_WORDS = 6
_APPLICATION_NUMBER = re.compile(r"^\s*([A-Za-z]{2})-(\d{4})-(\d{1,6})\s*$")


@dataclass(frozen=True, slots=True)
class PublishedDocument:
    """One published document of the file: ``XT 0000017 A1`` with its date and PDF digest (once rendered)."""

    number: str
    kind: str
    publication_date: date
    sha256: str | None
    corrects: str | None = None

    @property
    def citation(self) -> str:
        """The ST.14 identifier."""
        return f"{CTPO_ST3_CODE} {self.number} {self.kind}"


@dataclass(frozen=True, slots=True)
class LegalEvent:
    """One entry of the legal status: what happened, on which legal date, its ST.27 code and details."""

    what: str
    on: date
    code: str | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Summary:
    """A line of a result list."""

    application_number: str
    publication_number: str | None
    title: str
    applicants: tuple[str, ...]
    publication_date: date | None
    state: str


@dataclass(frozen=True, slots=True)
class Entry:
    """Everything the register shows about one published application or patent."""

    application: Application
    publications: tuple[PublishedDocument, ...]
    events: tuple[LegalEvent, ...]
    citations: tuple[dict[str, Any], ...]
    documents: tuple[Document, ...]

    @property
    def publication_number(self) -> str | None:
        """The number shared by the file's documents."""
        return self.publications[0].number if self.publications else None


def _published() -> Select[Application]:
    """The one gate of every public read."""
    return select(Application).where(Application.publication_date.is_not(None))


def _summary(app: Application, numbers: dict[uuid.UUID, str]) -> Summary:
    return Summary(
        application_number=app.number,
        publication_number=numbers.get(app.id),
        title=app.title,
        applicants=tuple(p.name for p in app.parties if p.kind == PartyKind.APPLICANT),
        publication_date=app.publication_date,
        state=app.state,
    )


async def _numbers(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = await session.execute(
        select(Publication.application_id, func.min(Publication.number))
        .where(Publication.application_id.in_(ids))
        .group_by(Publication.application_id)
    )
    return dict(rows.all())  # a Result has keys(): dict(result) would take it for a mapping


def normalise_publication_number(text: str) -> str | None:
    """``XT 0000017 A1``, ``xt17``, ``0000017`` → ``0000017``; ``None`` if it is not a CTPO publication number."""
    raw = text.strip().upper()
    if raw.isdigit():
        return raw.zfill(7) if len(raw) <= 7 else None  # noqa: PLR2004 - the series has seven digits
    citation = parse_citation(raw)
    if citation is None or citation.country != CTPO_ST3_CODE or len(citation.number) > 7:  # noqa: PLR2004
        return None
    return citation.number.zfill(7)


async def find_application(session: AsyncSession, number: str) -> Application | None:
    """A published application by its application number or its publication number (any ST.14 spelling)."""
    query = _published().options(
        selectinload(Application.parties), selectinload(Application.priorities), selectinload(Application.ipc_classes)
    )
    match = _APPLICATION_NUMBER.match(number)
    if match:
        office, year, sequence = match.groups()
        found = await session.execute(query.where(Application.number == f"{office.upper()}-{year}-{int(sequence):06d}"))
        return found.scalar_one_or_none()
    publication_number = normalise_publication_number(number)
    if publication_number is None:
        return None
    found = await session.execute(
        query.where(
            Application.id.in_(select(Publication.application_id).where(Publication.number == publication_number))
        )
    )
    return found.scalar_one_or_none()


async def entry(session: AsyncSession, number: str) -> Entry | None:
    """The register entry of a published file, or ``None`` (unknown and unpublished look the same)."""
    app = await find_application(session, number)
    if app is None:
        return None
    rows = (
        await session.execute(
            select(Publication).where(Publication.application_id == app.id).order_by(Publication.created_at)
        )
    ).scalars()
    by_id = {p.id: p for p in rows}
    publications = tuple(
        PublishedDocument(
            p.number,
            p.kind,
            p.publication_date,
            p.document_sha256,
            f"{by_id[p.corrects_id].kind}" if p.corrects_id in by_id else None,
        )
        for p in by_id.values()
    )
    recorded = (
        await session.execute(
            select(LegalEventRecord).where(LegalEventRecord.application_id == app.id).order_by(LegalEventRecord.id)
        )
    ).scalars()
    events = tuple(
        LegalEvent(
            KeyEvent(e.key_event).label,
            e.effective_date,
            e.key_event,
            " ".join(x for x in (e.state or "", str(e.payload.get("citation", ""))) if x),
        )
        for e in recorded
    )
    report: dict[str, Any] | None = (await session.execute(latest_search_report(app.id))).scalar_one_or_none()
    documents = tuple(
        (await session.execute(select(Document).where(Document.application_id == app.id).order_by(Document.position)))
        .scalars()
        .all()
    )
    return Entry(app, publications, events, tuple((report or {}).get("citations", ())), documents)


async def _latest(session: AsyncSession, number: str, kind: str) -> Publication | None:
    """The latest document ``kind`` of a published file named by its application or publication number."""
    app = await find_application(session, number)
    if app is None:
        return None
    found = await session.execute(
        select(Publication)
        .where(Publication.application_id == app.id, Publication.kind == kind.upper())
        .order_by(Publication.created_at.desc())
        .limit(1)
    )
    return found.scalar_one_or_none()


async def published_pdf_digest(session: AsyncSession, number: str, kind: str) -> str | None:
    """The SHA-256 of a published document's PDF (``None`` if unknown, unpublished or not rendered yet)."""
    publication = await _latest(session, number, kind)
    return publication.document_sha256 if publication else None


async def publication_id(session: AsyncSession, number: str, kind: str) -> uuid.UUID | None:
    """The id of a published document (for its XML)."""
    publication = await _latest(session, number, kind)
    return publication.id if publication else None


async def open_document(session: AsyncSession, number: str, sha256: str) -> Document | None:
    """A document filed with a published application: open to inspection (Art. 128(4) EPC)."""
    app = await find_application(session, number)
    if app is None:
        return None
    found = await session.execute(
        select(Document).where(Document.application_id == app.id, Document.sha256 == sha256).limit(1)
    )
    return found.scalar_one_or_none()


def name_search_query(keys: list[str], *, limit: int) -> Select[tuple[uuid.UUID, date]]:
    """Ids and dates of the newest ``limit`` published files having a name word starting with each of ``keys``.

    One range scan of the covering index ``(key, publication_date, application_id)`` for the longest key (the most
    selective prefix, usually), each other key checked on the file's few keys, sorted and cut by the key table's
    own date: no file is looked up before the ``limit`` are chosen.
    """
    driver, *others = sorted(keys, key=lambda k: (-len(k), k))
    first = RegisterNameKey.__table__.alias("first")
    query = select(first.c.application_id, first.c.publication_date).where(
        first.c.key >= driver, first.c.key < driver + "\U0010ffff"
    )
    for key in others:
        other = RegisterNameKey.__table__.alias()
        query = query.where(
            select(other.c.application_id)
            .where(
                other.c.application_id == first.c.application_id, other.c.key >= key, other.c.key < key + "\U0010ffff"
            )
            .exists()
        )
    return query.distinct().order_by(first.c.publication_date.desc(), first.c.application_id).limit(limit)


async def search_names(session: AsyncSession, name: str, *, limit: int = 50) -> list[Summary]:
    """Published files with a party whose name has every word of ``name``, in any script (prefixes match).

    Newest publication first.
    """
    keys = list(dict.fromkeys(token_keys(name)))[:MAX_NAME_WORDS]
    if not keys:
        return []
    chosen = [row.application_id for row in await session.execute(name_search_query(keys, limit=limit))]
    if not chosen:
        return []
    found = await session.execute(
        _published().where(Application.id.in_(chosen)).options(selectinload(Application.parties))
    )
    by_id = {a.id: a for a in found.scalars()}
    apps = [by_id[i] for i in chosen if i in by_id]  # the gate still applies: keys exist only for published files
    numbers = await _numbers(session, [a.id for a in apps])
    return [_summary(a, numbers) for a in apps]


async def recent(session: AsyncSession, *, limit: int = 20) -> list[Summary]:
    """The latest publications."""
    query = _published().options(selectinload(Application.parties))
    apps = list(
        (
            await session.execute(query.order_by(Application.publication_date.desc(), Application.number).limit(limit))
        ).scalars()
    )
    numbers = await _numbers(session, [a.id for a in apps])
    return [_summary(a, numbers) for a in apps]


async def published_ids(session: AsyncSession, numbers: list[str]) -> set[str]:
    """Which of these application numbers belong to published files (search hits are filtered through it)."""
    if not numbers:
        return set()
    found = await session.execute(
        select(Application.number).where(Application.number.in_(numbers), Application.publication_date.is_not(None))
    )
    return set(found.scalars())


def looks_like_application_number(text: str) -> bool:
    """``KZ-2026-000017``: a CTPO filing (corpus documents of other offices are numbered otherwise)."""
    return _APPLICATION_NUMBER.match(text) is not None
