# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""The values the machine reads and returns: actors, application snapshots and decisions."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import date

    from workflows.actions import Action
    from workflows.deadlines import Deadline
    from workflows.documents import ClaimSet, Document
    from workflows.history import HistoryEntry
    from workflows.offices import OfficeCode
    from workflows.states import ApplicationState, DeadlineKind, Role


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts, in which role *for this application*, and for which office (staff only)."""

    id: str
    role: Role
    office: OfficeCode | None = None
    """The office an examiner or office administrator works for; ``None`` for everybody else."""


@dataclass(frozen=True, slots=True)
class Lapse:
    """What was lost when a time limit passed: enough to restore it on re-establishment of rights."""

    resume_state: ApplicationState
    kind: DeadlineKind
    due_date: date


@dataclass(frozen=True, slots=True)
class ApplicationSnapshot:
    """The workflow-relevant part of one application, as loaded by the service.

    The machine never stores it: :func:`~workflows.machine.decide` returns the next snapshot inside a
    :class:`Decision`, and the service writes the changed fields (``state`` is the column bound to the machine)
    with ``version`` as an optimistic lock.
    """

    application_id: str
    office: OfficeCode
    state: ApplicationState
    filing_date: date
    priority_date: date | None
    """The earliest priority date claimed, if any."""
    publication_date: date | None
    """The office-local date of publication; ``None`` until published."""
    claimant_id: str | None
    """The examiner who holds the file; at most one."""
    claim_set_version: int
    lapse: Lapse | None
    deadlines: tuple[Deadline, ...]
    """The open deadlines, at most one per kind."""
    version: int
    """Number of history entries so far; the next entry gets ``version + 1``."""

    @property
    def published(self) -> bool:
        """Publication is a flag on the application, not a state (see :class:`~workflows.states.ApplicationState`)."""
        return self.publication_date is not None

    @property
    def earliest_date(self) -> date:
        """The date from which the 18 months to publication run (Art. 93(1)(a) EPC)."""
        return self.priority_date or self.filing_date

    def deadline(self, kind: DeadlineKind) -> Deadline | None:
        """The open deadline of that kind, if any."""
        return next((d for d in self.deadlines if d.kind is kind), None)


class CloseReason(enum.StrEnum):
    """Why a decision closes a deadline."""

    SATISFIED = "satisfied"
    """The act it waited for was done in time."""
    EXPIRED = "expired"
    """It passed and its consequence is being applied."""
    SUPERSEDED = "superseded"
    """The procedure moved on (withdrawal, refusal, a lapse elsewhere...)."""
    RECOMPUTED = "recomputed"
    """Replaced by the same deadline recomputed under a changed office calendar."""


@dataclass(frozen=True, slots=True)
class ClosedDeadline:
    """A deadline the decision closes; the service deletes or marks the row."""

    deadline: Deadline
    reason: CloseReason


@dataclass(frozen=True, slots=True)
class Decision:
    """Everything a transition changes, as data the service persists in one transaction."""

    action: Action
    from_state: ApplicationState | None
    snapshot: ApplicationSnapshot
    """The application after the transition."""
    closed: tuple[ClosedDeadline, ...]
    """Apply before ``opened``: a transition may close a deadline and open a new one of the same kind."""
    opened: tuple[Deadline, ...]
    history: HistoryEntry
    document: Document | None
    """The validated payload (office action, search report...) for the service to store."""
    claim_set: ClaimSet | None
    """A new claim-set version to store next to the old ones."""

    @property
    def new_state(self) -> ApplicationState:
        """The state after the transition."""
        return self.snapshot.state
