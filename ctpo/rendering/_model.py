"""What a published document says, as plain data: the renderer's and the exporters' one input."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import date

    from workflows.publication import DocumentType


@dataclass(frozen=True, slots=True)
class PartyData:
    """An applicant, proprietor, inventor or representative as printed: (71)/(73), (72), (74)."""

    name: str
    country: str = ""
    address: str = ""


@dataclass(frozen=True, slots=True)
class PriorityData:
    """INID (30): office (ST.3), number and date of an earlier filing."""

    office: str
    number: str
    filed_on: date


@dataclass(frozen=True, slots=True)
class CitationData:
    """One line of a search report: ST.14 category, the document, the claims it concerns, where."""

    document: str
    categories: tuple[str, ...]
    claims: tuple[int, ...]
    passage: str = ""


@dataclass(frozen=True, slots=True)
class PublicationData:
    """The bibliographic data and texts of one published document (ST.9 INID codes in the field docstrings)."""

    country: str
    """(19) the ST.3 code of the publishing office."""
    number: str
    """(11) the publication number."""
    kind: str
    """(13) the ST.16 kind code."""
    document_type: DocumentType
    """(12)."""
    language: str
    application_number: str
    """(21)."""
    filing_date: date
    """(22)."""
    title: str
    """(54)."""
    abstract: str
    """(57)."""
    publication_date: date
    """(43) for A documents, (45) for B documents."""
    application_publication_date: date | None = None
    """(43) on a B document: when the application was published."""
    priorities: tuple[PriorityData, ...] = ()
    ipc: tuple[str, ...] = ()
    applicants: tuple[PartyData, ...] = ()
    """(71) on A documents; (73) proprietors on B documents."""
    inventors: tuple[PartyData, ...] = ()
    representatives: tuple[PartyData, ...] = ()
    designated_states: tuple[str, ...] = ()
    """(84), printed only when the application designates states."""
    description: str = ""
    claims: tuple[str, ...] = ()
    citations: tuple[CitationData, ...] | None = None
    """The search report; ``None`` when the document carries none (A2, B1...), ``()`` for an empty report."""
    corrects: str | None = None
    """For A8/A9/B8/B9: the ST.14 identifier of the corrected document."""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_grant(self) -> bool:
        """B documents print (45) and (73)."""
        return self.kind.startswith("B")

    @property
    def citation(self) -> str:
        """The ST.14 identifier: ``XT 0000017 A1``."""
        return f"{self.country} {self.number} {self.kind}"
