"""The examiner's interface language, kept on the account (table ``desk_preferences``).

The browser carries the choice in a cookie, so rendering a page costs no query; the account keeps it, so the
choice follows the examiner to another browser or machine: it is written when chosen and restored at login.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

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
    now = utcnow()
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # one statement: two tabs choosing at once must not both try to create the row
    await session.execute(
        insert(DeskPreference)
        .values(user_id=user_id, language=language, updated_at=now)
        .on_conflict_do_update(index_elements=["user_id"], set_={"language": language, "updated_at": now})
    )
    await session.commit()
