"""Request and response bodies of PCT regional-phase entry."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import msgspec

from ctpo.domain.filings.schemas import ApplicationIn
from ctpo.lib.text import MULTI_LINE, SINGLE_LINE

Category = Literal["X", "Y", "A", "O", "P", "T", "E", "D", "L", "&"]
"""Categories of cited documents (WIPO ST.14)."""


class CitationIn(msgspec.Struct, forbid_unknown_fields=True):
    """One document cited in the international search report."""

    document: Annotated[str, msgspec.Meta(min_length=3, max_length=100, pattern=SINGLE_LINE, examples=["US 1 A1"])]
    """The cited document as ST.14 writes it: office, number, kind code."""
    category: Category
    claims: Annotated[list[Annotated[int, msgspec.Meta(ge=1, le=10_000)]], msgspec.Meta(max_length=500)] = []
    passage: Annotated[str, msgspec.Meta(max_length=1000, pattern=MULTI_LINE)] | None = None


class SearchReportIn(msgspec.Struct, forbid_unknown_fields=True):
    """The international search report (PCT Art. 18), as established by the ISA."""

    authority: Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{2}$", description="ST.3 code of the ISA", examples=["RU"])]
    date: date
    citations: Annotated[list[CitationIn], msgspec.Meta(max_length=200)]


class PublicationIn(msgspec.Struct, forbid_unknown_fields=True):
    """The international publication (PCT Art. 21)."""

    number: Annotated[str, msgspec.Meta(pattern=r"^WO ?\d{4}/\d{6}$", examples=["WO 2024/123456"])]
    date: date


class ReEstablishmentIn(msgspec.Struct, forbid_unknown_fields=True):
    """A request for re-establishment of rights with a late entry (EPC Art. 122, Rule 136)."""

    cause_removed_on: date
    grounds: Annotated[str, msgspec.Meta(min_length=1, max_length=10_000, pattern=MULTI_LINE)]


class InternationalIn(msgspec.Struct, forbid_unknown_fields=True):
    """The international application's facts."""

    application_number: Annotated[
        str,
        msgspec.Meta(
            pattern=r"^PCT/[A-Z]{2}\d{4}/\d{6}$",
            description="The international application number (receiving office, year, serial)",
            examples=["PCT/KZ2024/000123"],
        ),
    ]
    filing_date: date
    """The international filing date: it becomes the filing date here (PCT Art. 11(3))."""
    language: Annotated[str, msgspec.Meta(pattern=r"^[a-z]{2}$", description="ISO 639-1", examples=["ja"])]
    """The language of the international application as published."""
    search_report: SearchReportIn
    publication: PublicationIn | None = None
    re_establishment: ReEstablishmentIn | None = None


class EntryIn(msgspec.Struct, forbid_unknown_fields=True):
    """Entry into the CTPO phase: the international facts, and the application texts in a working language.

    Priority claims go in ``application.priority_claims``; when the international language is not a working
    language, the texts are the translation (PCT Art. 22(1), EPC Rule 159(1)(a)).
    """

    international: InternationalIn
    application: ApplicationIn


class CitationOut(msgspec.Struct):
    """A citation of the international search report."""

    document: str
    category: str
    claims: list[int]
    passage: str | None


class InternationalOut(msgspec.Struct):
    """The international side of a file, as its parties and the examiner see it."""

    application_number: str
    international_application_number: str
    international_filing_date: date
    international_language: str
    translation_language: str | None
    publication_number: str | None
    publication_date: date | None
    search_authority: str
    search_report_date: date
    search_citations: list[CitationOut]
    time_limit_due: date
    time_limit: list[dict[str, str]]
    """The 31 months, step by step."""
    re_establishment_requested: bool
