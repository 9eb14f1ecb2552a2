"""Who may see and do what: one module for the rule, used by the API, the desk and the background work alike.

See ``docs/architecture.md`` ("An access rule") for how a new clause slots in.
"""

from __future__ import annotations

from ctpo.domain.access._files import FileAccess
from ctpo.domain.access._rules import (
    APPLICANT_CLAUSES,
    PUBLIC_CLAUSES,
    STAFF_CLAUSES,
    Clause,
    acting_as_applicant,
    assigned_examiner,
    concerning,
    office_staff,
    own_filing,
    published,
    representing,
    require_admin_of,
    require_staff_of,
    visible_to,
)

__all__ = [
    "APPLICANT_CLAUSES",
    "PUBLIC_CLAUSES",
    "STAFF_CLAUSES",
    "Clause",
    "FileAccess",
    "acting_as_applicant",
    "assigned_examiner",
    "concerning",
    "office_staff",
    "own_filing",
    "published",
    "representing",
    "require_admin_of",
    "require_staff_of",
    "visible_to",
]
