# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""Calendar-month arithmetic as patent offices reckon periods."""

from __future__ import annotations

import calendar
from datetime import date


def add_months(start: date, months: int) -> date:
    """The day ``months`` calendar months after ``start``, with the patent-office month-end rule.

    A period of months ends on the day of the later month with the same number as the day of the triggering
    event; when that month has no such day the period ends on its last day (EPC Rule 131(4), PCT Rule 80.2):
    31 January + 1 month is 28 or 29 February, 31 March + 1 month is 30 April. A period from 28 February ends
    on the 28th, not at the month's end, because the rule looks at the day number only.

    Args:
        start: the date of the triggering event.
        months: the number of months, zero or more.

    Returns:
        The nominal last day of the period, before any extension for non-working days.

    >>> add_months(date(2026, 1, 31), 1)
    datetime.date(2026, 2, 28)
    >>> add_months(date(2027, 12, 31), 2)
    datetime.date(2028, 2, 29)
    """
    if months < 0:
        raise ValueError("a period cannot run backwards")
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(start.day, last))
