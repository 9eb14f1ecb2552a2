"""Fee schedules, amounts and renewal dates: table-tested against the rules (EPC Rules 51, 131-134)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from workflows.deadlines import OfficeCalendar
from workflows.fees import (
    AmountError,
    Entitlement,
    FeeKind,
    NotInForceError,
    RenewalCharge,
    ScheduleError,
    expiry_date,
    load_schedules,
    months_before,
    owed_for_application,
    parse_amount,
    parse_schedule,
    renewal_window,
    schedule_to_data,
)
from workflows.fees.docs import render_markdown
from workflows.offices import OfficeCode

DOC = Path(__file__).resolve().parents[3] / "docs" / "fees.md"
SCHEDULES = load_schedules()


def test_committed_fee_docs_are_in_sync_with_the_schedule_data():
    assert DOC.read_text(encoding="utf-8") == render_markdown(), (
        "docs/fees.md is stale: run `python -m workflows.fees.docs > docs/fees.md`"
    )


# filing date, year, office, due date (lapse date), payable from, without surcharge until, grace end
RENEWAL_TABLE = [
    # 29 February: the anniversary is 28 February in common years, 29 February in leap years
    (date(2024, 2, 29), 3, "TR", date(2026, 2, 28), date(2025, 11, 28), date(2026, 3, 2), date(2026, 8, 31)),
    (date(2024, 2, 29), 4, "TR", date(2027, 2, 28), date(2026, 11, 28), date(2027, 3, 1), date(2027, 8, 31)),
    (date(2024, 2, 29), 5, "TR", date(2028, 2, 29), date(2027, 11, 29), date(2028, 2, 29), date(2028, 8, 31)),
    # 31 January: due on a Sunday, paid the Monday after; the grace period ends on a Saturday, so on Monday
    (date(2025, 1, 31), 3, "KZ", date(2027, 1, 31), date(2026, 10, 31), date(2027, 2, 1), date(2027, 8, 2)),
    # any day of the month falls due at its end; 3 months before 31 August is 31 May, before 30 November 30 August
    (date(2025, 8, 1), 3, "TR", date(2027, 8, 31), date(2027, 5, 31), date(2027, 8, 31), date(2028, 2, 29)),
    (date(2025, 11, 30), 3, "UZ", date(2027, 11, 30), date(2027, 8, 30), date(2027, 11, 30), date(2028, 5, 31)),
    (date(2026, 5, 31), 3, "TR", date(2028, 5, 31), date(2028, 2, 29), date(2028, 5, 31), date(2028, 11, 30)),
    # due on Kyrgyz Independence Day (31 August 2026, a Monday): payable without surcharge on 1 September;
    # the grace period ends on Sunday 28 February 2027, so on Monday 1 March
    (date(2024, 8, 15), 3, "KG", date(2026, 8, 31), date(2026, 5, 31), date(2026, 9, 1), date(2027, 3, 1)),
    # year 20, the last one; the grace period ends on Saturday 30 September 2045, so on Monday 2 October
    (date(2026, 3, 10), 20, "TR", date(2045, 3, 31), date(2044, 12, 31), date(2045, 3, 31), date(2045, 10, 2)),
]


@pytest.mark.parametrize(("filing", "year", "office", "due", "earliest", "no_surcharge", "grace"), RENEWAL_TABLE)
def test_renewal_dates(
    filing: date, year: int, office: str, due: date, earliest: date, no_surcharge: date, grace: date
) -> None:
    window = renewal_window(filing, year, OfficeCalendar(OfficeCode(office)))
    assert window.due_date == due
    assert window.payable_from == earliest
    assert window.pay_without_surcharge_until == no_surcharge
    assert window.grace_end == grace


def test_an_office_closure_on_the_due_date_extends_payment_not_the_due_date():
    calendar = OfficeCalendar(OfficeCode.KZ).with_closure(date(2027, 6, 30), "server move, decree 12/2027")
    window = renewal_window(date(2025, 6, 5), 3, calendar)
    assert window.due_date == date(2027, 6, 30)
    assert window.pay_without_surcharge_until == date(2027, 7, 1)
    steps = [s["step"] for s in window.due.steps()]
    assert steps == ["trigger", "period", "end_of_month", "skip_non_working_day", "due_date", "expires_at"]
    assert "server move" in window.due.steps()[3]["detail"]
    assert window.charge_on(date(2027, 7, 1)) is RenewalCharge.ON_TIME
    assert window.charge_on(date(2027, 7, 2)) is RenewalCharge.WITH_SURCHARGE


def test_payment_windows():
    window = renewal_window(date(2025, 1, 31), 3, OfficeCalendar(OfficeCode.KZ))
    assert window.charge_on(date(2026, 10, 30)) is RenewalCharge.TOO_EARLY
    assert window.charge_on(date(2026, 10, 31)) is RenewalCharge.ON_TIME
    assert window.charge_on(date(2027, 2, 1)) is RenewalCharge.ON_TIME
    assert window.charge_on(date(2027, 2, 2)) is RenewalCharge.WITH_SURCHARGE
    assert window.charge_on(date(2027, 8, 2)) is RenewalCharge.WITH_SURCHARGE
    assert window.charge_on(date(2027, 8, 3)) is RenewalCharge.TOO_LATE


def test_renewal_years_run_from_3_to_20():
    calendar = OfficeCalendar(OfficeCode.TR)
    for year in (2, 21):
        with pytest.raises(ValueError, match="years 3 to 20"):
            renewal_window(date(2026, 1, 1), year, calendar)


@pytest.mark.parametrize(
    ("filing", "expiry"),
    [
        (date(2026, 3, 15), date(2046, 3, 15)),
        (date(2024, 2, 29), date(2044, 2, 29)),
        (date(2080, 2, 29), date(2100, 2, 28)),  # 2100 is not a leap year
        (date(2025, 12, 31), date(2045, 12, 31)),
    ],
)
def test_expiry_twenty_years_after_filing(filing: date, expiry: date):
    assert expiry_date(filing) == expiry


def test_renewals_due_before_grant_are_owed_for_the_application():
    window = renewal_window(date(2024, 3, 10), 3, OfficeCalendar(OfficeCode.TR))  # due 31 March 2026
    assert owed_for_application(window, grant_date=None)
    assert owed_for_application(window, grant_date=date(2026, 3, 31))
    assert not owed_for_application(window, grant_date=date(2026, 3, 30))


def test_months_before():
    assert months_before(date(2026, 5, 31), 3) == date(2026, 2, 28)
    assert months_before(date(2028, 5, 31), 3) == date(2028, 2, 29)
    assert months_before(date(2026, 1, 31), 3) == date(2025, 10, 31)


@pytest.mark.parametrize(
    ("day", "search", "renewal_10"),
    [
        (date(2026, 1, 1), "950.00", "330.00"),
        (date(2027, 3, 31), "950.00", "330.00"),  # the last day of the first schedule
        (date(2027, 4, 1), "1020.00", "345.00"),  # the new one applies to payments from its first day
        (date(2040, 1, 1), "1020.00", "345.00"),
    ],
)
def test_the_amount_due_is_the_amount_in_force_on_the_day_of_payment(day: date, search: str, renewal_10: str):
    schedule = SCHEDULES.in_force(day)
    assert schedule.amount(FeeKind.SEARCH) == Decimal(search)
    assert schedule.amount(FeeKind.RENEWAL, year=10) == Decimal(renewal_10)


def test_no_schedule_before_the_first():
    with pytest.raises(NotInForceError):
        SCHEDULES.in_force(date(2025, 12, 31))


def test_reductions_claims_and_surcharge():
    schedule = SCHEDULES.in_force(date(2026, 6, 1))
    assert schedule.amount(FeeKind.SEARCH, entitlement=Entitlement.NATURAL_PERSON) == Decimal("665.00")
    assert schedule.amount(FeeKind.OPPOSITION, entitlement=Entitlement.UNIVERSITY) == Decimal("700.00")  # not reduced
    assert schedule.amount(FeeKind.CLAIMS, quantity=5) == Decimal("300.00")
    renewal = schedule.amount(FeeKind.RENEWAL, year=3, entitlement=Entitlement.SME)
    assert renewal == Decimal("77.00")
    assert schedule.late_surcharge(renewal) == Decimal("38.50")
    with pytest.raises(ValueError, match="years 3 to 20"):
        schedule.amount(FeeKind.RENEWAL, year=21)
    with pytest.raises(ValueError, match="percentage"):
        schedule.amount(FeeKind.LATE_SURCHARGE)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0", "more than zero"),
        ("0.00", "more than zero"),
        ("-5.00", "more than zero"),
        ("abc", "not a decimal"),
        ("", "not a decimal"),
        ("1.001", "two decimals"),
        ("1e3", "plain decimal"),
        ("NaN", "plain decimal"),
        ("Infinity", "plain decimal"),
        (12.5, "decimal string"),
        (100, "decimal string"),
        ("100000000.01", "may not exceed"),
    ],
)
def test_bad_amounts_are_refused_with_the_rule(text: object, message: str):
    with pytest.raises(AmountError, match=message):
        parse_amount(text)


def test_good_amounts():
    assert parse_amount("12") == Decimal("12.00")
    assert parse_amount(" 0.10 ") == Decimal("0.10")


def _data() -> dict[str, object]:
    return schedule_to_data(SCHEDULES.in_force(date(2026, 1, 1)))


def test_schedule_round_trips_through_its_data():
    schedule = SCHEDULES.in_force(date(2026, 1, 1))
    assert parse_schedule(schedule_to_data(schedule)) == schedule


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["fees"].pop("search"), "fees.search"),
        (lambda d: d["fees"].update(search="-1"), "fees.search"),
        (lambda d: d["fees"].update(search="9.999"), "fees.search"),
        (lambda d: d["fees"].update(teleport="1.00"), "fees.teleport"),
        (lambda d: d["renewal"].pop("20"), "renewal.20"),
        (lambda d: d["renewal"].update({"21": "5.00"}), "renewal.21"),
        (lambda d: d["late_surcharge"].update(percent="150"), "late_surcharge.percent"),
        (lambda d: d["reduction"][0].update(entitlement="pirate"), "reduction[0].entitlement"),
        (lambda d: d["reduction"][0].update(fees=["bribe"]), "reduction[0].fees"),
        (lambda d: d.update(effective_from="next tuesday"), "effective_from"),
    ],
)
def test_a_malformed_schedule_names_the_field(change, field: str):
    data = _data()
    change(data)
    with pytest.raises(ScheduleError) as error:
        parse_schedule(data)
    assert error.value.field == field


def test_two_schedules_on_one_day_are_refused():
    with pytest.raises(ScheduleError, match="already takes effect"):
        SCHEDULES.with_schedule(SCHEDULES.in_force(date(2026, 1, 1)))
