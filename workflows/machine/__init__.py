# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""The examination state machine: declarations and the pure ``decide`` / ``allowed_actions`` functions."""

from __future__ import annotations

from workflows.machine._decide import allowed_actions, decide, open_application, works_on
from workflows.machine._model import Actor, ApplicationSnapshot, ClosedDeadline, CloseReason, Decision, Lapse
from workflows.machine._reschedule import RESCHEDULE_ACTION, reschedule
from workflows.machine._transitions import (
    DEADLINE_RULES,
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
    "decide",
    "declaration",
    "open_application",
    "reschedule",
    "works_on",
]
