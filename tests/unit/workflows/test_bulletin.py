"""Bulletin weeks: seven days ending on the publication weekday, on each office's own calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflows.bulletin import issue_named, issue_of_day, issue_of_moment
from workflows.offices import OfficeCode

WEDNESDAY = 2


def test_a_wednesday_issue_covers_thursday_to_wednesday():
    issue = issue_of_day(date(2026, 12, 9), WEDNESDAY)  # a Wednesday
    assert (issue.start, issue.end) == (date(2026, 12, 3), date(2026, 12, 9))
    assert (issue.year, issue.week) == (2026, 50)
    assert issue_of_day(date(2026, 12, 3), WEDNESDAY) == issue  # Thursday opens it
    assert issue_of_day(date(2026, 12, 10), WEDNESDAY).start == date(2026, 12, 10)  # the next Thursday does not


@pytest.mark.parametrize(
    ("office", "expected_end"),
    [
        # Wednesday 2026-12-09 20:30 UTC
        (OfficeCode.TR, date(2026, 12, 9)),  # 23:30 Wednesday in Istanbul (UTC+3): this issue
        (OfficeCode.AZ, date(2026, 12, 16)),  # 00:30 Thursday in Baku (UTC+4): the next one
        (OfficeCode.KZ, date(2026, 12, 16)),  # 01:30 Thursday in Almaty (UTC+5)
        (OfficeCode.KG, date(2026, 12, 16)),  # 02:30 Thursday in Bishkek (UTC+6)
        (OfficeCode.UZ, date(2026, 12, 16)),  # 01:30 Thursday in Tashkent (UTC+5)
    ],
)
def test_the_same_instant_falls_in_each_offices_own_week(office: OfficeCode, expected_end: date):
    moment = datetime(2026, 12, 9, 20, 30, tzinfo=UTC)
    assert issue_of_moment(moment, office, WEDNESDAY).end == expected_end


@pytest.mark.parametrize("office", list(OfficeCode))
def test_window_edges_are_local_midnights(office: OfficeCode):
    issue = issue_of_day(date(2026, 12, 9), WEDNESDAY)
    start, end = issue.window(office)
    assert issue_of_moment(start, office, WEDNESDAY) == issue
    assert issue_of_moment(start - timedelta(microseconds=1), office, WEDNESDAY).end == date(2026, 12, 2)
    assert issue_of_moment(end - timedelta(microseconds=1), office, WEDNESDAY) == issue
    assert issue_of_moment(end, office, WEDNESDAY).start == date(2026, 12, 10)


def test_issue_named_by_iso_week_and_year_end():
    assert issue_named(2026, 50, WEDNESDAY) == issue_of_day(date(2026, 12, 9), WEDNESDAY)
    # an issue straddling new year is named by its publication day: Wednesday 2026-12-30 is ISO 2026-W53
    assert issue_named(2026, 53, WEDNESDAY).end == date(2026, 12, 30)
    with pytest.raises(ValueError, match="week"):
        issue_named(2025, 53, WEDNESDAY)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.integers(0, 6))
def test_every_day_is_in_exactly_one_issue_ending_on_the_weekday(day: date, weekday: int):
    issue = issue_of_day(day, weekday)
    assert issue.covers(day)
    assert issue.end.weekday() == weekday
    assert (issue.end - issue.start).days == 6
    assert issue_named(issue.year, issue.week, weekday) == issue
