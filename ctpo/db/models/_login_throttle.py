"""Failed-login counters per account and per client address, kept in the database so every API process sees them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ctpo.db.models._base import Base


class LoginThrottle(Base):
    """Failures of one e-mail (``scope='account'``) or one client address (``scope='address'``) in a window.

    E-mails are counted whether or not an account exists, so a lockout does not reveal which ones do.
    """

    __tablename__ = "login_throttle"

    scope: Mapped[str] = mapped_column(String(10), primary_key=True)
    subject: Mapped[str] = mapped_column(String(254), primary_key=True)
    """The lower-cased e-mail, or the client address."""
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime]
    last_failure_at: Mapped[datetime]
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
