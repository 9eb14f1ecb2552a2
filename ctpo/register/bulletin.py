"""The weekly bulletin: every A and B publication and every legal event of one week, as data, HTML and XML.

Which week an act belongs to is :mod:`workflows.bulletin` (office-local calendars); this module reads the issue's
content through the register's one gate (published files only) and writes the machine-readable form.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import and_, or_, select

from ctpo.db.models import Application, LegalEventRecord, Publication
from workflows import OfficeCode
from workflows.legal_status import KeyEvent
from workflows.publication import CTPO_ST3_CODE

if TYPE_CHECKING:
    from datetime import date, datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from workflows.bulletin import BulletinIssue


@dataclass(frozen=True, slots=True)
class BulletinPublication:
    """A document published in the week."""

    number: str
    kind: str
    publication_date: date
    application_number: str
    title: str
    language: str
    office: str

    @property
    def citation(self) -> str:
        """The ST.14 identifier."""
        return f"{CTPO_ST3_CODE} {self.number} {self.kind}"


@dataclass(frozen=True, slots=True)
class BulletinEvent:
    """A legal event entered in the register in the week."""

    application_number: str
    key_event: str
    effective_date: date
    recorded_at: datetime
    state: str | None
    detail: str

    @property
    def title(self) -> str:
        """The ST.27 key event in English."""
        return KeyEvent(self.key_event).label


@dataclass(frozen=True, slots=True)
class Bulletin:
    """One issue's content."""

    issue: BulletinIssue
    publications: tuple[BulletinPublication, ...]
    events: tuple[BulletinEvent, ...]


async def bulletin(session: AsyncSession, issue: BulletinIssue) -> Bulletin:
    """What the issue lists: publications dated in its week, and events recorded in it on each office's calendar.

    Only files published by the end of the week appear (an unpublished file's events stay out of every issue).
    """
    public = and_(Application.publication_date.is_not(None), Application.publication_date <= issue.end)
    publications = (
        await session.execute(
            select(
                Publication, Application.number, Application.title, Application.language, Application.receiving_office
            )
            .join(Application, Application.id == Publication.application_id)
            .where(public, Publication.publication_date >= issue.start, Publication.publication_date <= issue.end)
            .order_by(Publication.number, Publication.created_at)
        )
    ).all()
    in_week = or_(
        *(
            and_(
                Application.receiving_office == office.value,
                LegalEventRecord.recorded_at >= issue.window(office)[0],
                LegalEventRecord.recorded_at < issue.window(office)[1],
            )
            for office in OfficeCode
        )
    )
    events = (
        await session.execute(
            select(LegalEventRecord, Application.number)
            .join(Application, Application.id == LegalEventRecord.application_id)
            .where(public, in_week)
            .order_by(Application.number, LegalEventRecord.id)
        )
    ).all()
    return Bulletin(
        issue,
        tuple(
            BulletinPublication(p.number, p.kind, p.publication_date, number, title, language, office)
            for p, number, title, language, office in publications
        ),
        tuple(
            BulletinEvent(
                number, e.key_event, e.effective_date, e.recorded_at, e.state, str(e.payload.get("citation", ""))
            )
            for e, number in events
        ),
    )


def bulletin_xml(content: Bulletin) -> bytes:
    """The issue as XML: stable element names, ST.14 identifiers, ST.27 codes, ISO dates (ST.2)."""
    issue = content.issue
    root = ET.Element(
        "bulletin",
        {
            "office": CTPO_ST3_CODE,
            "year": str(issue.year),
            "week": f"{issue.week:02d}",
            "start": issue.start.isoformat(),
            "end": issue.end.isoformat(),
        },
    )
    publications = ET.SubElement(root, "publications", {"count": str(len(content.publications))})
    for p in content.publications:
        element = ET.SubElement(
            publications,
            "publication",
            {
                "country": CTPO_ST3_CODE,
                "doc-number": p.number,
                "kind": p.kind,
                "date": p.publication_date.isoformat(),
                "application-number": p.application_number,
                "receiving-office": p.office,
                "lang": p.language,
            },
        )
        ET.SubElement(element, "invention-title", {"lang": p.language}).text = p.title
    events = ET.SubElement(root, "legal-events", {"count": str(len(content.events))})
    for e in content.events:
        attributes = {
            "application-number": e.application_number,
            "key-event": e.key_event,
            "category": e.key_event[0],
            "effective-date": e.effective_date.isoformat(),
            "recorded-at": e.recorded_at.isoformat(),
        }
        if e.state:
            attributes["state"] = e.state
        if e.detail:
            attributes["document"] = e.detail
        ET.SubElement(events, "legal-event", attributes).text = e.title
    ET.indent(root)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))
