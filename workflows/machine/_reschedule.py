# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""Calendar changes as decisions: moved deadlines are persisted and logged like any other transition."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from workflows.actions import Action
from workflows.deadlines import recompute_deadlines
from workflows.history import HistoryEntry, payload_digest
from workflows.machine._model import ClosedDeadline, CloseReason, Decision

if TYPE_CHECKING:
    from datetime import datetime

    from workflows.deadlines import OfficeCalendar
    from workflows.machine._model import Actor, ApplicationSnapshot

RESCHEDULE_ACTION = Action.RESCHEDULE_DEADLINES
"""Kept as an alias of the enum member for callers of the earlier name."""


def reschedule(snapshot: ApplicationSnapshot, calendar: OfficeCalendar, actor: Actor, now: datetime) -> Decision | None:
    """Recompute the application's open deadlines under a changed office calendar.

    The state does not change; each moved deadline is closed (``recomputed``) and reopened with its new end,
    and one history entry lists the moves as its reason, so the applicant can see why a date changed.

    Args:
        snapshot: the application as loaded.
        calendar: the office's new calendar.
        actor: who changed the calendar (an office administrator, or the system when a task runs it).
        now: the aware moment of the change.

    Returns:
        The decision to apply, or ``None`` when no deadline moved.
    """
    changes = recompute_deadlines(snapshot.deadlines, calendar, now)
    if not changes:
        return None
    moved = {c.before.kind: c.after for c in changes}
    deadlines = tuple(moved.get(d.kind, d) for d in snapshot.deadlines)
    after = replace(snapshot, deadlines=deadlines, version=snapshot.version + 1)
    payload = {
        "calendar_office": calendar.office.value,
        "moved": {c.before.kind.value: [c.before.due_date, c.after.due_date] for c in changes},
    }
    entry = HistoryEntry(
        application_id=snapshot.application_id,
        seq=after.version,
        action=RESCHEDULE_ACTION,
        from_state=snapshot.state,
        to_state=snapshot.state,
        actor_id=actor.id,
        role=actor.role,
        actor_office=actor.office,
        office=snapshot.office,
        at=now,
        reason="; ".join(c.as_history_reason() for c in changes),
        payload_digest=payload_digest(payload),
    )
    closed = tuple(ClosedDeadline(c.before, CloseReason.RECOMPUTED) for c in changes)
    opened = tuple(c.after for c in changes)
    return Decision(RESCHEDULE_ACTION, snapshot.state, after, closed, opened, entry, None, None)
