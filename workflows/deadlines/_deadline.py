# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""Deadlines: when a period ends at an office, and a step-by-step account of why."""

from __future__ import annotations

import enum
from calendar import monthrange
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from workflows.deadlines._months import add_months
from workflows.offices import OFFICES, OfficeCode

if TYPE_CHECKING:
    from workflows.actions import Action
    from workflows.deadlines._calendar import OfficeCalendar
    from workflows.states import DeadlineKind

_MAX_SKIPPED_DAYS = 366
"""A calendar closed this long is a data error, not a reason to loop forever."""


class Expiry(enum.StrEnum):
    """At which end of the due day a deadline takes effect."""

    END_OF_DAY = "end_of_day"
    """Time limits for parties: the act is in time until midnight, office local time, on the due day."""
    START_OF_DAY = "start_of_day"
    """Scheduled office acts (publication): due from the first moment of the due day."""


@dataclass(frozen=True, slots=True)
class Period:
    """A period as the law states it: months and/or days, and whether a closed office extends it."""

    months: int = 0
    days: int = 0
    extend_to_working_day: bool = True
    """Time limits for parties extend to the next working day (EPC Rule 134(1), PCT Rule 80.5); office acts don't."""
    expiry: Expiry = Expiry.END_OF_DAY
    end_of_month: bool = False
    """The period ends on the last day of the month it reaches: renewal fees fall due on the last day of the month
    containing the anniversary of filing (EPC Rule 51(1)), and their grace period ends on the last day of the sixth
    month after that (the CTPO's reading of Rule 51(2), as the EPO practises it)."""


@dataclass(frozen=True, slots=True)
class SkippedDay:
    """A non-working day over which the deadline was extended."""

    day: date
    reason: str
    """E.g. ``public holiday: Nowruz`` or ``Saturday``."""


@dataclass(frozen=True, slots=True)
class Explanation:
    """Everything needed to check a deadline by hand, JSON-ready through :meth:`steps`."""

    office: OfficeCode
    time_zone: str
    trigger_event: str
    trigger_date: date
    period: Period
    nominal_date: date
    """Trigger date plus the period, month-end rule applied, before any extension."""
    month_end_rule: bool
    """Whether the later month had no day with the trigger's number, so the period ended on its last day."""
    skipped: tuple[SkippedDay, ...]
    due_date: date
    expires_at: datetime
    """The aware UTC moment from which the deadline has passed."""
    month_end_date: date | None = None
    """With :attr:`Period.end_of_month`: the month's last day the period was moved to (the nominal date is then it);
    ``None`` otherwise."""

    def steps(self) -> list[dict[str, str]]:
        """The computation as ordered steps for the API and for history entries."""
        out = [
            {"step": "trigger", "date": self.trigger_date.isoformat(), "detail": self.trigger_event},
            {
                "step": "period",
                "date": (
                    add_months(self.trigger_date, self.period.months) + timedelta(days=self.period.days)
                ).isoformat(),
                "detail": f"{self.period.months} month(s) and {self.period.days} day(s) from the trigger date",
            },
        ]
        if self.month_end_date is not None:
            out.append(
                {
                    "step": "end_of_month",
                    "date": self.month_end_date.isoformat(),
                    "detail": "due on the last day of that month (EPC Rule 51(1))",
                }
            )
        if self.month_end_rule:
            out.append(
                {
                    "step": "month_end_rule",
                    "date": self.nominal_date.isoformat(),
                    "detail": f"no day {self.trigger_date.day} in that month: the period ends on its last day "
                    "(EPC Rule 131(4), PCT Rule 80.2)",
                }
            )
        out.extend(
            {
                "step": "skip_non_working_day",
                "date": s.day.isoformat(),
                "detail": f"{s.reason}: extended to the next working day (EPC Rule 134(1), PCT Rule 80.5)",
            }
            for s in self.skipped
        )
        out.append({"step": "due_date", "date": self.due_date.isoformat(), "detail": f"office {self.office.value}"})
        when = "end" if self.period.expiry is Expiry.END_OF_DAY else "start"
        out.append(
            {
                "step": "expires_at",
                "date": self.expires_at.isoformat(),
                "detail": f"{when} of {self.due_date.isoformat()} in {self.time_zone}",
            }
        )
        return out


def explain_due_date(calendar: OfficeCalendar, trigger_event: str, trigger_date: date, period: Period) -> Explanation:
    """Compute when a period ends at the calendar's office, with the reasons.

    Args:
        calendar: the office's current calendar.
        trigger_event: what started the period (an action name or ``earliest priority date``).
        trigger_date: the office-local date of that event.
        period: the period to add.

    Returns:
        The explanation; its ``due_date`` and ``expires_at`` are the result.

    Raises:
        ValueError: the office calendar has no working day within a year of the nominal date.
    """
    shifted = add_months(trigger_date, period.months)
    nominal = shifted + timedelta(days=period.days)
    month_end = None
    if period.end_of_month:
        month_end = nominal = date(nominal.year, nominal.month, monthrange(nominal.year, nominal.month)[1])
    due = nominal
    skipped: list[SkippedDay] = []
    if period.extend_to_working_day:
        while (reason := calendar.non_working_reason(due)) is not None:
            skipped.append(SkippedDay(due, reason))
            if len(skipped) > _MAX_SKIPPED_DAYS:
                raise ValueError(f"office {calendar.office} has no working day after {nominal}")
            due += timedelta(days=1)
    office = OFFICES[calendar.office]
    local_day = due + timedelta(days=1) if period.expiry is Expiry.END_OF_DAY else due
    expires_at = datetime.combine(local_day, time(0), tzinfo=office.zone).astimezone(UTC)
    return Explanation(
        office=calendar.office,
        time_zone=office.time_zone,
        trigger_event=trigger_event,
        trigger_date=trigger_date,
        period=period,
        nominal_date=nominal,
        month_end_rule=shifted.day != trigger_date.day and not period.end_of_month,
        month_end_date=month_end,
        skipped=tuple(skipped),
        due_date=due,
        expires_at=expires_at,
    )


@dataclass(frozen=True, slots=True)
class Deadline:
    """An open deadline of one application, with what satisfies it and what its passing brings.

    The service persists one row per open deadline (``due_date``/``expires_at`` indexed for the sweep) and may
    keep ``explanation.steps()`` as JSON; at most one deadline of each kind is open per application, so
    ``(application_id, kind)`` identifies it.
    """

    application_id: str
    kind: DeadlineKind
    office: OfficeCode
    trigger_event: str
    trigger_date: date
    period: Period
    satisfied_by: tuple[Action, ...]
    """Actions that meet the deadline (and close it)."""
    on_expiry: Action
    """The system action the sweep applies once the deadline has passed."""
    explanation: Explanation

    @property
    def due_date(self) -> date:
        """The last day of the period at the office, after extension."""
        return self.explanation.due_date

    @property
    def expires_at(self) -> datetime:
        """The aware UTC moment from which the deadline has passed."""
        return self.explanation.expires_at

    def has_passed(self, now: datetime) -> bool:
        """Whether ``now`` is at or after the end of the deadline."""
        return now >= self.expires_at

    def recomputed(self, calendar: OfficeCalendar) -> Deadline:
        """The same deadline under another calendar of its office."""
        return replace(self, explanation=explain_due_date(calendar, self.trigger_event, self.trigger_date, self.period))
