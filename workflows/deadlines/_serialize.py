# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""JSON round trip of deadlines, so the service can keep the exact explanation that was given to the applicant."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from workflows.actions import Action
from workflows.deadlines._deadline import Deadline, Expiry, Explanation, Period, SkippedDay
from workflows.offices import OfficeCode
from workflows.states import DeadlineKind


def deadline_to_json(deadline: Deadline) -> dict[str, Any]:
    """A JSON-ready dict of the deadline, explanation included (dates as ISO strings)."""
    e = deadline.explanation
    return {
        "application_id": deadline.application_id,
        "kind": deadline.kind.value,
        "office": deadline.office.value,
        "trigger_event": deadline.trigger_event,
        "trigger_date": deadline.trigger_date.isoformat(),
        "period": {
            "months": deadline.period.months,
            "days": deadline.period.days,
            "extend_to_working_day": deadline.period.extend_to_working_day,
            "expiry": deadline.period.expiry.value,
            "end_of_month": deadline.period.end_of_month,
        },
        "satisfied_by": list(deadline.satisfied_by),
        "on_expiry": deadline.on_expiry,
        "nominal_date": e.nominal_date.isoformat(),
        "month_end_rule": e.month_end_rule,
        "month_end_date": e.month_end_date.isoformat() if e.month_end_date else None,
        "skipped": [{"day": s.day.isoformat(), "reason": s.reason} for s in e.skipped],
        "due_date": e.due_date.isoformat(),
        "expires_at": e.expires_at.isoformat(),
        "time_zone": e.time_zone,
        "steps": e.steps(),
    }


def deadline_from_json(data: dict[str, Any]) -> Deadline:
    """Rebuild a deadline stored with :func:`deadline_to_json` (``steps`` is derived, so it is ignored).

    Raises:
        KeyError: a field is missing.
        ValueError: a field is malformed.
    """
    raw_period = data["period"]
    period = Period(
        months=int(raw_period["months"]),
        days=int(raw_period["days"]),
        extend_to_working_day=bool(raw_period["extend_to_working_day"]),
        expiry=Expiry(raw_period["expiry"]),
        end_of_month=bool(raw_period.get("end_of_month", False)),
    )
    office = OfficeCode(data["office"])
    trigger_date = date.fromisoformat(data["trigger_date"])
    explanation = Explanation(
        office=office,
        time_zone=str(data["time_zone"]),
        trigger_event=str(data["trigger_event"]),
        trigger_date=trigger_date,
        period=period,
        nominal_date=date.fromisoformat(data["nominal_date"]),
        month_end_rule=bool(data["month_end_rule"]),
        month_end_date=date.fromisoformat(data["month_end_date"]) if data.get("month_end_date") else None,
        skipped=tuple(SkippedDay(date.fromisoformat(s["day"]), str(s["reason"])) for s in data["skipped"]),
        due_date=date.fromisoformat(data["due_date"]),
        expires_at=datetime.fromisoformat(data["expires_at"]),
    )
    return Deadline(
        application_id=str(data["application_id"]),
        kind=DeadlineKind(data["kind"]),
        office=office,
        trigger_event=explanation.trigger_event,
        trigger_date=trigger_date,
        period=period,
        satisfied_by=tuple(Action(a) for a in data["satisfied_by"]),
        on_expiry=Action(data["on_expiry"]),
        explanation=explanation,
    )
