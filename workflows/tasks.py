# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""Celery task definitions for the sweep and calendar changes, reaching storage only through ``WorkflowStore``.

Importable without a broker or Celery configuration: the service calls :func:`register_tasks` with the Celery app
built from its settings and a factory of stores (one unit of work each). Tasks take ids, never ORM objects, and
are idempotent: they re-read state and act only on what is still due.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from workflows.errors import StaleSnapshotError, WorkflowError
from workflows.machine import reschedule
from workflows.offices import OfficeCode
from workflows.sweep import SYSTEM_ACTOR, settle, sweep

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from contextlib import AbstractContextManager

    from workflows.deadlines import Deadline, OfficeCalendar
    from workflows.history import HistoryEntry
    from workflows.machine import ApplicationSnapshot, Decision

logger = logging.getLogger(__name__)


class WorkflowStore(Protocol):
    """What the workflow needs from persistence; ``ctpo`` implements it on its database.

    One store is one unit of work: ``apply`` commits (or joins the caller's transaction) atomically.
    """

    def load(self, application_id: str) -> ApplicationSnapshot:
        """The application's current snapshot, with its open deadlines."""
        ...

    def calendar(self, office: OfficeCode) -> OfficeCalendar:
        """The office's current calendar (holidays package plus the office's closures and openings)."""
        ...

    def due_deadlines(self, now: datetime) -> Iterable[Deadline]:
        """Open deadlines with ``expires_at <= now`` (an index on ``expires_at`` makes this cheap)."""
        ...

    def open_deadlines(self, office: OfficeCode) -> Iterable[Deadline]:
        """All open deadlines of applications of the office."""
        ...

    def apply(self, decision: Decision, *, expected_version: int) -> None:
        """Persist the decision atomically; a half-applied transition would break the history chain.

        That is: the snapshot fields, the closed then the opened deadlines, the history entry, the document and
        the claim set, all in one transaction.

        Raises:
            StaleSnapshotError: the application's version is no longer ``expected_version``.
        """
        ...


@dataclass(slots=True)
class RunReport:
    """What a task did, for logs and tests."""

    applied: list[HistoryEntry] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """Application ids left alone (nothing due any more, changed concurrently, or refused)."""


def _apply(
    store: WorkflowStore, snapshot: ApplicationSnapshot, decisions: Iterable[Decision], report: RunReport
) -> None:
    expected = snapshot.version
    applied = False
    for decision in decisions:
        try:
            store.apply(decision, expected_version=expected)
        except StaleSnapshotError:
            # Someone else acted meanwhile; the next run sees the fresh state.
            break
        report.applied.append(decision.history)
        expected = decision.snapshot.version
        applied = True
    if not applied:
        report.skipped.append(snapshot.application_id)


def run_sweep(store: WorkflowStore, now: datetime, application_id: str | None = None) -> RunReport:
    """Apply every passed deadline's consequence (deemed withdrawal, publication, closing periods).

    Args:
        store: one unit of work.
        now: the aware moment of the run.
        application_id: restrict the run to one application.

    Returns:
        The history entries written and the applications skipped.
    """
    report = RunReport()
    ids = dict.fromkeys(due.application_id for due in sweep(store.due_deadlines(now), now))
    for app_id in ids:
        if application_id is not None and app_id != application_id:
            continue
        snapshot = store.load(app_id)
        try:
            decisions = settle(snapshot, now, calendar=store.calendar(snapshot.office))
        except WorkflowError:
            logger.exception("sweep could not settle %s", app_id)
            decisions = ()
        _apply(store, snapshot, decisions, report)
    return report


def run_recompute(store: WorkflowStore, office: OfficeCode, now: datetime) -> RunReport:
    """After an office calendar changed: move the affected open deadlines and log each move in history.

    Args:
        store: one unit of work.
        office: the office whose calendar changed.
        now: the aware moment of the change.

    Returns:
        The history entries written (one per application whose deadlines moved).
    """
    report = RunReport()
    calendar = store.calendar(office)
    by_application: dict[str, list[Deadline]] = defaultdict(list)
    for deadline in store.open_deadlines(office):
        by_application[deadline.application_id].append(deadline)
    for application_id in sorted(by_application):
        snapshot = store.load(application_id)
        decision = reschedule(snapshot, calendar, SYSTEM_ACTOR, now)
        _apply(store, snapshot, (decision,) if decision else (), report)
    return report


def _utc_now() -> datetime:
    return datetime.now(UTC)


def register_tasks(
    celery_app: Any,  # noqa: ANN401 - Celery ships no type information
    store_factory: Callable[[], AbstractContextManager[WorkflowStore]],
    *,
    clock: Callable[[], datetime] = _utc_now,
) -> dict[str, Any]:
    """Define the workflow's Celery tasks on the service's app.

    Args:
        celery_app: the ``celery.Celery`` app configured from ctpo settings (beat schedules ``sweep_deadlines``).
        store_factory: opens one unit of work, e.g. a session-bound store in a ``with`` block.
        clock: the source of ``now`` (tests pass a fixed clock).

    Returns:
        The task objects by short name: ``sweep_deadlines``, ``sweep_application``, ``recompute_office_deadlines``.
    """

    def sweep_deadlines() -> int:
        with store_factory() as store:
            return len(run_sweep(store, clock()).applied)

    def sweep_application(application_id: str) -> int:
        with store_factory() as store:
            return len(run_sweep(store, clock(), application_id).applied)

    def recompute_office_deadlines(office_code: str) -> int:
        with store_factory() as store:
            return len(run_recompute(store, OfficeCode(office_code), clock()).applied)

    bodies: dict[str, Callable[..., int]] = {
        "sweep_deadlines": sweep_deadlines,
        "sweep_application": sweep_application,
        "recompute_office_deadlines": recompute_office_deadlines,
    }
    return {name: celery_app.task(name=f"workflows.{name}", ignore_result=True)(body) for name, body in bodies.items()}
