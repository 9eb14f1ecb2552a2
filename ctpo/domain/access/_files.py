"""Loading the one file a request is about, with the access rule inside the query, once per request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ctpo.db.models import Application
from ctpo.domain.access._rules import acting_as_applicant, visible_to
from ctpo.domain.audit.services import record_file_read
from ctpo.lib.errors import NotFoundError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from ctpo.db.models import User

FULL_FILE = (
    selectinload(Application.parties),
    selectinload(Application.claims),
    selectinload(Application.priorities),
    selectinload(Application.ipc_classes),
    selectinload(Application.documents),
)
"""Everything a file view shows, loaded with the file (five small IN queries, not one per relation row)."""

_CACHE = "ctpo.access.files"


@dataclass(slots=True)
class _Loaded:
    application: Application
    full: bool
    applicant: bool
    """Whether the user acts as the applicant of this file (its filer, or a representative for it)."""


class FileAccess:
    """The files of one request's session that its user may see; each is loaded and checked once.

    Services built on the same session share the cache (kept in ``session.info``), so a desk page asking for the
    state, history, deadlines and documents of a file loads and audits it once.
    """

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _cache(self) -> dict[tuple[str, str], _Loaded]:
        cache: dict[tuple[str, str], _Loaded] = self.session.info.setdefault(_CACHE, {})
        return cache

    async def _load(self, user: User, number: str, *, full: bool) -> _Loaded:
        key = (str(user.id), number)
        loaded = self._cache().get(key)
        if loaded is not None and (loaded.full or not full):
            return loaded
        query = select(Application, acting_as_applicant(user)).where(Application.number == number, visible_to(user))
        if full:
            query = query.options(*FULL_FILE)
        row = (await self.session.execute(query)).one_or_none()
        if row is None:
            raise NotFoundError(f"There is no application {number} that you can see.")
        loaded = _Loaded(row[0], full, bool(row[1]))
        self._cache()[key] = loaded
        return loaded

    async def get(self, user: User, number: str, *, full: bool = False, audit: bool = True) -> Application:
        """The application ``number`` if ``user`` may see it; ``full`` loads its parties, claims and documents.

        A staff read of an unpublished file is audited (and committed) before the file is returned.

        Raises:
            NotFoundError: it does not exist or ``user`` may not see it (the same query answers both).
            AuditUnavailableError: the read could not be audited, so it is refused.
        """
        application = (await self._load(user, number, full=full)).application
        if audit:
            await record_file_read(self.session, user, application)  # before the file leaves: no record, no read
        return application

    async def acts_as_applicant(self, user: User, number: str) -> bool:
        """Whether ``user`` acts as the applicant of the file (after :meth:`get`, from the same query).

        Raises:
            NotFoundError: as :meth:`get`.
        """
        return (await self._load(user, number, full=False)).applicant

    def forget(self) -> None:
        """Drop the loaded files, after the request changed one (its next read loads it again)."""
        self._cache().clear()
