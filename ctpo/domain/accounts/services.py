"""Creating accounts and checking credentials."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

import anyio
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ctpo.db.models import PendingRegistration, Role, User, utcnow
from ctpo.domain.access import require_admin_of
from ctpo.domain.accounts import schemas as s
from ctpo.domain.accounts.identity import canonical_email, clean_full_name, is_reserved
from ctpo.domain.accounts.passwords import hash_password, verify_password
from ctpo.domain.accounts.throttle import LoginThrottledError, Throttle, ThrottlePolicy, charge_registration
from ctpo.domain.audit.services import audit_record
from ctpo.lib.errors import ConflictError, FieldError, InvalidRequestError, NotFoundError
from ctpo.mail import OutgoingMail, queue_mail_async
from workflows.offices import OfficeCode

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from ctpo.lib.settings import Settings


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
        user = (await self.session.execute(select(User).where(User.email == _login_name(email)))).scalar_one_or_none()
        # Argon2 takes tens of milliseconds of CPU by design: in a worker thread, so no other request waits for it
        ok = await anyio.to_thread.run_sync(verify_password, user.password_hash if user else None, password)
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
            email=canonical_email(email),
            full_name=clean_full_name(full_name),
            password_hash=await anyio.to_thread.run_sync(hash_password, password),
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

    async def register(self, data: s.RegisterIn, *, address: str, settings: Settings) -> s.RegistrationOut:
        """Start a self-registration: a confirmation mail to the address; the account exists once it is confirmed.

        The answer and the work are the same whether or not the address already has an account (no existence
        oracle): an unknown address gets a confirmation link, a known one a note that it already has an account.
        Either way only the mailbox's owner learns which.

        Raises:
            InvalidRequestError: the address or name breaks :mod:`.identity`'s rules, or is an office staff domain.
            RegistrationThrottledError: too many registrations from this client or for this address.
        """
        email = canonical_email(data.email)
        full_name = clean_full_name(data.full_name)
        if is_reserved(email, settings.registration.staff_email_domains, data.email):
            raise InvalidRequestError(
                "Addresses of the offices' own domains are for staff accounts, which office administrators create.",
                errors=[FieldError("email", "this domain is reserved for office staff")],
            )
        now = self.clock()
        await charge_registration(self.session, email=email, address=address, now=now, settings=settings)
        password_hash = await anyio.to_thread.run_sync(hash_password, data.password)  # on both paths: same cost
        token = secrets.token_urlsafe(32)
        existing = (await self.session.execute(select(User.id).where(User.email == email))).scalar_one_or_none()
        if existing is None:
            self.session.add(
                PendingRegistration(
                    email=email,
                    full_name=full_name,
                    password_hash=password_hash,
                    token_hash=_token_hash(token),
                    created_at=now,
                    expires_at=now + timedelta(seconds=settings.registration.registration_ttl_seconds),
                )
            )
        mail = (
            _confirmation_mail(email, token, settings)
            if existing is None
            else _already_registered_mail(email, settings)
        )
        await queue_mail_async(self.session, mail, now, sender=settings.mail.sender)
        await self.session.commit()
        return s.RegistrationOut(
            detail="If this address can be registered, a confirmation code is on its way to it. "
            "Send it to POST /auth/confirm to open the account.",
            expires_in_seconds=settings.registration.registration_ttl_seconds,
        )

    async def confirm(self, token: str) -> s.UserOut:
        """Finish a registration: the account is made from the confirmed pending registration.

        Raises:
            InvalidRequestError: an unknown, used or expired token.
            ConflictError: the address got an account meanwhile (another registration confirmed first).
        """
        now = self.clock()
        query = select(PendingRegistration).where(PendingRegistration.token_hash == _token_hash(token))
        pending = (await self.session.execute(query.with_for_update())).scalar_one_or_none()
        if pending is None or pending.confirmed_at is not None or pending.expires_at <= now:
            raise InvalidRequestError(
                "This confirmation link is not valid or has expired; register again to get a new one.",
                errors=[FieldError("token", "unknown, already used or expired")],
            )
        user = User(
            id=uuid.uuid4(),
            email=pending.email,
            full_name=pending.full_name,
            password_hash=pending.password_hash,
            role=Role.APPLICANT,
            office=None,
        )
        self.session.add(user)
        await self.session.execute(
            update(PendingRegistration)
            .where(PendingRegistration.id == pending.id)
            .values(confirmed_at=now, user_id=user.id)
        )
        try:
            await self.session.commit()
        except IntegrityError:
            await self.session.rollback()
            raise ConflictError(
                "This address already has an account; log in with it.", errors=[FieldError("token", "already used")]
            ) from None
        return user_out(user)

    async def create_staff(self, admin: User, office: str, data: s.UserCreateIn) -> s.UserOut:
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
        user = await self.create(
            email=data.email,
            full_name=data.full_name,
            password=data.password,
            role=Role(data.role),
            office=office,
            created_by=admin,
        )
        return user_out(user)

    async def list_staff(self, admin: User, office: str) -> list[s.UserOut]:
        """Accounts of ``office``, for its administrators."""
        self._require_admin_of(admin, office)
        query = select(User).where(User.office == office.upper()).order_by(User.email)
        return [user_out(u) for u in (await self.session.execute(query)).scalars()]

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


def _login_name(email: str) -> str:
    """The stored form of a typed login e-mail (unparseable ones are looked up as typed, and found nowhere)."""
    try:
        return canonical_email(email)
    except InvalidRequestError:
        return email.strip().lower()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _base(settings: Settings) -> str:
    return settings.server.public_url.rstrip("/")


def _confirmation_mail(email: str, token: str, settings: Settings) -> OutgoingMail:
    return OutgoingMail(
        kind="registration.confirm",
        to=email,
        subject="CTPO: confirm your e-mail address",
        body=(
            "Someone, probably you, asked to open an applicant account of the Common Turkic Patent Organization "
            "with this address.\n\n"
            "To confirm it and open the account, send this confirmation code within "
            f"{settings.registration.registration_ttl_seconds // 3600} hours:\n\n    {token}\n\n"
            f"curl -X POST {_base(settings)}/auth/confirm -H 'content-type: application/json' "
            f'-d \'{{"token": "{token}"}}\'\n\n'
            "If it was not you, ignore this message: no account is opened without the code.\n"
        ),
    )


def _already_registered_mail(email: str, settings: Settings) -> OutgoingMail:
    return OutgoingMail(
        kind="registration.exists",
        to=email,
        subject="CTPO: you already have an account",
        body=(
            "Someone, probably you, asked to open an applicant account of the Common Turkic Patent Organization "
            "with this address, which already has one. Nothing was changed.\n\n"
            f"Log in at {_base(settings)}/auth/login with this address. If you have forgotten the password, "
            "an office administrator can help.\n"
        ),
    )


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
