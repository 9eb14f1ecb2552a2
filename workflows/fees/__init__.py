# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""Fees: versioned schedules (data, not code), exact amounts, renewal dates. Pure: no database, no web."""

from __future__ import annotations

from workflows.fees._money import CENT, UNIT_OF_ACCOUNT, AmountError, cents, parse_amount
from workflows.fees._renewals import (
    RenewalCharge,
    RenewalWindow,
    expiry_date,
    grace_period,
    legal_due_date,
    months_before,
    next_renewal_year,
    owed_for_application,
    renewal_window,
    renewal_year_of_grace,
    renewal_years,
)
from workflows.fees._revenue import ORGANIZATION, split_revenue
from workflows.fees._schedule import (
    FIRST_RENEWAL_YEAR,
    FLAT_FEES,
    FREE_CLAIMS,
    LAST_RENEWAL_YEAR,
    SCHEDULES_FILE,
    Entitlement,
    FeeKind,
    FeeSchedule,
    FeeSchedules,
    NotInForceError,
    Reduction,
    ScheduleError,
    load_schedules,
    parse_schedule,
    schedule_to_data,
)

__all__ = [
    "CENT",
    "FIRST_RENEWAL_YEAR",
    "FLAT_FEES",
    "FREE_CLAIMS",
    "LAST_RENEWAL_YEAR",
    "ORGANIZATION",
    "SCHEDULES_FILE",
    "UNIT_OF_ACCOUNT",
    "AmountError",
    "Entitlement",
    "FeeKind",
    "FeeSchedule",
    "FeeSchedules",
    "NotInForceError",
    "Reduction",
    "RenewalCharge",
    "RenewalWindow",
    "ScheduleError",
    "cents",
    "expiry_date",
    "grace_period",
    "legal_due_date",
    "load_schedules",
    "months_before",
    "next_renewal_year",
    "owed_for_application",
    "parse_amount",
    "parse_schedule",
    "renewal_window",
    "renewal_year_of_grace",
    "renewal_years",
    "schedule_to_data",
    "split_revenue",
]
