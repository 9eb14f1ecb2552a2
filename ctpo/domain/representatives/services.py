"""The list of representatives and the powers of attorney: who may act for whom, and since when."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ctpo.db.models import Application, PowerOfAttorney, Representative, Role, User, utcnow
from ctpo.domain.access import require_admin_of
from ctpo.domain.audit.services import audit_record
from ctpo.domain.representatives import schemas as s
from ctpo.lib.errors import ConflictError, FieldError, ForbiddenError, InvalidRequestError, NotFoundError

if TYPE_CHECKING:
    import uuid
    from collections.abc import Callable
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession


def representative_out(entry: Representative) -> s.RepresentativeOut:
    """The public view of a list entry."""
    return s.RepresentativeOut(
        id=entry.id,
        registration_number=entry.registration_number,
        member_state=entry.member_state,
        name=entry.name,
        address=entry.address,
        email=entry.email,
        registered_at=entry.registered_at,
        removed_at=entry.removed_at,
    )


def power_of_attorney_out(poa: PowerOfAttorney, application_number: str | None) -> s.PowerOfAttorneyOut:
    """An authorisation as its principal and its representative see it (the file by its number)."""
    return s.PowerOfAttorneyOut(
        id=poa.id,
        principal_id=poa.principal_id,
        representative=representative_out(poa.representative),
        application_number=application_number,
        given_at=poa.given_at,
        revoked_at=poa.revoked_at,
        revocation_reason=poa.revocation_reason,
    )


class RepresentationService:
    """Keeps the list (office administrators) and the authorisations (applicants and their representatives)."""

    def __init__(self, session: AsyncSession, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.session = session
        self.clock = clock

    async def public_list(self, member_state: str | None) -> list[s.RepresentativeOut]:
        """The representatives currently entered, by member state and name."""
        query = select(Representative).where(Representative.removed_at.is_(None))
        if member_state:
            query = query.where(Representative.member_state == member_state.upper())
        query = query.order_by(Representative.member_state, Representative.name, Representative.registration_number)
        return [representative_out(r) for r in (await self.session.execute(query)).scalars()]

    async def register(self, admin: User, office: str, data: s.RepresentativeIn) -> s.RepresentativeOut:
        """Enter a representative on ``office``'s list.

        Raises:
            ForbiddenError, NotFoundError: not an administrator of that office.
            InvalidRequestError: the account does not exist or is not an applicant account.
            ConflictError: the number or the account is already on a list.
        """
        office = _require_admin_of(admin, office)
        account = (
            await self.session.execute(select(User).where(User.email == data.account_email.strip().lower()))
        ).scalar_one_or_none()
        if account is None or account.role != Role.APPLICANT or not account.is_active:
            raise InvalidRequestError(
                "The representative must first register an account of their own.",
                errors=[FieldError("account_email", "no active applicant account has this e-mail")],
            )
        entry = Representative(
            registration_number=data.registration_number,
            member_state=office,
            name=data.name,
            address=data.address,
            email=account.email,
            user_id=account.id,
            registered_at=self.clock(),
            registered_by=admin.id,
        )
        self.session.add(entry)
        self.session.add(
            audit_record(
                admin,
                "representative.register",
                office=office,
                target_user_id=account.id,
                details={"registration_number": data.registration_number},
            )
        )
        try:
            await self.session.commit()
        except IntegrityError:
            await self.session.rollback()
            raise ConflictError(
                "This registration number or this account is already on the list of representatives.",
                errors=[FieldError("registration_number", "already entered (or the account already has an entry)")],
            ) from None
        return representative_out(entry)

    async def strike_off(self, admin: User, office: str, entry_id: uuid.UUID) -> s.RepresentativeOut:
        """Remove an entry: its powers of attorney stop conferring rights at once.

        Raises:
            NotFoundError: no current entry of this office has the id.
        """
        office = _require_admin_of(admin, office)
        entry = await self.session.get(Representative, entry_id)
        if entry is None or entry.member_state != office or entry.removed_at is not None:
            raise NotFoundError(f"{office} has no current representative {entry_id}.")
        entry.removed_at, entry.removed_by = self.clock(), admin.id
        self.session.add(
            audit_record(
                admin,
                "representative.strike_off",
                office=office,
                target_user_id=entry.user_id,
                details={"registration_number": entry.registration_number},
            )
        )
        await self.session.commit()
        return representative_out(entry)

    async def give(self, principal: User, data: s.PowerOfAttorneyIn) -> s.PowerOfAttorneyOut:
        """Authorise a representative, for one of the principal's files or for all of them.

        Raises:
            ForbiddenError: only applicants give powers of attorney.
            InvalidRequestError: the representative is not on the list.
            NotFoundError: the file is not the principal's own (writes nothing; existence does not leak).
            ConflictError: the same authorisation is already in force.
        """
        if principal.role != Role.APPLICANT:
            raise ForbiddenError("Only applicants appoint representatives.")
        entry = (
            await self.session.execute(
                select(Representative).where(
                    Representative.registration_number == data.representative, Representative.removed_at.is_(None)
                )
            )
        ).scalar_one_or_none()
        if entry is None:
            raise InvalidRequestError(
                "Only a representative on the list can be appointed.",
                errors=[FieldError("representative", f"{data.representative} is not on the list")],
            )
        application_id = None
        if data.application_number is not None:
            application = (
                await self.session.execute(
                    select(Application).where(
                        Application.number == data.application_number, Application.owner_id == principal.id
                    )
                )
            ).scalar_one_or_none()
            if application is None:
                raise NotFoundError(f"You have no application {data.application_number}.")
            application_id = application.id
        existing = await self.session.execute(
            select(PowerOfAttorney.id).where(
                PowerOfAttorney.principal_id == principal.id,
                PowerOfAttorney.representative_id == entry.id,
                PowerOfAttorney.revoked_at.is_(None),
                PowerOfAttorney.application_id.is_(None)
                if application_id is None
                else PowerOfAttorney.application_id == application_id,
            )
        )
        if existing.first() is not None:
            raise ConflictError(f"{entry.registration_number} already holds this authorisation.")
        poa = PowerOfAttorney(
            principal_id=principal.id, representative_id=entry.id, application_id=application_id, given_at=self.clock()
        )
        poa.representative = entry
        self.session.add(poa)
        await self.session.commit()
        return (await self._out([poa]))[0]

    async def revoke(self, user: User, poa_id: uuid.UUID, reason: str | None) -> s.PowerOfAttorneyOut:
        """End an authorisation: by its principal (revocation) or its representative (resignation).

        Raises:
            NotFoundError: the caller is neither, or it does not exist.
            ConflictError: it was already revoked.
        """
        poa = await self.session.get(PowerOfAttorney, poa_id)
        if poa is None or user.id not in {poa.principal_id, poa.representative.user_id}:
            raise NotFoundError(f"You have no power of attorney {poa_id}.")
        if poa.revoked_at is not None:
            raise ConflictError(f"This power of attorney was already revoked on {poa.revoked_at.date().isoformat()}.")
        poa.revoked_at, poa.revoked_by, poa.revocation_reason = self.clock(), user.id, reason
        await self.session.commit()
        return (await self._out([poa]))[0]

    async def mine(self, user: User) -> list[s.PowerOfAttorneyOut]:
        """Authorisations the caller gave or holds, newest first."""
        held = select(Representative.id).where(Representative.user_id == user.id)
        query = (
            select(PowerOfAttorney)
            .where((PowerOfAttorney.principal_id == user.id) | PowerOfAttorney.representative_id.in_(held))
            .order_by(PowerOfAttorney.given_at.desc())
        )
        return await self._out(list((await self.session.execute(query)).unique().scalars()))

    async def _out(self, items: list[PowerOfAttorney]) -> list[s.PowerOfAttorneyOut]:
        """The authorisations for the answers, their files' numbers read in one query."""
        ids = {p.application_id for p in items if p.application_id is not None}
        numbers: dict[uuid.UUID, str] = {}
        if ids:
            rows = await self.session.execute(select(Application.id, Application.number).where(Application.id.in_(ids)))
            numbers = dict(rows.all())
        return [power_of_attorney_out(p, numbers.get(p.application_id) if p.application_id else None) for p in items]

    async def active_general(self, representative_user: User, principal: User) -> bool:
        """Whether ``representative_user`` holds a general authorisation of ``principal`` now."""
        query = (
            select(PowerOfAttorney.id)
            .join(Representative, Representative.id == PowerOfAttorney.representative_id)
            .where(
                Representative.user_id == representative_user.id,
                Representative.removed_at.is_(None),
                PowerOfAttorney.principal_id == principal.id,
                PowerOfAttorney.application_id.is_(None),
                PowerOfAttorney.revoked_at.is_(None),
            )
        )
        return (await self.session.execute(query)).first() is not None


def _require_admin_of(admin: User, office: str) -> str:
    return require_admin_of(admin, office, purpose="Only office administrators keep the list of representatives.")
