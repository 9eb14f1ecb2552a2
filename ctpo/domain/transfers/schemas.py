"""Request and response bodies of transfer recordal."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import msgspec

from ctpo.domain.filings.schemas import DocumentIn, PartyIn, PartyOut
from ctpo.lib.text import SINGLE_LINE


class TransferIn(msgspec.Struct, forbid_unknown_fields=True):
    """A request to record that the application (or patent) now belongs to someone else."""

    new_owner_email: Annotated[
        str, msgspec.Meta(min_length=3, max_length=254, pattern=SINGLE_LINE, examples=["buyer@example.az"])
    ]
    """The account of the new applicant or proprietor: it gets the file; the old one loses it."""
    applicants: Annotated[list[PartyIn], msgspec.Meta(min_length=1, max_length=50)]
    """The new applicants as they are to appear in the file and the register."""
    evidence: DocumentIn
    """The deed of assignment or other proof of the transfer (EPC Rule 22(1)): PDF, XML or text."""


class TransferOut(msgspec.Struct):
    """A recorded transfer."""

    application_number: str
    history_seq: int
    recorded_at: datetime
    effective_date: date
    """The office-local date from which the transfer has effect against the office (EPC Rule 22(3))."""
    from_owner_id: uuid.UUID
    to_owner_id: uuid.UUID
    previous_applicants: list[PartyOut]
    new_applicants: list[PartyOut]
    evidence_filename: str
    evidence_sha256: str
