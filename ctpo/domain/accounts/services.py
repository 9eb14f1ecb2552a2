"""Creating accounts and checking credentials."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ctpo.db.models import Role, User, utcnow
from ctpo.domain.access import require_admin_of
from ctpo.domain.accounts import schemas as s
from ctpo.domain.accounts.passwords import hash_password, verify_password
from ctpo.domain.accounts.throttle import LoginThrottledError, Throttle, ThrottlePolicy
from ctpo.domain.audit.services import audit_record
from ctpo.lib.errors import ConflictError, FieldError, InvalidRequestError, NotFoundError
from workflows.offices import OfficeCode

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession


class AuthenticationError(Exception):
    """Wrong e-mail or password; deliberately says which of the two."""


class AccountService:
    """Accounts of one database."""

    def __init__(self, session: AsyncSession, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.session = session
        self.clock = clock

    async def login(self, email: str, password: str, *, address: str, policy: ThrottlePolicy) -> User:
        """:meth:`authenticate`, throttled per account and per client address (see :mod:`.throttle`).

        Each attempt is counted (and committed) before the password is checked; a correct one is refunded.

        Raises:
            LoginThrottledError: the account or the address is locked; the password was not checked.
            AuthenticationError: wrong credentials (counted).
        """
        throttle, now = Throttle(self.session, policy), self.clock()
        try:
            await throttle.charge(email, address, now)
        except LoginThrottledError:
            await self.session.rollback()
            raise
        await self.session.commit()  # the charge is visible to every other attempt before the password is checked
        user = await self.authenticate(email, password)  # a wrong one keeps its charge
        await throttle.succeeded(email, address, now)
        await self.session.commit()
        return user

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

    async def create(
        self,
        *,
        email: str,
        full_name: str,
        password: str,
        role: Role,
        office: str | None,
        created_by: User | None = None,
    ) -> User:
        """A new account; one made by an administrator (``created_by``) is audited in the same transaction.

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
            id=uuid.uuid4(),
            email=email.strip().lower(),
            full_name=full_name.strip(),
            password_hash=hash_password(password),
            role=role,
            office=office if role != Role.APPLICANT else None,
        )
        self.session.add(user)
        if created_by is not None:
            details = {"email": user.email, "role": str(role), "office": user.office}
            self.session.add(
                audit_record(
                    created_by, "user.create", office=created_by.office, target_user_id=user.id, details=details
                )
            )
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
            email=data.email,
            full_name=data.full_name,
            password=data.password,
            role=Role(data.role),
            office=office,
            created_by=admin,
        )

    async def list_staff(self, admin: User, office: str) -> list[User]:
        """Accounts of ``office``, for its administrators."""
        self._require_admin_of(admin, office)
        query = select(User).where(User.office == office.upper()).order_by(User.email)
        return list((await self.session.execute(query)).scalars())

    async def unlock(self, admin: User, office: str, user_id: uuid.UUID, policy: ThrottlePolicy) -> s.UnlockOut:
        """Lift a login lockout: staff of the administrator's office, or any applicant account (they have no office).

        Audited in the same transaction. Locks on client addresses are not lifted: they expire by themselves.

        Raises:
            ForbiddenError: the caller is not an office administrator.
            NotFoundError: another office's administrator, or no such account among those this one manages.
        """
        self._require_admin_of(admin, office)
        target = await self.session.get(User, user_id)
        if target is None or (target.role != Role.APPLICANT and target.office != office.upper()):
            raise NotFoundError(f"No account {user_id} that an administrator of {office.upper()} manages.")
        now = self.clock()
        throttle = Throttle(self.session, policy)
        was_locked_until = await throttle.locked_until(target.email, now)
        await throttle.unlock(target.email)
        details = {
            "email": target.email,
            "was_locked_until": was_locked_until.isoformat() if was_locked_until else None,
        }
        self.session.add(
            audit_record(admin, "user.unlock", office=admin.office, target_user_id=target.id, details=details)
        )
        await self.session.commit()
        return s.UnlockOut(
            user=user_out(target), was_locked=was_locked_until is not None, was_locked_until=was_locked_until
        )

    @staticmethod
    def _require_admin_of(admin: User, office: str) -> None:
        require_admin_of(admin, office, purpose="Only office administrators manage accounts.")


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
