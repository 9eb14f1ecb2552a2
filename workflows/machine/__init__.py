# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""The examination state machine: declarations and the pure ``decide`` / ``record`` / ``open_file`` functions."""

from __future__ import annotations

from workflows.machine._decide import (
    allowed_actions,
    authorise_opening,
    decide,
    open_application,
    open_file,
    record,
    works_on,
)
from workflows.machine._model import Actor, ApplicationSnapshot, ClosedDeadline, CloseReason, Decision, Lapse
from workflows.machine._reschedule import RESCHEDULE_ACTION, reschedule
from workflows.machine._transitions import (
    DEADLINE_RULES,
    OPENINGS,
    RECORDALS,
    TRANSITIONS,
    TRANSITIONS_BY_ACTION,
    DeadlineRule,
    Guard,
    Open,
    Target,
    Transition,
    declaration,
)

__all__ = [
    "DEADLINE_RULES",
    "OPENINGS",
    "RECORDALS",
    "RESCHEDULE_ACTION",
    "TRANSITIONS",
    "TRANSITIONS_BY_ACTION",
    "Actor",
    "ApplicationSnapshot",
    "CloseReason",
    "ClosedDeadline",
    "DeadlineRule",
    "Decision",
    "Guard",
    "Lapse",
    "Open",
    "Target",
    "Transition",
    "allowed_actions",
    "authorise_opening",
    "decide",
    "declaration",
    "open_application",
    "open_file",
    "record",
    "reschedule",
    "works_on",
]
