"""Creating accounts and checking credentials."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ctpo.db.models import Role, User
from ctpo.domain.accounts import schemas as s
from ctpo.domain.accounts.passwords import hash_password, verify_password
from ctpo.lib.errors import ConflictError, FieldError, ForbiddenError, InvalidRequestError, NotFoundError
from workflows.offices import OfficeCode

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


class AuthenticationError(Exception):
    """Wrong e-mail or password; deliberately says which of the two."""


class AccountService:
    """Accounts of one database."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def authenticate(self, email: str, password: str) -> User:
        """The active account with these credentials.

        Raises:
            AuthenticationError: no such active account, or a wrong password.
        """
        user = (
            await self.session.execute(select(User).where(User.email == email.strip().lower()))
        ).scalar_one_or_none()
        ok = verify_password(user.password_hash if user else None, password)
        if user is None or not ok or not user.is_active:
            raise AuthenticationError
        return user

    async def create(self, *, email: str, full_name: str, password: str, role: Role, office: str | None) -> User:
        """A new account.

        Raises:
            InvalidRequestError: staff without an office, or an unknown office.
            ConflictError: the e-mail is taken.
        """
        if role != Role.APPLICANT and office not in OfficeCode.__members__:
            raise InvalidRequestError(
                "Office staff must belong to an office.",
                errors=[FieldError("office", f"'{office}' is not one of {', '.join(OfficeCode)}")],
            )
        user = User(
            email=email.strip().lower(),
            full_name=full_name.strip(),
            password_hash=hash_password(password),
            role=role,
            office=office if role != Role.APPLICANT else None,
        )
        self.session.add(user)
        try:
            await self.session.commit()
        except IntegrityError:
            await self.session.rollback()
            raise ConflictError(
                "An account with this e-mail already exists.", errors=[FieldError("email", "already registered")]
            ) from None
        return user

    async def create_staff(self, admin: User, office: str, data: s.UserCreateIn) -> User:
        """An examiner or administrator created by an administrator of the same office.

        Raises:
            NotFoundError: the office is not the administrator's (other offices' staff are not theirs to see).
            InvalidRequestError: the role is not a staff role.
        """
        self._require_admin_of(admin, office)
        if data.role not in {Role.EXAMINER, Role.OFFICE_ADMIN}:
            raise InvalidRequestError(
                "Administrators create staff accounts only.",
                errors=[FieldError("role", "must be examiner or office_admin; applicants register themselves")],
            )
        return await self.create(
            email=data.email, full_name=data.full_name, password=data.password, role=Role(data.role), office=office
        )

    async def list_staff(self, admin: User, office: str) -> list[User]:
        """Accounts of ``office``, for its administrators."""
        self._require_admin_of(admin, office)
        query = select(User).where(User.office == office).order_by(User.email)
        return list((await self.session.execute(query)).scalars())

    @staticmethod
    def _require_admin_of(admin: User, office: str) -> None:
        if admin.role != Role.OFFICE_ADMIN:
            raise ForbiddenError("Only office administrators manage accounts.")
        if admin.office != office.upper():
            raise NotFoundError(f"You administer {admin.office}, not {office}.")


def user_out(user: User) -> s.UserOut:
    """The public view of an account."""
    return s.UserOut(
        id=user.id,
        email=user.email,
        full_name=user.full_name,
        role=str(user.role),
        office=user.office,
        is_active=user.is_active,
    )
