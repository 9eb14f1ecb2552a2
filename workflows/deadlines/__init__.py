# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""Deadlines per office: month arithmetic, office calendars, explanations and recomputation."""

from __future__ import annotations

from workflows.deadlines._calendar import OfficeCalendar
from workflows.deadlines._deadline import Deadline, Expiry, Explanation, Period, SkippedDay, explain_due_date
from workflows.deadlines._months import add_months
from workflows.deadlines._recompute import DeadlineChange, recompute_deadlines
from workflows.deadlines._serialize import deadline_from_json, deadline_to_json

__all__ = [
    "Deadline",
    "DeadlineChange",
    "Expiry",
    "Explanation",
    "OfficeCalendar",
    "Period",
    "SkippedDay",
    "add_months",
    "deadline_from_json",
    "deadline_to_json",
    "explain_due_date",
    "recompute_deadlines",
]
