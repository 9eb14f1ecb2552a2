# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""Legal-status events coded after WIPO Standard ST.27, the one record every procedure writes to.

ST.27 (Recommendation for the exchange of patent legal status data) describes each legal event by

* a **category** (one letter, what kind of thing happened: ``A`` application filed ... ``Y`` correction),
* a **key event** within it (the letter and two digits, e.g. ``F10``), and
* the overall **status** and **phase** of the file after the event (pending application; IP right in force;
  not in force), so a reader knows where the file stands without replaying its history.

The category letters and their titles are those of ST.27 (revision of 2024, key-event list). ST.27 lets each office
map its own procedural steps to key events; :data:`KEY_EVENTS` is the CTPO's mapping. In ST.27 terms ``B``
(discontinued) and ``H`` (ceased) may still be undone by ``C``/``K`` (revived), while ``N`` (terminated) is final.

A designated state (Eurasian Patent Convention Art. 15(4), renewals per state under Art. 18) is the ST.3 code of
that member state on the event; no code means the event concerns the application or patent as a whole.

Everything here is pure: the service stores :class:`LegalEvent` values with ``ctpo.domain.legal_status``.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from workflows.actions import Action
from workflows.fees import legal_due_date, renewal_year_of_grace
from workflows.offices import OFFICES, OfficeCode
from workflows.states import ApplicationState, DeadlineKind

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import date

    from workflows.machine import Decision

SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


class Category(enum.StrEnum):
    """ST.27 event categories (the first letter of every key event)."""

    APPLICATION_FILED = "A"
    APPLICATION_DISCONTINUED = "B"
    APPLICATION_REVIVED = "C"
    SEARCH_OR_EXAMINATION = "D"
    """Search and/or examination requested or commenced."""
    PRE_GRANT_REVIEW = "E"
    IP_RIGHT_GRANTED = "F"
    PROTECTION_BEYOND_TERM = "G"
    IP_RIGHT_CEASED = "H"
    IP_RIGHT_REVIVED = "K"
    IP_RIGHT_REVIEW = "L"
    """IP right review requested (opposition, revocation request)."""
    IP_RIGHT_MAINTAINED = "M"
    TERMINATED = "N"
    """Application or IP right terminated: final, no revival possible."""
    DOCUMENT_MODIFIED = "P"
    DOCUMENT_PUBLISHED = "Q"
    PARTY_DATA_CHANGED = "R"
    LICENSING = "S"
    PROCEDURE_ADJUSTED = "T"
    FEE_PAID = "U"
    APPEAL_REQUESTED = "V"
    OTHER = "W"
    CORRECTION = "Y"
    """Event information corrected or deleted: how an append-only record says "that was wrong"."""

    @property
    def label(self) -> str:
        """The ST.27 title of the category."""
        return _CATEGORY_TITLES[self]


_CATEGORY_TITLES: Mapping[Category, str] = MappingProxyType(
    {
        Category.APPLICATION_FILED: "Application filed",
        Category.APPLICATION_DISCONTINUED: "Application discontinued",
        Category.APPLICATION_REVIVED: "Application revived",
        Category.SEARCH_OR_EXAMINATION: "Search and/or examination requested or commenced",
        Category.PRE_GRANT_REVIEW: "Pre-grant review requested",
        Category.IP_RIGHT_GRANTED: "IP right granted",
        Category.PROTECTION_BEYOND_TERM: "Protection beyond IP right term granted",
        Category.IP_RIGHT_CEASED: "IP right ceased",
        Category.IP_RIGHT_REVIVED: "IP right revived",
        Category.IP_RIGHT_REVIEW: "IP right review requested",
        Category.IP_RIGHT_MAINTAINED: "IP right maintained",
        Category.TERMINATED: "Application or IP right terminated",
        Category.DOCUMENT_MODIFIED: "Document modified",
        Category.DOCUMENT_PUBLISHED: "Document published",
        Category.PARTY_DATA_CHANGED: "Party data change recorded",
        Category.LICENSING: "Licensing information recorded",
        Category.PROCEDURE_ADJUSTED: "Administrative procedure adjusted",
        Category.FEE_PAID: "Fee paid",
        Category.APPEAL_REQUESTED: "Appeal requested",
        Category.OTHER: "Other event occurred",
        Category.CORRECTION: "Event information corrected or deleted",
    }
)


class Status(enum.StrEnum):
    """ST.27 overall status of the file (or of one designated state) after the event."""

    PENDING = "pending"
    """An application: no right granted yet, the procedure may still lead to one."""
    IN_FORCE = "in_force"
    """A granted IP right with effect."""
    NOT_IN_FORCE = "not_in_force"
    """No application pending and no right in force (withdrawn, refused, lapsed, expired, revoked...)."""


class Phase(enum.StrEnum):
    """ST.27 life-cycle phase: before or after grant."""

    APPLICATION = "application"
    IP_RIGHT = "ip_right"


class KeyEvent(enum.StrEnum):
    """The key events the CTPO records, coded ``<category letter><two digits>`` as in ST.27."""

    APPLICATION_FILED = "A10"
    APPLICATION_WITHDRAWN = "B10"
    """Withdrawn by the applicant (EPC Art. 87 style withdrawal; with a state: that designation withdrawn)."""
    APPLICATION_DEEMED_WITHDRAWN = "B11"
    """A time limit or fee was missed (EPC Art. 90(2), 94(2), Rule 71(7); with a state: designation fee unpaid)."""
    APPLICATION_REFUSED = "B20"
    APPLICATION_REVIVED = "C10"
    """Re-establishment of rights granted (EPC Art. 122)."""
    SEARCH_REPORT_ESTABLISHED = "D10"
    EXAMINATION_REQUESTED = "D20"
    """Takes effect when the examination fee is paid (EPC Art. 94(1))."""
    PATENT_GRANTED = "F10"
    PATENT_LAPSED = "H10"
    """Renewal fee not paid in a state (Eurasian Patent Convention Art. 18, EPC Art. 86(1)); dated on the due date."""
    PATENT_SURRENDERED = "H11"
    PATENT_EXPIRED = "H12"
    """End of the 20-year term (EPC Art. 63(1))."""
    PATENT_REVOKED = "H20"
    PATENT_REVIVED = "K10"
    OPPOSITION_FILED = "L10"
    PATENT_MAINTAINED = "M10"
    PATENT_MAINTAINED_AMENDED = "M11"
    APPLICATION_TERMINATED = "N10"
    """The period for re-establishment ran out: the loss of rights is final."""
    OWNERSHIP_CHANGED = "R10"
    """A change of applicant or proprietor recorded on evidence (EPC Art. 72, Rules 22 and 85)."""
    APPLICATION_PUBLISHED = "Q10"
    PATENT_SPECIFICATION_PUBLISHED = "Q20"
    FEE_PAID = "U10"
    RENEWAL_FEE_PAID = "U11"
    FEE_REFUNDED = "Y10"
    """A recorded payment reversed: the correction is itself an event, nothing is erased."""

    @property
    def category(self) -> Category:
        """The ST.27 category: the code's first letter."""
        return Category(self.value[0])

    @property
    def label(self) -> str:
        """What happened, in English."""
        return _KEY_EVENT_TITLES[self]


_KEY_EVENT_TITLES: Mapping[KeyEvent, str] = MappingProxyType(
    {
        KeyEvent.APPLICATION_FILED: "Application filed",
        KeyEvent.APPLICATION_WITHDRAWN: "Application withdrawn",
        KeyEvent.APPLICATION_DEEMED_WITHDRAWN: "Application deemed to be withdrawn",
        KeyEvent.APPLICATION_REFUSED: "Application refused",
        KeyEvent.APPLICATION_REVIVED: "Rights re-established",
        KeyEvent.SEARCH_REPORT_ESTABLISHED: "Search report established",
        KeyEvent.EXAMINATION_REQUESTED: "Request for examination filed",
        KeyEvent.PATENT_GRANTED: "Patent granted",
        KeyEvent.PATENT_LAPSED: "Patent lapsed (renewal fee not paid)",
        KeyEvent.PATENT_SURRENDERED: "Patent surrendered",
        KeyEvent.PATENT_EXPIRED: "Patent expired (end of term)",
        KeyEvent.PATENT_REVOKED: "Patent revoked",
        KeyEvent.PATENT_REVIVED: "Patent revived",
        KeyEvent.OPPOSITION_FILED: "Opposition filed",
        KeyEvent.PATENT_MAINTAINED: "Patent maintained after opposition",
        KeyEvent.PATENT_MAINTAINED_AMENDED: "Patent maintained in amended form",
        KeyEvent.APPLICATION_TERMINATED: "Loss of rights final",
        KeyEvent.OWNERSHIP_CHANGED: "Change of applicant or proprietor recorded",
        KeyEvent.APPLICATION_PUBLISHED: "Application published",
        KeyEvent.PATENT_SPECIFICATION_PUBLISHED: "Patent specification published",
        KeyEvent.FEE_PAID: "Fee paid",
        KeyEvent.RENEWAL_FEE_PAID: "Renewal fee paid",
        KeyEvent.FEE_REFUNDED: "Fee payment reversed",
    }
)

_GRANTED_STATES = frozenset(
    {ApplicationState.GRANTED, ApplicationState.OPPOSITION, ApplicationState.MAINTAINED}
    | {ApplicationState.MAINTAINED_AMENDED}
)
_DEAD_STATES = frozenset(
    {
        ApplicationState.WITHDRAWN,
        ApplicationState.REFUSED,
        ApplicationState.REVOKED,
        ApplicationState.DEEMED_WITHDRAWN,
        ApplicationState.RE_ESTABLISHMENT_REQUESTED,
    }
)


def status_in(state: ApplicationState) -> tuple[Status, Phase]:
    """The ST.27 status and phase of a file in this workflow state.

    >>> status_in(ApplicationState.SEARCH)
    (<Status.PENDING: 'pending'>, <Phase.APPLICATION: 'application'>)
    >>> status_in(ApplicationState.REVOKED)
    (<Status.NOT_IN_FORCE: 'not_in_force'>, <Phase.IP_RIGHT: 'ip_right'>)
    """
    if state in _GRANTED_STATES:
        return Status.IN_FORCE, Phase.IP_RIGHT
    if state is ApplicationState.REVOKED:
        return Status.NOT_IN_FORCE, Phase.IP_RIGHT
    if state in _DEAD_STATES:
        return Status.NOT_IN_FORCE, Phase.APPLICATION
    return Status.PENDING, Phase.APPLICATION


@dataclass(frozen=True, slots=True)
class LegalEvent:
    """One legal event, as stored (append-only) and exchanged.

    Raises:
        ValueError: a malformed document digest, or a payload that is not a JSON object.
    """

    key_event: KeyEvent
    status: Status
    phase: Phase
    effective_date: date
    """The legal date of the event (a lapse is dated on the renewal due date, not on the day it was noticed)."""
    state: OfficeCode | None = None
    """The designated state concerned (ST.3 code); ``None``: the whole application or patent."""
    document_sha256: str | None = None
    """Hex SHA-256 of the document that carries the event (a decision, a publication, a receipt), if any."""
    payload: Mapping[str, object] = field(default_factory=dict)
    """Event details a reader needs (fee code and amount, reason, publication number...): JSON values only."""

    def __post_init__(self) -> None:
        if self.document_sha256 is not None and not SHA256_HEX.match(self.document_sha256):
            raise ValueError("document_sha256 must be 64 lowercase hex digits")

    @property
    def category(self) -> Category:
        """The ST.27 category of the key event."""
        return self.key_event.category


ACTION_EVENTS: Mapping[Action, KeyEvent] = MappingProxyType(
    {
        Action.FILE: KeyEvent.APPLICATION_FILED,
        Action.ENTER_REGIONAL_PHASE: KeyEvent.APPLICATION_FILED,
        Action.ISSUE_SEARCH_REPORT: KeyEvent.SEARCH_REPORT_ESTABLISHED,
        Action.REQUEST_EXAMINATION: KeyEvent.EXAMINATION_REQUESTED,
        Action.APPROVE_GRANT_TEXT: KeyEvent.PATENT_GRANTED,
        Action.REFUSE: KeyEvent.APPLICATION_REFUSED,
        Action.WITHDRAW: KeyEvent.APPLICATION_WITHDRAWN,
        Action.DEEM_WITHDRAWN: KeyEvent.APPLICATION_DEEMED_WITHDRAWN,
        Action.GRANT_RE_ESTABLISHMENT: KeyEvent.APPLICATION_REVIVED,
        Action.REJECT_RE_ESTABLISHMENT: KeyEvent.APPLICATION_DEEMED_WITHDRAWN,
        Action.CLOSE_RE_ESTABLISHMENT_WINDOW: KeyEvent.APPLICATION_TERMINATED,
        Action.FILE_OPPOSITION: KeyEvent.OPPOSITION_FILED,
        Action.MAINTAIN_PATENT: KeyEvent.PATENT_MAINTAINED,
        Action.MAINTAIN_AS_AMENDED: KeyEvent.PATENT_MAINTAINED_AMENDED,
        Action.REVOKE_PATENT: KeyEvent.PATENT_REVOKED,
        Action.RECORD_TRANSFER: KeyEvent.OWNERSHIP_CHANGED,
    }
)
"""Workflow actions that are legal events (a refused re-establishment confirms the deemed withdrawal).

Publication (Q10/Q20) is not here: each published document's event is recorded with the document's SHA-256 when
it is rendered (``ctpo.domain.publications.jobs``), since the record is append-only and the digest comes later.

Claims, assignments, office actions and replies are procedure, not legal status: they stay in the history only."""


def _renewal_due_date(decision: Decision) -> date | None:
    """The due date of the pre-grant renewal fee whose grace period expired in this decision, if that is the loss."""
    for closed in decision.closed:
        deadline = closed.deadline
        if deadline.kind is DeadlineKind.PAY_RENEWAL_FEE and deadline.has_passed(decision.history.at):
            year = renewal_year_of_grace(deadline.period.months)
            return None if year is None else legal_due_date(decision.snapshot.filing_date, year)
    return None


def events_for_decision(decision: Decision) -> tuple[LegalEvent, ...]:
    """The legal events a workflow decision makes, to be stored in the transaction that applies it.

    A deemed withdrawal is dated on the due date of the missed time limit (EPC Art. 120, Rule 131: the loss of
    rights takes effect when the time limit expires), except for an unpaid pre-grant renewal fee, dated on the fee's
    due date (EPC Art. 86(1): the loss takes effect when the fee fell due, not at the end of the grace period, as
    per-state lapses are); every other event on the office-local date of the act.
    """
    key = ACTION_EVENTS.get(decision.action)
    if key is None:
        return ()
    snapshot = decision.snapshot
    effective = OFFICES[snapshot.office].local_date(decision.history.at)
    if key is KeyEvent.APPLICATION_DEEMED_WITHDRAWN and snapshot.lapse is not None:
        effective = _renewal_due_date(decision) or snapshot.lapse.due_date
    status, phase = status_in(snapshot.state)
    payload: dict[str, object] = {"action": decision.action, "history_seq": decision.history.seq}
    if decision.history.reason:
        payload["reason"] = decision.history.reason
    return (LegalEvent(key, status, phase, effective, payload=payload),)
