"""Registrations waiting for their e-mail to be confirmed, and tokens revoked before they expire."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ctpo.db.models._base import Base, UUIDPrimaryKey


class PendingRegistration(UUIDPrimaryKey, Base):
    """A self-registration whose address has not answered yet; the account is made only when it does.

    Nothing is taken until then: a registration in someone else's name neither blocks the real owner (their own
    registration is another row) nor creates an account.
    """

    __tablename__ = "pending_registrations"

    email: Mapped[str] = mapped_column(String(254), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 of the token mailed to the address; the token itself is stored nowhere."""
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    user_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    """The account the confirmation made."""


class RevokedToken(Base):
    """A bearer token logged out before its expiry; kept until it would have expired anyway."""

    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    revoked_at: Mapped[datetime]
