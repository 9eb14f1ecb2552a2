"""The examiner's interface language, kept on the account (table ``desk_preferences``).

The browser carries the choice in a cookie, so rendering a page costs no query; the account keeps it, so the
choice follows the examiner to another browser or machine: it is written when chosen and restored at login.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ctpo.db.models import DeskPreference, utcnow
from ctpo.desk.i18n import LANGUAGES

if TYPE_CHECKING:
    import uuid

    from sqlalchemy.ext.asyncio import AsyncSession


async def stored_language(session: AsyncSession, user_id: uuid.UUID) -> str | None:
    """The language the account chose on the desk, if it ever did."""
    preference = await session.get(DeskPreference, user_id)
    return preference.language if preference is not None and preference.language in LANGUAGES else None


async def remember_language(session: AsyncSession, user_id: uuid.UUID, language: str) -> None:
    """Keep ``language`` as the account's choice (one of :data:`LANGUAGES`; anything else is ignored)."""
    if language not in LANGUAGES:
        return
    preference = await session.get(DeskPreference, user_id)
    if preference is None:
        session.add(DeskPreference(user_id=user_id, language=language))
    else:
        preference.language, preference.updated_at = language, utcnow()
    await session.commit()
