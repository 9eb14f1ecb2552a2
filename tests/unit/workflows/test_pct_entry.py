"""The 31-month limit for entry into the regional phase (PCT Art. 22(3)/39(1)(b), EPC Rule 159(1)), by table."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from workflows import Actor, ApplicationState, DeadlineKind, OfficeCalendar, OfficeCode, Role
from workflows.errors import DeadlinePassed, Forbidden, InvalidPayload
from workflows.offices import OFFICES
from workflows.pct import ReEstablishmentRequest, enter_regional_phase, entry_time_limit, translation_required

KZ, TR = OfficeCode.KZ, OfficeCode.TR


@pytest.mark.parametrize(
    ("office", "priority", "due", "month_end", "skipped"),
    [
        # plain: 31 months later, same day number, a working day
        (KZ, date(2024, 1, 17), date(2026, 8, 17), False, ()),
        # month end: no 31 February; the last day of February is a Saturday, so Monday 2 March
        (KZ, date(2023, 7, 31), date(2026, 3, 2), True, ("2026-02-28", "2026-03-01")),
        # 29 February as the priority date: day 29 exists 31 months later
        (KZ, date(2024, 2, 29), date(2026, 9, 29), False, ()),
        # ending on 29 February of a leap year (exists), and on 28 February of a common year (month-end rule)
        (KZ, date(2025, 7, 29), date(2028, 2, 29), False, ()),
        (KZ, date(2024, 7, 29), date(2027, 3, 1), True, ("2027-02-28",)),
        # office holidays: 29 October is Republic Day in Türkiye, an ordinary Thursday in Kazakhstan
        (TR, date(2024, 3, 29), date(2026, 10, 30), False, ("2026-10-29",)),
        (KZ, date(2024, 3, 29), date(2026, 10, 29), False, ()),
        # Nauryz (21-23 March in Kazakhstan) on the last day; two of its days fall on the weekend in 2026 and are
        # observed on 24-25 March, so the limit runs to Thursday 26 March
        (
            KZ,
            date(2023, 8, 21),
            date(2026, 3, 26),
            False,
            ("2026-03-21", "2026-03-22", "2026-03-23", "2026-03-24", "2026-03-25"),
        ),
    ],
)
def test_time_limit_table(office: OfficeCode, priority: date, due: date, month_end: bool, skipped: tuple[str, ...]):
    limit = entry_time_limit(OfficeCalendar(office), priority, None)
    assert limit.due_date == due
    assert limit.month_end_rule is month_end
    assert tuple(s.day.isoformat() for s in limit.skipped) == skipped
    steps = limit.steps()
    assert steps[0] == {"step": "trigger", "date": priority.isoformat(), "detail": "international filing date"}
    assert steps[-2]["date"] == due.isoformat()
    local_midnight = datetime.combine(due + timedelta(days=1), time(0), tzinfo=OFFICES[office].zone)
    assert limit.expires_at == local_midnight.astimezone(UTC)


def test_runs_from_the_earliest_priority_not_the_international_filing_date():
    limit = entry_time_limit(OfficeCalendar(KZ), date(2025, 1, 10), date(2024, 1, 17))
    assert limit.due_date == date(2026, 8, 17)
    assert limit.steps()[0]["detail"].startswith("earliest priority date")


def test_an_office_closure_extends_the_limit():
    calendar = OfficeCalendar(KZ).with_closure(date(2026, 8, 17), "decree 12: flood")
    limit = entry_time_limit(calendar, date(2024, 1, 17), None)
    assert limit.due_date == date(2026, 8, 18)
    assert "office closure: decree 12: flood" in limit.steps()[2]["detail"]


def _enter(now: datetime, **overrides: object):
    args: dict[str, object] = {
        "international_filing_date": date(2024, 1, 17),
        "earliest_priority": None,
        "international_publication_date": date(2024, 7, 25),
        "international_language": "en",
    }
    args.update(overrides)
    return enter_regional_phase("app-1", KZ, Actor("u1", Role.APPLICANT), now, **args)  # type: ignore[arg-type]


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=OFFICES[KZ].zone)


def test_entry_on_the_last_day_is_in_time_and_the_next_minute_is_late():
    decision, limit = _enter(_local(date(2026, 8, 17), 23, 59))
    assert limit.due_date == date(2026, 8, 17)
    assert decision.snapshot.state is ApplicationState.FILED
    assert decision.snapshot.filing_date == date(2024, 1, 17)  # PCT Art. 11(3)
    assert decision.history.action == "enter_regional_phase"
    with pytest.raises(DeadlinePassed, match="31-month"):
        _enter(_local(date(2026, 8, 18), 0, 0))


def test_late_entry_with_timely_re_establishment_request_is_accepted():
    now = _local(date(2026, 9, 20), 10)
    decision, _ = _enter(now, re_establishment=ReEstablishmentRequest(date(2026, 9, 1), "the attorney fell ill"))
    assert "re-establishment" in (decision.history.reason or "")
    with pytest.raises(DeadlinePassed, match=r"Rule 136\(1\)"):  # more than 2 months after removal of the cause
        _enter(_local(date(2026, 11, 20), 10), re_establishment=ReEstablishmentRequest(date(2026, 9, 1), "ill"))


def test_publication_in_a_working_language_replaces_ours_otherwise_it_is_due_at_once():
    published, _ = _enter(_local(date(2026, 5, 4), 10))
    assert published.snapshot.publication_date == date(2024, 7, 25)
    fee_limits = [DeadlineKind.PAY_FILING_FEES, DeadlineKind.PAY_RENEWAL_FEE]  # a month from entry; renewals
    assert [d.kind for d in published.opened] == fee_limits
    assert published.opened[0].due_date == date(2026, 6, 4)
    foreign, _ = _enter(_local(date(2026, 5, 4), 10), international_language="ja")
    assert foreign.snapshot.publication_date is None
    (publication, *fees) = foreign.opened
    assert [d.kind for d in fees] == fee_limits
    assert publication.kind is DeadlineKind.PUBLICATION
    assert publication.has_passed(_local(date(2026, 5, 4), 10))


def test_impossible_dates_and_actors_are_refused():
    with pytest.raises(InvalidPayload):
        _enter(_local(date(2026, 5, 4), 10), earliest_priority=date(2022, 12, 1))  # 13 months before
    with pytest.raises(InvalidPayload):
        _enter(_local(date(2026, 5, 4), 10), international_filing_date=date(2027, 1, 1))
    with pytest.raises(Forbidden):
        enter_regional_phase(
            "app-1",
            KZ,
            Actor("e", Role.EXAMINER, KZ),
            _local(date(2026, 5, 4), 10),
            international_filing_date=date(2024, 1, 17),
            earliest_priority=None,
            international_publication_date=None,
            international_language="en",
        )


def test_translation_is_needed_outside_the_working_languages():
    assert [lang for lang in ("en", "ru", "ja", "zh", "de", "ko") if translation_required(lang)] == [
        "ja",
        "zh",
        "de",
        "ko",
    ]
