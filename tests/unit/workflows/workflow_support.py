"""Shared helpers for the workflow tests: actors, valid payloads and a driver that applies decisions."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from workflows import (
    Actor,
    ApplicationSnapshot,
    ApplicationState,
    Decision,
    HistoryEntry,
    OfficeCalendar,
    OfficeCode,
    Role,
    decide,
    open_application,
)
from workflows.machine import TRANSITIONS_BY_ACTION
from workflows.sweep import SYSTEM_ACTOR, settle

S = ApplicationState
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
"""A Monday, 12:00 in Istanbul."""

APPLICANT = Actor("applicant-1", Role.APPLICANT)
EXAMINER = Actor("examiner-1", Role.EXAMINER, OfficeCode.TR)
OTHER_EXAMINER = Actor("examiner-2", Role.EXAMINER, OfficeCode.TR)
FOREIGN_EXAMINER = Actor("examiner-az", Role.EXAMINER, OfficeCode.AZ)
ADMIN = Actor("admin-1", Role.OFFICE_ADMIN, OfficeCode.TR)
FOREIGN_ADMIN = Actor("admin-kz", Role.OFFICE_ADMIN, OfficeCode.KZ)
THIRD_PARTY = Actor("competitor-1", Role.THIRD_PARTY)
SYSTEM = SYSTEM_ACTOR

PAYLOADS: dict[str, dict[str, Any]] = {
    "issue_deficiency_notice": {"deficiencies": ["abstract missing"]},
    "issue_search_report": {
        "citations": [{"document_id": "TR2019/01234 A1", "category": "X", "claims": [1, 2], "passage": "p. 3"}]
    },
    "issue_office_action": {"objections": [{"claims": [1], "ground": "novelty", "reasoning": "D1 discloses it"}]},
    "respond_to_office_action": {"arguments": "D1 lacks feature b", "amended_claims": ["1. A device with b."]},
    "refuse": {"reason": "claim 1 lacks novelty over D1"},
    "request_re_establishment": {"cause_removed_on": "2027-04-01", "grounds": "representative hospitalised"},
    "reject_re_establishment": {"reason": "all due care not shown"},
    "file_opposition": {"grounds": "lack of inventive step"},
    "maintain_as_amended": {"claims": ["1. A device with b and c."]},
    "revoke_patent": {"reason": "claim 1 not inventive"},
    "assign": {"examiner_id": OTHER_EXAMINER.id},
}

PATHS: dict[ApplicationState, tuple[str, ...]] = {
    S.FILED: (),
    S.FORMALITIES_CHECK: ("claim", "begin_formalities_check"),
    S.FORMALITIES_DEFICIENT: ("claim", "begin_formalities_check", "issue_deficiency_notice"),
    S.SEARCH: ("claim", "begin_formalities_check", "complete_formalities"),
    S.SEARCH_REPORT_ISSUED: ("claim", "begin_formalities_check", "complete_formalities", "issue_search_report"),
    S.EXAMINATION: (
        "claim",
        "begin_formalities_check",
        "complete_formalities",
        "issue_search_report",
        "request_examination",
    ),
}
PATHS[S.OFFICE_ACTION] = (*PATHS[S.EXAMINATION], "issue_office_action")
PATHS[S.INTENTION_TO_GRANT] = (*PATHS[S.EXAMINATION], "issue_intention_to_grant")
PATHS[S.GRANTED] = (*PATHS[S.INTENTION_TO_GRANT], "request_early_publication", "publish", "approve_grant_text")
PATHS[S.OPPOSITION] = (*PATHS[S.GRANTED], "file_opposition")
PATHS[S.REFUSED] = (*PATHS[S.EXAMINATION], "refuse")
PATHS[S.WITHDRAWN] = ("withdraw",)


def default_actor(action: str, office: OfficeCode = OfficeCode.TR) -> Actor:
    """The usual actor for an action, on the staff of ``office`` where staff acts."""
    roles = TRANSITIONS_BY_ACTION[action].roles
    for role, actor in (
        (Role.EXAMINER, EXAMINER),
        (Role.APPLICANT, APPLICANT),
        (Role.OFFICE_ADMIN, ADMIN),
        (Role.THIRD_PARTY, THIRD_PARTY),
    ):
        if role in roles:
            return replace(actor, office=office) if actor.office else actor
    return SYSTEM


@dataclass
class Flow:
    """One application driven through decisions, as the service would persist them."""

    office: OfficeCode = OfficeCode.TR
    now: datetime = T0
    priority_date: date | None = None
    calendar: OfficeCalendar | None = None
    filing_fees_paid: bool = True
    """Pay the filing and search fees at once (EPC Rule 38(1)): unpaid, the file is deemed withdrawn after a month."""
    snapshot: ApplicationSnapshot = field(init=False)
    history: list[HistoryEntry] = field(init=False)
    decisions: list[Decision] = field(init=False)

    def __post_init__(self) -> None:
        first = open_application(
            "APP-1", self.office, APPLICANT, self.now, priority_date=self.priority_date, calendar=self.calendar
        )
        self.snapshot = first.snapshot
        self.history = [first.history]
        self.decisions = [first]
        if self.filing_fees_paid:
            self.do("pay_filing_fees")

    def do(self, action: str, actor: Actor | None = None, payload: dict[str, Any] | None = None) -> Decision:
        actor = actor or default_actor(action, self.office)
        decision = decide(
            self.snapshot,
            action,
            actor,
            self.now,
            PAYLOADS.get(action) if payload is None else payload,
            calendar=self.calendar,
        )
        self.apply(decision)
        return decision

    def apply(self, decision: Decision) -> None:
        self.snapshot = decision.snapshot
        self.history.append(decision.history)
        self.decisions.append(decision)

    def to(self, state: ApplicationState) -> Flow:
        for action in PATHS[state]:
            self.do(action)
        assert self.snapshot.state is state
        return self

    def advance(self, **delta: float) -> Flow:
        self.now += timedelta(**delta)
        return self

    def at(self, moment: datetime) -> Flow:
        self.now = moment
        return self

    def sweep(self) -> list[Decision]:
        applied = list(settle(self.snapshot, self.now, calendar=self.calendar))
        for decision in applied:
            self.apply(decision)
        return applied

    def deadline_kinds(self) -> set[str]:
        return {d.kind.value for d in self.snapshot.deadlines}
