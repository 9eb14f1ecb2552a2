"""The representative's clause of the access rule: which files a representative acts on, as SQL.

A representative acts for an application while an unrevoked power of attorney covers it (given for that file,
or general from its applicant of record) and their entry on the list has not been struck off. Being a party in
that capacity means the file is theirs to see and act on, exactly like the applicant's own (EPC Art. 133, 134).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import and_, exists, or_, select

from ctpo.db.models import Application, PowerOfAttorney, Representative

if TYPE_CHECKING:
    import uuid

    from sqlalchemy import ColumnElement
    from sqlalchemy.ext.asyncio import AsyncSession


def covers_application() -> ColumnElement[bool]:
    """A power of attorney row covers the ``Application`` of the enclosing query (for one file, or general)."""
    return or_(
        PowerOfAttorney.application_id == Application.id,
        and_(PowerOfAttorney.application_id.is_(None), PowerOfAttorney.principal_id == Application.owner_id),
    )


def represented_by(user_id: uuid.UUID) -> ColumnElement[bool]:
    """SQL condition: the ``Application`` of the enclosing query is represented by the account ``user_id``."""
    return exists(
        select(PowerOfAttorney.id)
        .join(Representative, Representative.id == PowerOfAttorney.representative_id)
        .where(
            Representative.user_id == user_id,
            Representative.removed_at.is_(None),
            PowerOfAttorney.revoked_at.is_(None),
            covers_application(),
        )
    )


def has_representative() -> ColumnElement[bool]:
    """SQL condition: the ``Application`` has a representative of record (or its owner is one)."""
    appointed = exists(
        select(PowerOfAttorney.id)
        .join(Representative, Representative.id == PowerOfAttorney.representative_id)
        .where(Representative.removed_at.is_(None), PowerOfAttorney.revoked_at.is_(None), covers_application())
    )
    owner_is_one = exists(
        select(Representative.id).where(
            Representative.user_id == Application.owner_id, Representative.removed_at.is_(None)
        )
    )
    return or_(appointed, owner_is_one)


async def is_represented(session: AsyncSession, application: Application) -> bool:
    """Whether the file has a representative of record, for the formalities check (EPC Art. 133(2))."""
    query = select(has_representative()).select_from(Application).where(Application.id == application.id)
    return bool((await session.execute(query)).scalar())
