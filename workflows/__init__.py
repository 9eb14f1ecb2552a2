# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""Examination workflow: states, transitions, deadlines. Plain Python, no web code.

The sweep lives in :mod:`workflows.sweep` and the Celery tasks in :mod:`workflows.tasks` (imported explicitly, so
the package attribute ``workflows.sweep`` stays the module).
"""

from __future__ import annotations

from workflows.actions import Action, FollowUp, FormKind, PreCheck
from workflows.deadlines import (
    Deadline,
    DeadlineChange,
    Explanation,
    OfficeCalendar,
    Period,
    deadline_from_json,
    deadline_to_json,
    recompute_deadlines,
)
from workflows.errors import (
    DeadlinePassed,
    Forbidden,
    GuardFailed,
    IllegalTransition,
    InvalidPayload,
    StaleSnapshotError,
    WorkflowError,
)
from workflows.history import HistoryEntry, payload_digest
from workflows.machine import (
    Actor,
    ApplicationSnapshot,
    ClosedDeadline,
    CloseReason,
    Decision,
    Lapse,
    allowed_actions,
    decide,
    open_application,
    reschedule,
)
from workflows.offices import OFFICES, Office, OfficeCode, get_office
from workflows.states import ApplicationState, DeadlineKind, Role

__all__ = [
    "OFFICES",
    "Action",
    "Actor",
    "ApplicationSnapshot",
    "ApplicationState",
    "CloseReason",
    "ClosedDeadline",
    "Deadline",
    "DeadlineChange",
    "DeadlineKind",
    "DeadlinePassed",
    "Decision",
    "Explanation",
    "FollowUp",
    "Forbidden",
    "FormKind",
    "GuardFailed",
    "HistoryEntry",
    "IllegalTransition",
    "InvalidPayload",
    "Lapse",
    "Office",
    "OfficeCalendar",
    "OfficeCode",
    "Period",
    "PreCheck",
    "Role",
    "StaleSnapshotError",
    "WorkflowError",
    "allowed_actions",
    "deadline_from_json",
    "deadline_to_json",
    "decide",
    "get_office",
    "open_application",
    "payload_digest",
    "recompute_deadlines",
    "reschedule",
]
