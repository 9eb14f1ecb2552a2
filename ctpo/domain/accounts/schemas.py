"""Request and response bodies of the account API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from ctpo.lib.text import SINGLE_LINE

Email = Annotated[
    str, msgspec.Meta(min_length=3, max_length=254, pattern=r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+$")
]
FullName = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=SINGLE_LINE)]
Password = Annotated[str, msgspec.Meta(min_length=10, max_length=200, description="At least 10 characters")]


class LoginIn(msgspec.Struct, forbid_unknown_fields=True):
    """Credentials."""

    email: Annotated[str, msgspec.Meta(max_length=254, pattern=SINGLE_LINE, examples=["applicant@example.kz"])]
    password: Annotated[str, msgspec.Meta(max_length=200, examples=["correct horse battery"])]


class TokenOut(msgspec.Struct):
    """A bearer token for the ``Authorization`` header."""

    access_token: str
    token_type: str
    expires_at: datetime


class RegisterIn(msgspec.Struct, forbid_unknown_fields=True):
    """Self-registration of an applicant or patent attorney."""

    email: Email
    full_name: FullName
    password: Password


class RegistrationOut(msgspec.Struct):
    """What a registration answers, whoever asked and whatever the address."""

    detail: str
    expires_in_seconds: int
    """How long the mailed code is valid."""


class ConfirmIn(msgspec.Struct, forbid_unknown_fields=True):
    """The code mailed to a registering address."""

    token: Annotated[str, msgspec.Meta(min_length=16, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]


class UserCreateIn(msgspec.Struct, forbid_unknown_fields=True):
    """An account created by an office administrator for their office."""

    email: Email
    full_name: FullName
    password: Password
    role: Annotated[str, msgspec.Meta(description="examiner or office_admin")]


class UserOut(msgspec.Struct):
    """An account as others may see it."""

    id: uuid.UUID
    email: str
    full_name: str
    role: str
    office: str | None
    is_active: bool


class UnlockOut(msgspec.Struct):
    """The account whose login lock was lifted, and whether it was locked."""

    user: UserOut
    was_locked: bool
    was_locked_until: datetime | None
