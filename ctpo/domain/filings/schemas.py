"""Request and response bodies of the filing API (msgspec structs, so Litestar validates and documents them)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec

from ctpo.lib.text import SINGLE_LINE

ShortText = Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]


class PartyIn(msgspec.Struct, forbid_unknown_fields=True):
    """An applicant or inventor."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=300, examples=["Qazaq Energy LLP"])]
    country: Annotated[str, msgspec.Meta(description="ISO 3166-1 alpha-2 code of residence", examples=["KZ"])]
    address: Annotated[str, msgspec.Meta(min_length=1, max_length=1000, examples=["Mangilik El 55, Astana"])]


class PriorityClaimIn(msgspec.Struct, forbid_unknown_fields=True):
    """An earlier filing whose date is claimed (Paris Convention Art. 4)."""

    office: Annotated[str, msgspec.Meta(description="ST.3 code of the earlier office", examples=["TR"])]
    number: Annotated[str, msgspec.Meta(min_length=1, max_length=50, examples=["TR-2026-000001"])]
    date: Annotated[date, msgspec.Meta(description="Filing date of the earlier application")]


class ClaimIn(msgspec.Struct, forbid_unknown_fields=True):
    """One numbered claim; numbers run 1, 2, 3… without gaps or repeats."""

    number: Annotated[int, msgspec.Meta(ge=1, le=10_000)]
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=20_000)]


class DocumentIn(msgspec.Struct, forbid_unknown_fields=True):
    """A document sent inline in a JSON filing; multipart filings send files instead."""

    filename: Annotated[str, msgspec.Meta(min_length=1, max_length=255, examples=["description.pdf"])]
    content_base64: Annotated[str, msgspec.Meta(description="The file's bytes, base64-encoded")]
    media_type: (
        Annotated[
            str,
            msgspec.Meta(
                max_length=100, description="application/pdf, application/xml or text/plain; checked against content"
            ),
        ]
        | None
    ) = None


class ApplicationIn(msgspec.Struct, forbid_unknown_fields=True):
    """Everything an applicant files. Texts are in one of the office languages."""

    receiving_office: Annotated[str, msgspec.Meta(description="TR, AZ, KZ, KG or UZ", examples=["KZ"])]
    language: Annotated[str, msgspec.Meta(description="tr, az, kk, ky, uz, ru or en", examples=["kk"])]
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=500, examples=["Литий-ионды аккумулятор батареясы"])]
    abstract: Annotated[str, msgspec.Meta(min_length=1, max_length=10_000)]
    description: Annotated[str, msgspec.Meta(min_length=1, max_length=2_000_000)]
    claims: Annotated[list[ClaimIn], msgspec.Meta(max_length=500)]
    applicants: Annotated[list[PartyIn], msgspec.Meta(max_length=50)]
    inventors: Annotated[list[PartyIn], msgspec.Meta(max_length=100)] = []
    priority_claims: Annotated[list[PriorityClaimIn], msgspec.Meta(max_length=20)] = []
    ipc: Annotated[list[str], msgspec.Meta(max_length=50, examples=[["H01M 10/613"]])] = []
    applicant_reference: Annotated[str, msgspec.Meta(max_length=100, description="Your docket number")] | None = None
    documents: Annotated[list[DocumentIn], msgspec.Meta(max_length=50)] = []
    on_behalf_of: (
        Annotated[
            str,
            msgspec.Meta(
                min_length=3,
                max_length=254,
                pattern=SINGLE_LINE,
                description="A representative filing for a client: the client's account e-mail. The client becomes "
                "the applicant of record; you need their general power of attorney.",
            ),
        ]
        | None
    ) = None


class DocumentReceipt(msgspec.Struct):
    """A received document as the office stores it."""

    filename: str
    media_type: str
    size: int
    sha256: str


class Receipt(msgspec.Struct):
    """The filing receipt: the legal proof of what was received and when."""

    application_number: str
    receiving_office: str
    filing_date: date
    """The receiving office's local date at receipt."""
    received_at: datetime
    title: str
    language: str
    applicant_reference: str | None
    content_digest: str
    """SHA-256 of the canonical JSON of the received content, documents by their hashes."""
    documents: list[DocumentReceipt]


class PartyOut(msgspec.Struct):
    """An applicant or inventor as stored."""

    name: str
    country: str
    address: str


class PriorityClaimOut(msgspec.Struct):
    """A priority claim as stored."""

    office: str
    number: str
    date: date


class ClaimOut(msgspec.Struct):
    """One claim of one claim set."""

    number: int
    text: str
    claim_set: int


class ClaimSetOut(msgspec.Struct):
    """One version of the claims: 1 as filed, each amendment the next."""

    version: int
    current: bool
    claims: list[ClaimOut]


class ApplicationOut(msgspec.Struct):
    """The application file as its applicant and the office's examiners see it."""

    application_number: str
    receiving_office: str
    filing_date: date
    received_at: datetime
    state: str
    language: str
    title: str
    abstract: str
    description: str
    claims: list[ClaimOut]
    """The current claim set (``claim_sets`` holds every version)."""
    claim_sets: list[ClaimSetOut]
    """Every version of the claims, oldest first; the last one is current."""
    applicants: list[PartyOut]
    inventors: list[PartyOut]
    priority_claims: list[PriorityClaimOut]
    ipc: list[str]
    applicant_reference: str | None
    content_digest: str
    documents: list[DocumentReceipt]
    publication_date: date | None


class ApplicationSummary(msgspec.Struct):
    """A line of an application list."""

    application_number: str
    receiving_office: str
    filing_date: date
    state: str
    language: str
    title: str
