# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""Renewal fees: when each year's fee falls due, from when it may be paid, its grace period, lapse and expiry.

The rules, after EPC Rule 51 and the Eurasian Patent Convention Art. 18 (renewals per designated state):

* The fee for year *N* (3 to 20) falls due on the last day of the month containing the (*N*-1)th anniversary of the
  filing date (Rule 51(1)); a 29 February filing has its anniversary on 28 February in common years (Rule 131(4)).
* It may not be validly paid more than three months before that due date (Rule 51(1)).
* Unpaid on the due date, it may still be paid, with a 50 % surcharge, until the last day of the sixth month after
  the due date (Rule 51(2), as the EPO reckons it).
* A payment limit ending on a day the office is closed extends to its next working day (Rule 134(1)); the due
  date itself, and so the date of a lapse, does not move.
* Unpaid at the end of the grace period: the patent lapses in that state, the lapse taking effect on the due date
  (EPC Art. 141 with the national laws; Eurasian Convention Art. 18 per state). A fee falling due before grant is
  owed for the application as a whole and, unpaid, the application is deemed withdrawn (EPC Art. 86(1)).
* The patent expires 20 years after the filing date (EPC Art. 63(1)).

Periods are computed by the deadline engine, so every date comes with its step-by-step explanation.
"""

from __future__ import annotations

import enum
from calendar import monthrange
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from workflows.deadlines import Explanation, Period, add_months, explain_due_date
from workflows.fees._schedule import FIRST_RENEWAL_YEAR, LAST_RENEWAL_YEAR

if TYPE_CHECKING:
    from workflows.deadlines import OfficeCalendar

TERM_YEARS = 20
"""EPC Art. 63(1)."""
EARLIEST_PAYMENT_MONTHS = 3
"""EPC Rule 51(1)."""
GRACE_MONTHS = 6
"""EPC Rule 51(2)."""


class RenewalCharge(enum.StrEnum):
    """What a renewal payment on a given day amounts to."""

    TOO_EARLY = "too_early"
    """More than three months before the due date: not a valid payment."""
    ON_TIME = "on_time"
    """The renewal fee alone."""
    WITH_SURCHARGE = "with_surcharge"
    """In the grace period: the fee plus the late-payment surcharge."""
    TOO_LATE = "too_late"
    """After the grace period: the right has lapsed (re-establishment aside)."""


def months_before(day: date, months: int) -> date:
    """The day ``months`` months before ``day``, same day number or the month's last day (Rule 131(4) backwards).

    >>> months_before(date(2026, 5, 31), 3)
    datetime.date(2026, 2, 28)
    """
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


@dataclass(frozen=True, slots=True)
class RenewalWindow:
    """The dates of one year's renewal fee, explained."""

    year: int
    filing_date: date
    due: Explanation
    """Nominal date: the legal due date (the month's last day); due date: the last day to pay without surcharge."""
    grace: Explanation
    """Its due date: the last day to pay with the surcharge."""

    @property
    def anniversary(self) -> date:
        """The filing anniversary the fee is reckoned from."""
        return add_months(self.filing_date, 12 * (self.year - 1))

    @property
    def due_date(self) -> date:
        """The legal due date: last day of the anniversary's month; a lapse is dated on it."""
        return self.due.nominal_date

    @property
    def payable_from(self) -> date:
        """The first day a payment is valid."""
        return months_before(self.due_date, EARLIEST_PAYMENT_MONTHS)

    @property
    def pay_without_surcharge_until(self) -> date:
        """The due date, extended to the next working day if the office is closed on it."""
        return self.due.due_date

    @property
    def grace_end(self) -> date:
        """The last day to pay with the surcharge, extended to a working day."""
        return self.grace.due_date

    def charge_on(self, day: date) -> RenewalCharge:
        """What a payment made on ``day`` (the office-local date it reaches the office) is worth.

        >>> from workflows.deadlines import OfficeCalendar
        >>> from workflows.offices import OfficeCode
        >>> w = renewal_window(date(2024, 2, 29), 3, OfficeCalendar(OfficeCode.KZ))
        >>> w.due_date, w.pay_without_surcharge_until
        (datetime.date(2026, 2, 28), datetime.date(2026, 3, 2))
        >>> w.charge_on(date(2026, 3, 2)), w.charge_on(date(2026, 3, 3))
        (<RenewalCharge.ON_TIME: 'on_time'>, <RenewalCharge.WITH_SURCHARGE: 'with_surcharge'>)
        """
        if day < self.payable_from:
            return RenewalCharge.TOO_EARLY
        if day <= self.pay_without_surcharge_until:
            return RenewalCharge.ON_TIME
        if day <= self.grace_end:
            return RenewalCharge.WITH_SURCHARGE
        return RenewalCharge.TOO_LATE


def renewal_window(filing_date: date, year: int, calendar: OfficeCalendar) -> RenewalWindow:
    """The due date, payment window and grace period of the renewal fee for ``year``, at the calendar's office.

    Raises:
        ValueError: ``year`` is not 3 to 20.
    """
    if not FIRST_RENEWAL_YEAR <= year <= LAST_RENEWAL_YEAR:
        raise ValueError(f"renewal fees are due for years {FIRST_RENEWAL_YEAR} to {LAST_RENEWAL_YEAR}")
    trigger = "date of filing"
    due = explain_due_date(calendar, trigger, filing_date, Period(months=12 * (year - 1), end_of_month=True))
    grace = explain_due_date(calendar, trigger, filing_date, grace_period(year))
    return RenewalWindow(year, filing_date, due, grace)


def grace_period(year: int) -> Period:
    """From the filing date to the end of the grace period of ``year``'s renewal fee (EPC Rule 51(1) and (2)).

    >>> grace_period(3)
    Period(months=30, days=0, extend_to_working_day=True, expiry=<Expiry.END_OF_DAY: 'end_of_day'>, end_of_month=True)
    """
    return Period(months=12 * (year - 1) + GRACE_MONTHS, end_of_month=True)


def legal_due_date(filing_date: date, year: int) -> date:
    """The last day of the month containing the (``year``-1)th anniversary of filing (EPC Rule 51(1)); no calendar.

    >>> legal_due_date(date(2024, 2, 29), 3)
    datetime.date(2026, 2, 28)
    """
    anniversary = add_months(filing_date, 12 * (year - 1))
    return date(anniversary.year, anniversary.month, monthrange(anniversary.year, anniversary.month)[1])


def next_renewal_year(filing_date: date, today: date) -> int | None:
    """The first year whose renewal fee cannot yet be paid on ``today`` (more than 3 months before its due date).

    A renewal fee for year *N* paid in its window (from 3 months before the due date to the end of the 6-month
    grace period, EPC Rule 51(1)-(2)) makes *N*+1 the next one: its window opens 9 months after *N*'s due date.
    ``None`` past year 20.

    >>> next_renewal_year(date(2024, 1, 10), date(2025, 12, 1)), next_renewal_year(date(2024, 1, 10), date(2026, 7, 31))
    (4, 4)
    """
    for year in renewal_years():
        if months_before(legal_due_date(filing_date, year), EARLIEST_PAYMENT_MONTHS) > today:
            return year
    return None


def renewal_year_of_grace(months: int) -> int | None:
    """The renewal year whose grace period ends ``months`` after filing (the inverse of :func:`grace_period`).

    >>> renewal_year_of_grace(30), renewal_year_of_grace(2)
    (3, None)
    """
    year, rest = divmod(months - GRACE_MONTHS, 12)
    return year + 1 if rest == 0 and FIRST_RENEWAL_YEAR <= year + 1 <= LAST_RENEWAL_YEAR else None


def renewal_years() -> range:
    """The years for which a renewal fee is due."""
    return range(FIRST_RENEWAL_YEAR, LAST_RENEWAL_YEAR + 1)


def expiry_date(filing_date: date) -> date:
    """The day the patent expires, 20 years after filing (EPC Art. 63(1)); 29 February → 28 February if need be.

    >>> expiry_date(date(2024, 2, 29)), expiry_date(date(2080, 2, 29))
    (datetime.date(2044, 2, 29), datetime.date(2100, 2, 28))
    """
    return add_months(filing_date, 12 * TERM_YEARS)


def owed_for_application(window: RenewalWindow, grant_date: date | None) -> bool:
    """Whether the fee is owed for the application as a whole rather than per designated state.

    Renewal fees falling due before grant keep the application alive; from grant, each state's fee keeps the patent
    in force there (EPC Art. 86(2) and 141; Eurasian Patent Convention Art. 18).
    """
    return grant_date is None or window.due_date <= grant_date
