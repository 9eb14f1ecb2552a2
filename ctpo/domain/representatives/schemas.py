"""Request and response bodies of the representatives API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from ctpo.lib.text import MULTI_LINE, SINGLE_LINE

RegistrationNumber = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[A-Z0-9][A-Z0-9/.-]{2,39}$",
        description="The office's number for the entry: capitals, digits, '-', '/', '.'",
        examples=["KZ-PA-0042"],
    ),
]


class RepresentativeIn(msgspec.Struct, forbid_unknown_fields=True):
    """An entry an office administrator adds to the list; the account must already exist (it registers itself)."""

    registration_number: RegistrationNumber
    account_email: Annotated[
        str, msgspec.Meta(min_length=3, max_length=254, pattern=SINGLE_LINE, examples=["attorney@example.kz"])
    ]
    """The applicant account with which the representative logs in."""
    name: Annotated[
        str, msgspec.Meta(min_length=1, max_length=300, pattern=SINGLE_LINE, examples=["Aliya Nurpeisova, attorney"])
    ]
    address: Annotated[str, msgspec.Meta(min_length=1, max_length=1000, pattern=MULTI_LINE, examples=["Dostyk 12"])]


class RepresentativeOut(msgspec.Struct):
    """An entry of the public list."""

    id: uuid.UUID
    registration_number: str
    member_state: str
    name: str
    address: str
    email: str
    registered_at: datetime
    removed_at: datetime | None


class PowerOfAttorneyIn(msgspec.Struct, forbid_unknown_fields=True):
    """An authorisation an applicant gives: for one file, or general (``application_number`` left out)."""

    representative: RegistrationNumber
    application_number: Annotated[str, msgspec.Meta(min_length=1, max_length=20, pattern=SINGLE_LINE)] | None = None


class RevocationIn(msgspec.Struct, forbid_unknown_fields=True):
    """Why an authorisation ends (optional)."""

    reason: Annotated[str, msgspec.Meta(max_length=300, pattern=MULTI_LINE)] | None = None


class PowerOfAttorneyOut(msgspec.Struct):
    """An authorisation, as its principal and its representative see it."""

    id: uuid.UUID
    principal_id: uuid.UUID
    representative: RepresentativeOut
    application_number: str | None
    """``None``: general, for every file of the principal."""
    given_at: datetime
    revoked_at: datetime | None
    revocation_reason: str | None
