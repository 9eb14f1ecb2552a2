# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""Fee schedules as versioned data: what each fee costs on a given day, with the reductions a declaration earns.

Modelled on the EPO's Rules relating to Fees: fees are set by a schedule that takes effect on a date, and the amount
due is the amount in force on the day the fee is paid (RFees Art. 2 and 7; EPC Rule 133(1) for the day of payment).
Schedules live in ``schedules.toml`` and, once an office administrator publishes one, in the database; both are
parsed by :func:`parse_schedule`, so a published schedule obeys the same rules as the shipped ones.
"""

from __future__ import annotations

import bisect
import enum
import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from workflows.fees._money import UNIT_OF_ACCOUNT, AmountError, cents, parse_amount

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

SCHEDULES_FILE = Path(__file__).with_name("schedules.toml")
FIRST_RENEWAL_YEAR = 3
"""Renewal fees are due from the third year (EPC Art. 86(1), Eurasian Patent Convention Art. 18)."""
LAST_RENEWAL_YEAR = 20
FREE_CLAIMS = 10
"""The claims fee is due for each claim above the tenth (EPC Rule 45(1) sets 15; the CTPO sets 10)."""


class FeeKind(enum.StrEnum):
    """The fees of the CTPO; the value is the code used in the schedule, the API and the ledger."""

    FILING = "filing"
    SEARCH = "search"
    DESIGNATION = "designation"
    """Per designated state (EPC Art. 79(2))."""
    EXAMINATION = "examination"
    GRANT_PUBLICATION = "grant_publication"
    """Fee for grant and publishing (EPC Rule 71(3))."""
    CLAIMS = "claims"
    """Per claim above :data:`FREE_CLAIMS`."""
    RENEWAL = "renewal"
    """Per year from the 3rd to the 20th; per designated state after grant."""
    LATE_SURCHARGE = "late_surcharge"
    """A percentage of a renewal fee paid in its grace period (EPC Rule 51(2))."""
    RE_ESTABLISHMENT = "re_establishment"
    OPPOSITION = "opposition"


FLAT_FEES = tuple(k for k in FeeKind if k not in {FeeKind.RENEWAL, FeeKind.LATE_SURCHARGE})
"""The fees with one amount in a schedule (renewals have one per year, the surcharge is a percentage)."""


class Entitlement(enum.StrEnum):
    """Who may declare a right to reduced fees (the EPO's micro-entity reduction, RFees Art. 7a)."""

    NATURAL_PERSON = "natural_person"
    SME = "sme"
    UNIVERSITY = "university"


class ScheduleError(ValueError):
    """A schedule that cannot be used; ``field`` is the dotted path of the offending entry."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotInForceError(LookupError):
    """No schedule was in force on that day (before the first one)."""


@dataclass(frozen=True, slots=True)
class Reduction:
    """A percentage off some fees for one entitlement."""

    percent: Decimal
    fees: frozenset[FeeKind]


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """One version of the fees, in force from ``effective_from`` until the next schedule's date."""

    effective_from: date
    fees: Mapping[FeeKind, Decimal]
    renewals: Mapping[int, Decimal]
    """Renewal fee per year, 3 to 20."""
    late_surcharge_percent: Decimal
    reductions: Mapping[Entitlement, Reduction]
    note: str = ""
    organization_percent: Decimal = Decimal(50)
    """The organization's share of each payment; the rest goes to the designated offices (see ``split_revenue``)."""

    def amount(
        self, kind: FeeKind, *, year: int | None = None, quantity: int = 1, entitlement: Entitlement | None = None
    ) -> Decimal:
        """What ``quantity`` of a fee costs under this schedule, reduction applied and rounded to the cent.

        Args:
            kind: any fee but the late surcharge (see :meth:`late_surcharge`).
            year: the renewal year, for renewal fees only.
            quantity: claims above the tenth, for the claims fee; 1 otherwise.
            entitlement: a declared entitlement to reduced fees, if any.

        Raises:
            ValueError: a renewal without a year 3-20, a year on another fee, or a quantity below 1.
        """
        if quantity < 1:
            raise ValueError("a fee is charged for one item or more")
        if kind is FeeKind.RENEWAL:
            if year is None or year not in self.renewals:
                raise ValueError(f"renewal fees are due for years {FIRST_RENEWAL_YEAR} to {LAST_RENEWAL_YEAR}")
            base = self.renewals[year]
        elif kind is FeeKind.LATE_SURCHARGE:
            raise ValueError("the late surcharge is a percentage of a renewal fee: use late_surcharge()")
        else:
            if year is not None:
                raise ValueError(f"the {kind} fee has no year")
            base = self.fees[kind]
        total = base * quantity
        reduction = self.reductions.get(entitlement) if entitlement is not None else None
        if reduction is not None and kind in reduction.fees:
            total = total * (100 - reduction.percent) / 100
        return cents(total)

    def late_surcharge(self, renewal_amount: Decimal) -> Decimal:
        """The surcharge on a renewal fee paid in its grace period (EPC Rule 51(2): 50 % at the EPO)."""
        return cents(renewal_amount * self.late_surcharge_percent / 100)


@dataclass(frozen=True, slots=True)
class FeeSchedules:
    """Every schedule, ordered by effective date: answers "what was in force on that day"."""

    schedules: tuple[FeeSchedule, ...]

    def __post_init__(self) -> None:
        dates = [s.effective_from for s in self.schedules]
        if dates != sorted(dates) or len(set(dates)) != len(dates):
            raise ScheduleError("effective_from", "schedules must have distinct dates, in order")

    def in_force(self, day: date) -> FeeSchedule:
        """The schedule in force on ``day`` (the day of payment).

        Raises:
            NotInForceError: ``day`` is before the first schedule.
        """
        index = bisect.bisect_right([s.effective_from for s in self.schedules], day) - 1
        if index < 0:
            raise NotInForceError(f"no fee schedule was in force on {day.isoformat()}")
        return self.schedules[index]

    def with_schedule(self, schedule: FeeSchedule) -> FeeSchedules:
        """These schedules and one more (a published one).

        Raises:
            ScheduleError: another schedule already takes effect on that date.
        """
        if any(s.effective_from == schedule.effective_from for s in self.schedules):
            raise ScheduleError("effective_from", f"a schedule already takes effect on {schedule.effective_from}")
        return FeeSchedules(tuple(sorted((*self.schedules, schedule), key=lambda s: s.effective_from)))


def _amount(value: object, field: str) -> Decimal:
    try:
        return parse_amount(value)
    except AmountError as exc:
        raise ScheduleError(field, str(exc)) from None


def _percent(value: object, field: str) -> Decimal:
    try:
        percent = Decimal(str(value)) if isinstance(value, str | int) else None
    except InvalidOperation:
        percent = None
    if percent is None or not percent.is_finite() or not 0 <= percent <= 100:  # noqa: PLR2004 - a percentage
        raise ScheduleError(field, 'a percentage from 0 to 100, as a string such as "30"')
    return percent


def _mapping(value: object, field: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ScheduleError(field, "expected a table of values")
    return value


def _reductions(raw: object, field: str) -> dict[Entitlement, Reduction]:
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise ScheduleError(field, "expected a list of reductions")
    out: dict[Entitlement, Reduction] = {}
    for i, item in enumerate(raw):
        entry = _mapping(item, f"{field}[{i}]")
        try:
            entitlement = Entitlement(str(entry.get("entitlement")))
        except ValueError:
            allowed = ", ".join(Entitlement)
            raise ScheduleError(f"{field}[{i}].entitlement", f"one of {allowed}") from None
        fees = entry.get("fees")
        if not isinstance(fees, list) or not fees:
            raise ScheduleError(f"{field}[{i}].fees", "list the fees the reduction applies to")
        try:
            kinds = frozenset(FeeKind(f) for f in fees)
        except ValueError:
            raise ScheduleError(f"{field}[{i}].fees", f"unknown fee among {fees}") from None
        if entitlement in out:
            raise ScheduleError(f"{field}[{i}].entitlement", f"{entitlement} is listed twice")
        out[entitlement] = Reduction(_percent(entry.get("percent"), f"{field}[{i}].percent"), kinds)
    return out


def _renewals(raw_renewals: Mapping[str, Any]) -> dict[int, Decimal]:
    years = range(FIRST_RENEWAL_YEAR, LAST_RENEWAL_YEAR + 1)
    extra = {str(k) for k in raw_renewals} - {str(y) for y in years}
    if extra:
        raise ScheduleError(f"renewal.{min(extra)}", f"renewal years run from {years.start} to {years.stop - 1}")
    renewals = {}
    for year in years:
        value = raw_renewals.get(str(year))
        if value is None:
            raise ScheduleError(f"renewal.{year}", "missing: every renewal year must be priced")
        renewals[year] = _amount(value, f"renewal.{year}")
    return renewals


def parse_schedule(raw: Mapping[str, Any]) -> FeeSchedule:
    """A schedule from its data (a ``[[schedule]]`` table of ``schedules.toml``, or an API body of that shape).

    Every fee of :data:`FLAT_FEES` and every renewal year 3-20 must be priced: a schedule replaces the previous one
    whole, so a fee left out would silently become unpayable.

    Raises:
        ScheduleError: naming the field that is missing or wrong.
    """
    effective = raw.get("effective_from")
    if isinstance(effective, str):
        try:
            effective = date.fromisoformat(effective)
        except ValueError:
            raise ScheduleError("effective_from", f"{effective!r} is not a date (YYYY-MM-DD)") from None
    if not isinstance(effective, date):
        raise ScheduleError("effective_from", "the date from which the schedule applies (YYYY-MM-DD)")
    raw_fees = _mapping(raw.get("fees"), "fees")
    unknown = set(raw_fees) - {k.value for k in FLAT_FEES}
    if unknown:
        raise ScheduleError(f"fees.{min(unknown)}", "no such fee")
    fees = {}
    for kind in FLAT_FEES:
        if kind.value not in raw_fees:
            raise ScheduleError(f"fees.{kind}", "missing: every fee must be priced")
        fees[kind] = _amount(raw_fees[kind.value], f"fees.{kind}")
    renewals = _renewals(_mapping(raw.get("renewal"), "renewal"))
    surcharge = _mapping(raw.get("late_surcharge"), "late_surcharge")
    note = raw.get("note", "")
    if not isinstance(note, str) or len(note) > 500:  # noqa: PLR2004
        raise ScheduleError("note", "a short text (500 characters at most)")
    return FeeSchedule(
        effective_from=effective,
        fees=MappingProxyType(fees),
        renewals=MappingProxyType(renewals),
        late_surcharge_percent=_percent(surcharge.get("percent"), "late_surcharge.percent"),
        reductions=MappingProxyType(_reductions(raw.get("reduction"), "reduction")),
        note=note,
        organization_percent=_percent(
            _mapping(raw.get("revenue_share"), "revenue_share").get("organization_percent"),
            "revenue_share.organization_percent",
        ),
    )


def schedule_to_data(schedule: FeeSchedule) -> dict[str, Any]:
    """The JSON-ready data of a schedule, the shape :func:`parse_schedule` reads (for storage and the API)."""
    return {
        "effective_from": schedule.effective_from.isoformat(),
        "note": schedule.note,
        "fees": {k.value: str(v) for k, v in schedule.fees.items()},
        "renewal": {str(y): str(v) for y, v in schedule.renewals.items()},
        "late_surcharge": {"percent": str(schedule.late_surcharge_percent)},
        "revenue_share": {"organization_percent": str(schedule.organization_percent)},
        "reduction": [
            {"entitlement": e.value, "percent": str(r.percent), "fees": sorted(f.value for f in r.fees)}
            for e, r in schedule.reductions.items()
        ],
    }


def load_schedules(path: Path = SCHEDULES_FILE, extra: Iterable[FeeSchedule] = ()) -> FeeSchedules:
    """The schedules of the data file, plus ``extra`` ones (published through the API).

    Raises:
        ScheduleError: the file is malformed (``schedule[i].field``) or not in the unit of account.
    """
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    if data.get("unit_of_account") != UNIT_OF_ACCOUNT:
        raise ScheduleError("unit_of_account", f"the CTPO keeps its accounts in {UNIT_OF_ACCOUNT}")
    parsed = []
    for i, raw in enumerate(data.get("schedule", [])):
        try:
            parsed.append(parse_schedule(raw))
        except ScheduleError as exc:
            raise ScheduleError(f"schedule[{i}].{exc.field}", exc.message) from None
    schedules = FeeSchedules(tuple(parsed))
    for schedule in extra:
        schedules = schedules.with_schedule(schedule)
    return schedules
