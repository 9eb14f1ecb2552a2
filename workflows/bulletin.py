# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""Which weekly bulletin an event belongs to: seven days ending on the publication weekday, in each office's zone.

Modelled on the European Patent Bulletin (EPC Art. 129(a), Rule 143): one issue a week lists the publications and
the entries made in the register during that week. The CTPO spans four time zones, so "the week" of an act is
reckoned on the calendar of the office that handles the file: an event recorded on Wednesday 20:30 UTC belongs to
Wednesday in Istanbul (UTC+3) but to Thursday in Almaty (UTC+5), hence, with Wednesday issues, to the next issue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from workflows.offices import OFFICES

if TYPE_CHECKING:
    from workflows.offices import OfficeCode

DAYS_PER_WEEK = 7


@dataclass(frozen=True, slots=True)
class BulletinIssue:
    """One issue: the office-local dates ``start``..``end`` (inclusive), named by ``end``'s ISO year and week."""

    year: int
    week: int
    start: date
    end: date

    def window(self, office: OfficeCode) -> tuple[datetime, datetime]:
        """The issue as aware instants [from, to) on ``office``'s calendar."""
        zone = OFFICES[office].zone
        return (
            datetime.combine(self.start, time(0), tzinfo=zone),
            datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=zone),
        )

    def covers(self, day: date) -> bool:
        """Whether an office-local date falls in the issue."""
        return self.start <= day <= self.end


def issue_of_day(day: date, weekday: int) -> BulletinIssue:
    """The issue whose week holds the office-local date ``day`` (issues appear on ``weekday``, 0 = Monday)."""
    if not 0 <= weekday < DAYS_PER_WEEK:
        raise ValueError("weekday must be 0 (Monday) to 6 (Sunday)")
    end = day + timedelta(days=(weekday - day.weekday()) % DAYS_PER_WEEK)
    year, week, _ = end.isocalendar()
    return BulletinIssue(year, week, end - timedelta(days=DAYS_PER_WEEK - 1), end)


def issue_of_moment(moment: datetime, office: OfficeCode, weekday: int) -> BulletinIssue:
    """The issue of an act done at ``moment`` on a file of ``office``: its local date decides."""
    return issue_of_day(OFFICES[office].local_date(moment), weekday)


def issue_named(year: int, week: int, weekday: int) -> BulletinIssue:
    """The issue ``year``/``week`` (ISO week of its publication day).

    Raises:
        ValueError: no such ISO week (week 53 of a 52-week year, week 0...).
    """
    end = date.fromisocalendar(year, week, weekday + 1)
    return issue_of_day(end, weekday)
