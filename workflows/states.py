# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""The life-cycle states of an application and the roles that move it: both double as database column types."""

from __future__ import annotations

import enum


class ApplicationState(enum.StrEnum):
    """Where an application stands in the procedure.

    Publication is deliberately *not* a state: it happens at 18 months from the earliest priority whatever the
    examination has reached (search, examination, an office action...), so it is a flag on the application plus the
    ``publish`` event. Making it a state would force a duplicate of every examination state ("examination, published"
    and "examination, unpublished").
    """

    FILED = "filed"
    FORMALITIES_CHECK = "formalities_check"
    FORMALITIES_DEFICIENT = "formalities_deficient"
    """A deficiency notice is out; the applicant must file a correction."""
    SEARCH = "search"
    SEARCH_REPORT_ISSUED = "search_report_issued"
    """The search report is out; examination starts only on the applicant's request."""
    EXAMINATION = "examination"
    OFFICE_ACTION = "office_action"
    """An office action is out; the applicant must respond."""
    INTENTION_TO_GRANT = "intention_to_grant"
    """The applicant must approve the text intended for grant."""
    GRANTED = "granted"
    OPPOSITION = "opposition"
    MAINTAINED = "maintained"
    MAINTAINED_AMENDED = "maintained_amended"
    REVOKED = "revoked"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    DEEMED_WITHDRAWN = "deemed_withdrawn"
    """A time limit passed unanswered; rights may still be re-established on request."""
    RE_ESTABLISHMENT_REQUESTED = "re_establishment_requested"

    @classmethod
    def parse(cls, name: str) -> ApplicationState | None:
        """The state called ``name``, or ``None`` for a name that is not a state (a filter that matches nothing)."""
        try:
            return cls(name)
        except ValueError:
            return None


class Role(enum.StrEnum):
    """Roles, one enum for accounts and actors.

    An account holds one of :data:`ACCOUNT_ROLES`; the capacity in which it acts *on one application* is resolved
    by the service per application (the filer is its applicant, staff of another office a third party), and the
    sweep acts as :attr:`SYSTEM`.
    """

    APPLICANT = "applicant"
    """The applicant or its representative of record for this application."""
    EXAMINER = "examiner"
    OFFICE_ADMIN = "office_admin"
    SYSTEM = "system"
    """The deadline sweep and other automatic processing."""
    THIRD_PARTY = "third_party"
    """Any authenticated user who is not a party to the application (oppositions)."""


class DeadlineKind(enum.StrEnum):
    """The time limits and scheduled acts of the procedure; at most one of each kind is open per application."""

    CORRECT_DEFICIENCIES = "correct_deficiencies"
    REQUEST_EXAMINATION = "request_examination"
    RESPOND_TO_OFFICE_ACTION = "respond_to_office_action"
    APPROVE_GRANT_TEXT = "approve_grant_text"
    RE_ESTABLISHMENT = "re_establishment"
    OPPOSITION_PERIOD = "opposition_period"
    PUBLICATION = "publication"
    """Not a time limit for a party: the date from which the office publishes the application."""
    PAY_FILING_FEES = "pay_filing_fees"
    """The filing and search fees, due within one month of filing (EPC Rule 38(1), Art. 78(2), Art. 90(3))."""
    PAY_RENEWAL_FEE = "pay_renewal_fee"
    """The renewal fee falling due before grant, payable until the end of its grace period (EPC Art. 86(1),
    Rule 51(2)): open while the application is pending, one year at a time."""


S = ApplicationState

FINAL_STATES: frozenset[ApplicationState] = frozenset(
    {S.WITHDRAWN, S.REFUSED, S.REVOKED, S.MAINTAINED, S.MAINTAINED_AMENDED}
)
"""No transition leaves these states (appeals are out of scope)."""

PENDING_STATES: frozenset[ApplicationState] = frozenset(
    {
        S.FILED,
        S.FORMALITIES_CHECK,
        S.FORMALITIES_DEFICIENT,
        S.SEARCH,
        S.SEARCH_REPORT_ISSUED,
        S.EXAMINATION,
        S.OFFICE_ACTION,
        S.INTENTION_TO_GRANT,
    }
)
"""Pre-grant states in which the procedure runs normally: publication may happen in any of them."""

LAPSABLE_STATES: frozenset[ApplicationState] = PENDING_STATES
"""States in which a missed time limit deems the application withdrawn: every pending state, since the fee time
limits (filing and search fees, EPC Art. 78(2) and 90(3); pre-grant renewal fees, Art. 86(1)) run whatever the
examination has reached, beside the replies the applicant owes in the waiting states."""

ACCOUNT_ROLES: frozenset[Role] = frozenset({Role.APPLICANT, Role.EXAMINER, Role.OFFICE_ADMIN})
"""The roles an account can hold; ``system`` and ``third_party`` exist only as capacities on an application."""

STAFF_ROLES: frozenset[Role] = frozenset({Role.EXAMINER, Role.OFFICE_ADMIN})
"""Roles that belong to one office; office-bound transitions check their office."""
