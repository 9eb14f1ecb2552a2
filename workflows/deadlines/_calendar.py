# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""Office calendars: public holidays from the ``holidays`` package corrected by the office's own decisions."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING

import holidays

if TYPE_CHECKING:
    from collections.abc import Mapping

    from workflows.offices import OfficeCode

_WEEKEND = {5: "Saturday", 6: "Sunday"}
"""All five member offices close on Saturdays and Sundays."""


@functools.lru_cache(maxsize=256)
def _public_holidays(office: OfficeCode, year: int) -> Mapping[date, str]:
    # The package is slow to build a year and the answer never changes for a released version: cache per year.
    return MappingProxyType(dict(holidays.country_holidays(office.value, years=year).items()))


@dataclass(frozen=True, slots=True)
class OfficeCalendar:
    """The days an office is closed: statutory holidays, plus closures the office adds, minus days it opens anyway.

    Statutory holidays come from the ``holidays`` package. Offices change their calendar by decree after the fact
    (day-off transfers, religious holidays fixed late by moon sighting, emergency closures), so an office
    administrator keeps two corrections, and both win over the package: ``closures`` (extra closed days, with a
    reason shown in deadline explanations) and ``openings`` (days the package or the weekend would close, on which
    the office works, e.g. a Saturday made a working day by a transfer). Only the package's ``public`` category
    counts: Turkish half-day holidays (eves) leave the office open in the morning, so they are working days.
    """

    office: OfficeCode
    closures: Mapping[date, str] = field(default_factory=lambda: MappingProxyType({}))
    """Days the office adds as closed, with the reason (decree number, emergency) for explanations."""
    openings: frozenset[date] = frozenset()
    """Days the office declares working days although a holiday or weekend."""

    def non_working_reason(self, day: date) -> str | None:
        """Why the office is closed on ``day``, or ``None`` when it is a working day.

        >>> from workflows.offices import OfficeCode
        >>> OfficeCalendar(OfficeCode.TR).non_working_reason(date(2026, 10, 29))
        'public holiday: Republic Day'
        """
        if day in self.openings:
            return None
        if day in self.closures:
            return f"office closure: {self.closures[day]}"
        name = _public_holidays(self.office, day.year).get(day)
        if name is not None:
            return f"public holiday: {name}"
        return _WEEKEND.get(day.weekday())

    def is_working_day(self, day: date) -> bool:
        """Whether the office is open on ``day``."""
        return self.non_working_reason(day) is None

    def next_working_day(self, day: date) -> date:
        """``day`` itself when the office is open, else the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def with_closure(self, day: date, reason: str) -> OfficeCalendar:
        """A copy with ``day`` closed (and no longer forced open)."""
        return replace(self, closures=MappingProxyType({**self.closures, day: reason}), openings=self.openings - {day})

    def with_opening(self, day: date) -> OfficeCalendar:
        """A copy with ``day`` a working day whatever the holidays package or the weekend say."""
        closures = {d: r for d, r in self.closures.items() if d != day}
        return replace(self, closures=MappingProxyType(closures), openings=self.openings | {day})
