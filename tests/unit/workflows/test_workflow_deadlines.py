"""Deadline arithmetic: month ends, each office's holidays and weekends, local-day ends, calendar changes."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.unit.workflows.workflow_support import Flow
from workflows import ApplicationState, DeadlineKind, OfficeCalendar, OfficeCode, Period, recompute_deadlines
from workflows.deadlines import Expiry, add_months, deadline_from_json, deadline_to_json, explain_due_date
from workflows.machine import RESCHEDULE_ACTION, CloseReason, reschedule
from workflows.sweep import SYSTEM_ACTOR

TWO_MONTHS = Period(months=2)


class TestAddMonths:
    @pytest.mark.parametrize(
        ("start", "months", "end"),
        [
            (date(2026, 1, 31), 1, date(2026, 2, 28)),  # no 31 Feb: last day (EPC R.131(4))
            (date(2027, 12, 31), 2, date(2028, 2, 29)),  # leap year
            (date(2026, 3, 31), 1, date(2026, 4, 30)),  # 31st into a 30-day month
            (date(2026, 8, 31), 6, date(2027, 2, 28)),
            (date(2026, 2, 28), 1, date(2026, 3, 28)),  # same day number, not month end
            (date(2028, 2, 29), 12, date(2029, 2, 28)),
            (date(2026, 1, 15), 18, date(2027, 7, 15)),
            (date(2026, 11, 30), 0, date(2026, 11, 30)),
        ],
    )
    def test_month_arithmetic(self, start, months, end):
        assert add_months(start, months) == end

    def test_negative_periods_are_rejected(self):
        with pytest.raises(ValueError, match="backwards"):
            add_months(date(2026, 1, 1), -1)

    def test_month_end_rule_is_explained(self):
        explanation = explain_due_date(OfficeCalendar(OfficeCode.KZ), "office action", date(2027, 8, 31), Period(1))
        assert explanation.month_end_rule
        assert explanation.due_date == date(2027, 9, 30)
        steps = [s["step"] for s in explanation.steps()]
        assert steps == ["trigger", "period", "month_end_rule", "due_date", "expires_at"]

    def test_day_periods(self):
        explanation = explain_due_date(OfficeCalendar(OfficeCode.TR), "x", date(2026, 11, 23), Period(days=10))
        assert explanation.due_date == date(2026, 12, 3)


# Real holidays of each office (holidays package), each making a 2-month time limit run on.
HOLIDAY_CASES = [
    # office, trigger, due date, skipped days (date: reason)
    ("TR", date(2026, 8, 29), date(2026, 10, 30), {"2026-10-29": "public holiday: Republic Day"}),
    (
        "TR",
        date(2026, 1, 20),
        date(2026, 3, 23),
        dict.fromkeys(("2026-03-20", "2026-03-21", "2026-03-22"), "public holiday: Eid al-Fitr"),
    ),
    (
        "AZ",
        date(2027, 1, 20),
        date(2027, 3, 29),
        {
            **{f"2027-03-{d}": "public holiday: Spring Festival" for d in range(20, 25)},
            "2027-03-25": "public holiday: Spring Festival (observed)",
            "2027-03-26": "public holiday: Spring Festival (observed)",
            "2027-03-27": "Saturday",
            "2027-03-28": "Sunday",
        },
    ),
    (
        "AZ",
        date(2027, 3, 28),
        date(2027, 5, 31),
        {"2027-05-28": "public holiday: Independence Day", "2027-05-29": "Saturday", "2027-05-30": "Sunday"},
    ),
    ("KZ", date(2026, 10, 16), date(2026, 12, 17), {"2026-12-16": "public holiday: Independence Day"}),
    (
        "KZ",
        date(2027, 1, 21),
        date(2027, 3, 25),
        {
            **{f"2027-03-{d}": "public holiday: Nowruz Holiday" for d in (21, 22, 23)},
            "2027-03-24": "public holiday: Nowruz Holiday (observed)",
        },
    ),
    (
        "KG",
        date(2026, 6, 30),
        date(2026, 9, 1),
        {"2026-08-30": "Sunday", "2026-08-31": "public holiday: Independence Day"},
    ),
    ("KG", date(2027, 1, 21), date(2027, 3, 22), {"2027-03-21": "public holiday: Nooruz Holiday"}),
    (
        "UZ",
        date(2026, 6, 30),
        date(2026, 9, 2),
        {
            "2026-08-30": "Sunday",
            "2026-08-31": "public holiday: Additional day off by Presidential decree",
            "2026-09-01": "public holiday: Independence Day",
        },
    ),
    (
        "UZ",
        date(2027, 1, 21),
        date(2027, 3, 23),
        {"2027-03-21": "public holiday: Nowruz", "2027-03-22": "public holiday: Nowruz (observed)"},
    ),
    ("TR", date(2026, 8, 31), date(2026, 11, 2), {"2026-10-31": "Saturday", "2026-11-01": "Sunday"}),
]


@pytest.mark.parametrize(
    ("office", "trigger", "due", "skipped"), HOLIDAY_CASES, ids=[f"{c[0]}-{c[2]}" for c in HOLIDAY_CASES]
)
def test_time_limit_ending_on_a_closed_day_runs_to_the_next_working_day(office, trigger, due, skipped):
    explanation = explain_due_date(OfficeCalendar(OfficeCode(office)), "deficiency notice", trigger, TWO_MONTHS)
    assert explanation.due_date == due
    assert {s.day.isoformat(): s.reason for s in explanation.skipped} == skipped
    assert [s["date"] for s in explanation.steps() if s["step"] == "skip_non_working_day"] == sorted(skipped)


@pytest.mark.parametrize(
    ("office", "local_midnight_utc"),
    [
        ("TR", datetime(2026, 10, 30, 21, 0, tzinfo=UTC)),  # Europe/Istanbul, UTC+3
        ("AZ", datetime(2026, 10, 30, 20, 0, tzinfo=UTC)),  # Asia/Baku, UTC+4
        ("KZ", datetime(2026, 10, 30, 19, 0, tzinfo=UTC)),  # Asia/Almaty, UTC+5 since 2024
        ("KG", datetime(2026, 10, 30, 18, 0, tzinfo=UTC)),  # Asia/Bishkek, UTC+6
        ("UZ", datetime(2026, 10, 30, 19, 0, tzinfo=UTC)),  # Asia/Tashkent, UTC+5
    ],
)
def test_deadline_ends_at_midnight_office_time(office, local_midnight_utc):
    explanation = explain_due_date(OfficeCalendar(OfficeCode(office)), "x", date(2026, 10, 30), Period())
    assert explanation.due_date == date(2026, 10, 30)  # a Friday and no holiday anywhere
    assert explanation.expires_at == local_midnight_utc


def test_publication_date_is_not_extended_and_starts_the_day():
    period = Period(months=18, extend_to_working_day=False, expiry=Expiry.START_OF_DAY)
    explanation = explain_due_date(OfficeCalendar(OfficeCode.TR), "priority", date(2025, 4, 29), period)
    assert explanation.due_date == date(2026, 10, 29)  # Republic Day, still the publication date
    assert explanation.skipped == ()
    assert explanation.expires_at == datetime(2026, 10, 28, 21, 0, tzinfo=UTC)


class TestOfficeCalendar:
    def test_weekends_and_holidays_and_working_days(self):
        calendar = OfficeCalendar(OfficeCode.UZ)
        assert calendar.non_working_reason(date(2026, 11, 28)) == "Saturday"
        assert calendar.non_working_reason(date(2026, 9, 1)) == "public holiday: Independence Day"
        assert calendar.is_working_day(date(2026, 11, 23))
        assert calendar.next_working_day(date(2026, 8, 29)) == date(2026, 9, 2)

    def test_admin_closure_and_opening_override_the_package(self):
        calendar = OfficeCalendar(OfficeCode.TR).with_closure(date(2026, 11, 24), "flood, decree 2026/17")
        assert calendar.non_working_reason(date(2026, 11, 24)) == "office closure: flood, decree 2026/17"
        calendar = calendar.with_opening(date(2026, 10, 29)).with_opening(date(2026, 11, 24))
        assert calendar.is_working_day(date(2026, 10, 29))
        assert calendar.is_working_day(date(2026, 11, 24))
        assert calendar.with_closure(date(2026, 10, 29), "moved back").non_working_reason(date(2026, 10, 29)) == (
            "office closure: moved back"
        )

    def test_transferred_working_saturday(self):
        saturday = date(2026, 12, 12)
        calendar = OfficeCalendar(OfficeCode.UZ).with_opening(saturday)
        explanation = explain_due_date(calendar, "x", date(2026, 10, 12), TWO_MONTHS)
        assert explanation.due_date == saturday

    def test_a_calendar_without_working_days_is_an_error(self):
        calendar = OfficeCalendar(OfficeCode.KG)
        for offset in range(400):
            calendar = calendar.with_closure(date(2027, 1, 1) + timedelta(days=offset), "test")
        with pytest.raises(ValueError, match="no working day"):
            explain_due_date(calendar, "x", date(2026, 11, 1), TWO_MONTHS)


class TestCalendarChange:
    def test_new_closure_moves_an_open_deadline_and_is_logged(self):
        flow = Flow().to(ApplicationState.OFFICE_ACTION)
        response = flow.snapshot.deadline(DeadlineKind.RESPOND_TO_OFFICE_ACTION)
        assert response.due_date == date(2027, 3, 23)
        calendar = OfficeCalendar(OfficeCode.TR).with_closure(date(2027, 3, 23), "earthquake")
        (change,) = recompute_deadlines(flow.snapshot.deadlines, calendar, flow.now)
        assert change.before == response
        assert change.after.due_date == date(2027, 3, 24)
        assert "2027-03-23 to 2027-03-24" in change.as_history_reason()

        decision = reschedule(flow.snapshot, calendar, SYSTEM_ACTOR, flow.now)
        assert decision.action == RESCHEDULE_ACTION
        assert decision.new_state is ApplicationState.OFFICE_ACTION
        assert [c.reason for c in decision.closed] == [CloseReason.RECOMPUTED]
        assert decision.opened == (change.after,)
        assert decision.history.seq == flow.snapshot.version + 1
        assert "earthquake" not in decision.history.reason  # reason lists dates; the explanation has the cause
        assert decision.opened[0].explanation.skipped[0].reason == "office closure: earthquake"
        assert decision.snapshot.deadline(DeadlineKind.RESPOND_TO_OFFICE_ACTION).due_date == date(2027, 3, 24)

    def test_unchanged_deadlines_and_other_offices_are_not_reported(self):
        flow = Flow().to(ApplicationState.OFFICE_ACTION)
        assert recompute_deadlines(flow.snapshot.deadlines, OfficeCalendar(OfficeCode.TR), flow.now) == ()
        assert reschedule(flow.snapshot, OfficeCalendar(OfficeCode.TR), SYSTEM_ACTOR, flow.now) is None
        az = OfficeCalendar(OfficeCode.AZ).with_closure(date(2027, 3, 23), "x")
        assert recompute_deadlines(flow.snapshot.deadlines, az, flow.now) == ()

    def test_reopened_holiday_shortens_a_running_deadline(self):
        # Deficiency notice of 23 Nov 2026: nominally due Sat 23 Jan 2027, extended to Mon 25 Jan.
        flow = Flow(office=OfficeCode.TR).to(ApplicationState.FORMALITIES_DEFICIENT)
        deficiency = flow.snapshot.deadline(DeadlineKind.CORRECT_DEFICIENCIES)
        assert deficiency.due_date == date(2027, 1, 25)
        calendar = OfficeCalendar(OfficeCode.TR).with_opening(date(2027, 1, 23))
        (change,) = recompute_deadlines([deficiency], calendar, flow.now)
        assert change.after.due_date == date(2027, 1, 23)

    def test_recompute_never_takes_away_a_limit_already_past(self):
        flow = Flow().to(ApplicationState.FORMALITIES_DEFICIENT)
        deficiency = flow.snapshot.deadline(DeadlineKind.CORRECT_DEFICIENCIES)
        calendar = OfficeCalendar(OfficeCode.TR).with_opening(date(2027, 1, 23))
        sunday = datetime(2027, 1, 24, 10, 0, tzinfo=UTC)
        assert recompute_deadlines([deficiency], calendar, sunday) == ()


def test_deadline_json_round_trip_keeps_the_explanation():
    flow = Flow(office=OfficeCode.AZ, priority_date=date(2026, 1, 20)).to(ApplicationState.FORMALITIES_DEFICIENT)
    for deadline in flow.snapshot.deadlines:
        stored = json.loads(json.dumps(deadline_to_json(deadline)))
        assert deadline_from_json(stored) == deadline
        assert stored["steps"] == deadline.explanation.steps()
