"""The access rule, written once as SQL clauses, and the office checks for staff and administrators.

A file is secret until published: before that only the parties to it may learn it exists (its novelty depends on
it). Visibility is a ``WHERE`` clause, never a check after loading, so a file you may not see is answered by the
same query and code path as a file that does not exist.

Each clause is a named function of the user returning a condition on :class:`~ctpo.db.models.Application`, or
``None`` when it never applies to that user. A new way of being a party to a file is one more function in one of
the tuples below: :data:`APPLICANT_CLAUSES` for those who act as the applicant (the representative acting for a
client is one), :data:`STAFF_CLAUSES` for office staff (an examiner of another office assigned to the file
is one: :func:`assigned_examiner`); every list, page, transition and legal-event read picks it up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import false, or_

from ctpo.db.models import Application, Role
from ctpo.domain.representatives.access import represented_by
from ctpo.lib.errors import ForbiddenError, NotFoundError
from workflows.states import STAFF_ROLES

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import ColumnElement

    from ctpo.db.models import User

    Clause = Callable[[User], ColumnElement[bool] | None]
else:
    Clause = object


def published(_user: User) -> ColumnElement[bool]:
    """A published application is open to public inspection (Art. 128(4) EPC): any account may read it."""
    return Application.publication_date.is_not(None)


def own_filing(user: User) -> ColumnElement[bool] | None:
    """An applicant sees the applications its account filed."""
    return Application.owner_id == user.id if user.role is Role.APPLICANT else None


def representing(user: User) -> ColumnElement[bool] | None:
    """A representative acts for the files an unrevoked power of attorney covers (EPC Art. 133, 134)."""
    return represented_by(user.id) if user.role is Role.APPLICANT else None


def office_staff(user: User) -> ColumnElement[bool] | None:
    """Examiners and administrators see every file of their own office."""
    return Application.receiving_office == user.office if user.role in STAFF_ROLES and user.office else None


def assigned_examiner(user: User) -> ColumnElement[bool] | None:
    """An examiner sees the file assigned to them, also a file of another office (work sharing).

    Only that file of the other office: the assignment is the file's ``claimed_by``, so releasing or reassigning it
    ends the view. Acting on it is the workflow's rule (:func:`workflows.machine.works_on`), on the same column.
    """
    return Application.claimed_by == user.id if user.role is Role.EXAMINER else None


APPLICANT_CLAUSES: tuple[Clause, ...] = (own_filing, representing)
"""Who acts as the applicant of a file: they see it and take the applicant's actions."""

STAFF_CLAUSES: tuple[Clause, ...] = (office_staff, assigned_examiner)
"""Which office staff work on a file."""

PUBLIC_CLAUSES: tuple[Clause, ...] = (published,)
"""Who may read a file without being a party to it."""


def _any(user: User, clauses: tuple[Clause, ...]) -> ColumnElement[bool]:
    conditions = [c for clause in clauses if (c := clause(user)) is not None]
    return or_(*conditions) if conditions else false()


def visible_to(user: User) -> ColumnElement[bool]:
    """The condition on ``applications`` rows that ``user`` may read: its parties, and all once published."""
    return _any(user, (*PUBLIC_CLAUSES, *APPLICANT_CLAUSES, *STAFF_CLAUSES))


def concerning(user: User) -> ColumnElement[bool]:
    """The condition on ``applications`` rows that ``user`` is a party to (what "my files" lists)."""
    return _any(user, (*APPLICANT_CLAUSES, *STAFF_CLAUSES))


def acting_as_applicant(user: User) -> ColumnElement[bool]:
    """The condition on ``applications`` rows for which ``user`` acts as the applicant."""
    return _any(user, APPLICANT_CLAUSES)


def require_staff_of(user: User, office: str, *, purpose: str = "Queues and calendars are for office staff.") -> str:
    """Check that ``user`` works for ``office``; return the office code, upper-cased.

    Raises:
        ForbiddenError: an applicant (``purpose`` says what is reserved to staff).
        NotFoundError: staff of another office (another office's work is not theirs to learn about).
    """
    office = office.upper()
    if user.role not in STAFF_ROLES:
        raise ForbiddenError(purpose)
    if user.office != office:
        raise NotFoundError(f"You work for {user.office}, not {office}.")
    return office


def require_admin_of(user: User, office: str, *, purpose: str) -> str:
    """Check that ``user`` administers ``office``; return the office code, upper-cased.

    Raises:
        ForbiddenError: not an office administrator (``purpose`` says what is reserved to them).
        NotFoundError: the administrator of another office.
    """
    office = office.upper()
    if user.role is not Role.OFFICE_ADMIN:
        raise ForbiddenError(purpose)
    if user.office != office:
        raise NotFoundError(f"You administer {user.office}, not {office}.")
    return office
