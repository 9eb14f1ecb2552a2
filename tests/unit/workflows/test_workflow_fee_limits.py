"""Fee time limits are ordinary deadlines: filing and search fees (EPC Rule 38), pre-grant renewals (Art. 86(1))."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.unit.workflows.workflow_support import SYSTEM, Flow
from workflows import Action, ApplicationState, DeadlineKind, OfficeCalendar, OfficeCode
from workflows.errors import DeadlinePassed
from workflows.fees import FeeKind
from workflows.legal_status import KeyEvent, events_for_decision
from workflows.machine import TRANSITIONS_BY_ACTION, CloseReason, Lapse

S = ApplicationState
K = DeadlineKind


def unpaid(filed_at: datetime, calendar: OfficeCalendar | None = None) -> Flow:
    return Flow(now=filed_at, calendar=calendar, filing_fees_paid=False)


@pytest.mark.parametrize(
    ("filed_on", "due_on"),
    [
        (date(2026, 11, 23), date(2026, 12, 23)),  # an ordinary Wednesday
        (date(2027, 1, 31), date(2027, 3, 1)),  # no 31 February: 28 February, a Sunday, so Monday 1 March
        (date(2028, 1, 31), date(2028, 2, 29)),  # leap year: the month's last day, a Tuesday
        (date(2026, 12, 31), date(2027, 2, 1)),  # 31 January 2027 is a Sunday
    ],
)
def test_filing_fees_fall_due_one_month_after_filing(filed_on: date, due_on: date) -> None:
    """EPC Rule 38(1): one month from filing; Rule 131(4) month ends, Rule 134(1) closed days."""
    flow = unpaid(datetime(filed_on.year, filed_on.month, filed_on.day, 9, tzinfo=UTC))
    limit = flow.snapshot.deadline(K.PAY_FILING_FEES)
    assert limit is not None
    assert (limit.trigger_date, limit.due_date) == (filed_on, due_on)
    assert limit.satisfied_by == (Action.PAY_FILING_FEES,)
    assert limit.on_expiry is Action.DEEM_WITHDRAWN
    assert limit.explanation.steps()[0]["detail"] == "date of filing"


def test_an_office_closure_extends_the_fee_limit() -> None:
    calendar = OfficeCalendar(OfficeCode.TR).with_closure(date(2026, 12, 23), "system outage")
    flow = unpaid(datetime(2026, 11, 23, 9, tzinfo=UTC), calendar)
    limit = flow.snapshot.deadline(K.PAY_FILING_FEES)
    assert limit is not None
    assert limit.due_date == date(2026, 12, 24)
    assert any(step["step"] == "skip_non_working_day" for step in limit.explanation.steps())


def test_unpaid_filing_fees_deem_the_application_withdrawn_on_the_due_date() -> None:
    """EPC Art. 78(2) and 90(3): the loss takes effect when the time limit expires, whatever the state."""
    flow = unpaid(datetime(2026, 11, 23, 9, tzinfo=UTC))
    flow.do("claim")
    flow.do("begin_formalities_check")
    flow.at(datetime(2026, 12, 23, 20, 59, tzinfo=UTC))  # 23:59 in Istanbul on the due date
    assert flow.sweep() == []
    flow.at(datetime(2026, 12, 23, 21, 0, tzinfo=UTC))
    (decision,) = flow.sweep()
    assert decision.action is Action.DEEM_WITHDRAWN
    assert flow.snapshot.state is S.DEEMED_WITHDRAWN
    assert flow.snapshot.lapse == Lapse(S.FORMALITIES_CHECK, K.PAY_FILING_FEES, date(2026, 12, 23))
    assert decision.history.reason == "time limit pay_filing_fees ended on 2026-12-23"
    (event,) = events_for_decision(decision)
    assert (event.key_event, event.effective_date) == (KeyEvent.APPLICATION_DEEMED_WITHDRAWN, date(2026, 12, 23))
    assert [d.kind for d in flow.snapshot.deadlines] == [K.RE_ESTABLISHMENT]


def test_fees_paid_in_time_meet_the_limit() -> None:
    flow = unpaid(datetime(2026, 11, 23, 9, tzinfo=UTC))
    flow.at(datetime(2026, 12, 23, 20, 0, tzinfo=UTC))
    decision = flow.do("pay_filing_fees", actor=SYSTEM)
    assert decision.new_state is S.FILED
    assert [(c.deadline.kind, c.reason) for c in decision.closed] == [(K.PAY_FILING_FEES, CloseReason.SATISFIED)]
    flow.advance(days=40)
    assert flow.sweep() == []
    assert flow.snapshot.state is S.FILED


def test_a_payment_after_the_limit_is_refused_even_before_the_sweep() -> None:
    flow = unpaid(datetime(2026, 11, 23, 9, tzinfo=UTC)).at(datetime(2026, 12, 23, 21, 0, tzinfo=UTC))
    with pytest.raises(DeadlinePassed):
        flow.do("pay_filing_fees", actor=SYSTEM)


def test_re_establishment_after_unpaid_fees_gives_two_months_and_restores_the_waiting_reply() -> None:
    """EPC Art. 122: the fee limit runs again; the examination request the lapse closed runs again too."""
    flow = unpaid(datetime(2026, 11, 23, 9, tzinfo=UTC))
    for action in ("claim", "begin_formalities_check", "complete_formalities", "issue_search_report"):
        flow.do(action)
    flow.do("request_early_publication")
    flow.do("publish")
    flow.at(datetime(2026, 12, 24, 9, tzinfo=UTC)).sweep()
    assert flow.snapshot.state is S.DEEMED_WITHDRAWN
    flow.do("request_re_establishment", payload={"cause_removed_on": "2026-12-24", "grounds": "bank failure"})
    decision = flow.do("grant_re_establishment")
    assert decision.new_state is S.SEARCH_REPORT_ISSUED
    opened = {d.kind: d for d in decision.opened}
    assert set(opened) == {K.PAY_FILING_FEES, K.REQUEST_EXAMINATION, K.PAY_RENEWAL_FEE}
    assert opened[K.PAY_FILING_FEES].due_date == date(2027, 2, 24)
    assert opened[K.REQUEST_EXAMINATION].due_date == date(2027, 2, 24)
    assert flow.do("pay_filing_fees", actor=SYSTEM).closed[0].reason is CloseReason.SATISFIED


@pytest.mark.parametrize(
    ("filed_on", "grace_end", "renewal_due"),
    [
        (date(2026, 11, 23), date(2029, 5, 31), date(2028, 11, 30)),  # Rule 51: month's end, then 6 months
        (date(2024, 2, 29), date(2026, 8, 31), date(2026, 2, 28)),  # 29 February: 28 February in 2026
        (date(2026, 8, 31), date(2029, 2, 28), date(2028, 8, 31)),  # grace ends on the last day of February
    ],
)
def test_an_unpaid_pre_grant_renewal_deems_the_application_withdrawn(
    filed_on: date, grace_end: date, renewal_due: date
) -> None:
    """EPC Art. 86(1): unpaid after the grace period; the loss dated on the fee's due date, not the grace end."""
    flow = Flow(now=datetime(filed_on.year, filed_on.month, filed_on.day, 9, tzinfo=UTC))
    limit = flow.snapshot.deadline(K.PAY_RENEWAL_FEE)
    assert limit is not None
    assert limit.explanation.nominal_date == grace_end
    assert limit.due_date >= grace_end  # extended to a working day (Rule 134(1)) when the office is closed
    flow.at(limit.expires_at - timedelta(seconds=1))
    assert [d.action for d in flow.sweep()] == [Action.PUBLISH]  # at 18 months; the renewal still running
    flow.at(limit.expires_at)
    (decision,) = flow.sweep()
    assert flow.snapshot.state is S.DEEMED_WITHDRAWN
    assert flow.snapshot.lapse is not None
    assert flow.snapshot.lapse.kind is K.PAY_RENEWAL_FEE
    (event,) = events_for_decision(decision)
    assert (event.key_event, event.effective_date) == (KeyEvent.APPLICATION_DEEMED_WITHDRAWN, renewal_due)


def test_a_paid_renewal_opens_the_next_year() -> None:
    flow = Flow(now=datetime(2026, 11, 23, 9, tzinfo=UTC)).to(S.EXAMINATION)
    flow.at(datetime(2028, 10, 2, 9, tzinfo=UTC))  # inside the 3 months before 30 November 2028
    decision = flow.do("pay_renewal_fee", actor=SYSTEM)
    (next_year,) = decision.opened
    assert (next_year.kind, next_year.period.months, next_year.trigger_date) == (
        K.PAY_RENEWAL_FEE,
        42,
        date(2026, 11, 23),
    )
    assert next_year.explanation.nominal_date == date(2030, 5, 31)  # year 4: 30 Nov 2029 + 6 months


def test_grant_closes_the_fee_limits() -> None:
    flow = Flow().to(S.GRANTED)
    assert {d.kind for d in flow.snapshot.deadlines} == {K.OPPOSITION_PERIOD}
    closing = {c.deadline.kind: c.reason for c in flow.decisions[-1].closed}
    assert closing[K.PAY_RENEWAL_FEE] is CloseReason.SUPERSEDED


def test_transitions_declare_the_fees_they_need() -> None:
    """EPC Art. 94(1)/Rule 70(1) examination fee; Rule 71(3) and (7) grant and publication fee; Rule 136(1)."""
    needs = {t.action: t.fees for t in TRANSITIONS_BY_ACTION.values() if t.fees}
    assert needs == {
        Action.REQUEST_EXAMINATION: (FeeKind.EXAMINATION,),
        Action.APPROVE_GRANT_TEXT: (FeeKind.GRANT_PUBLICATION,),
        Action.REQUEST_RE_ESTABLISHMENT: (FeeKind.RE_ESTABLISHMENT,),  # EPC Art. 122, Rule 136(1)
    }
