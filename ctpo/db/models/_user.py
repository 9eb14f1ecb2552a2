"""Accounts of applicants, examiners and office administrators."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Enum as SAEnum
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, validates

from ctpo.db.models._base import Base, CreatedAt, UUIDPrimaryKey
from workflows.states import ACCOUNT_ROLES, Role

__all__ = ["Role", "User"]


class User(UUIDPrimaryKey, CreatedAt, Base):
    """A person who logs in. Applicants have no office; staff belong to exactly one."""

    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(254), unique=True)
    """Lower-cased login name."""
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(
        SAEnum(Role, native_enum=False, length=20, values_callable=lambda roles: [r.value for r in roles])
    )
    office: Mapped[str | None] = mapped_column(String(2), default=None)
    is_active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)

    @validates("role")
    def _account_role(self, _key: str, role: Role) -> Role:
        """Only :data:`~workflows.states.ACCOUNT_ROLES` are held by accounts (``system`` is the sweep's)."""
        if role not in ACCOUNT_ROLES:
            raise ValueError(f"an account cannot hold the role {role!r}")
        return role
