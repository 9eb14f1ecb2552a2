# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""Who must be represented before the office: the formal requirement checked during formalities."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workflows.offices import OfficeCode

if TYPE_CHECKING:
    from collections.abc import Iterable

MEMBER_STATES: frozenset[str] = frozenset(code.value for code in OfficeCode)
"""ST.3 codes of the member states: residence or seat in one of them frees an applicant from representation."""


def representation_missing(applicant_countries: Iterable[str], *, has_representative: bool) -> str | None:
    """Why the file lacks a required representative, or ``None`` when the requirement is met.

    EPC Art. 133(2): a person with neither residence nor principal place of business in a contracting state
    must be represented by a professional representative and act through them. With several applicants, one who
    resides in a member state may act as their common representative (EPC Rule 151(1)), so the requirement
    bites only when *none* of them does. Missing representation is a formal deficiency to be corrected within
    a time limit (EPC Rule 58), never a reason to refuse a filing date (EPC Art. 80 / Rule 40 do not list it).

    >>> representation_missing(["US"], has_representative=False)
    'no applicant resides in a member state (US): appoint a registered representative (EPC Art. 133(2))'
    >>> representation_missing(["US", "KZ"], has_representative=False) is None
    True
    >>> representation_missing(["JP"], has_representative=True) is None
    True
    """
    countries = [c.upper() for c in applicant_countries]
    if has_representative or not countries or any(c in MEMBER_STATES for c in countries):
        return None
    foreign = ", ".join(sorted(set(countries)))
    return f"no applicant resides in a member state ({foreign}): appoint a registered representative (EPC Art. 133(2))"
