"""Deemed withdrawal when a time limit passes, and re-establishment of rights."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.unit.workflows.workflow_support import APPLICANT, SYSTEM, Flow
from workflows import (
    ApplicationState,
    DeadlineKind,
    DeadlinePassed,
    GuardFailed,
    IllegalTransition,
    Lapse,
)
from workflows.machine import CloseReason

S = ApplicationState
K = DeadlineKind
AFTER_MISSED_RESPONSE = datetime(2027, 3, 24, 6, 0, tzinfo=UTC)
"""The response to the office action of 23 Nov 2026 was due on Tuesday 23 Mar 2027."""


def lapsed_flow() -> Flow:
    flow = Flow().to(S.OFFICE_ACTION).at(AFTER_MISSED_RESPONSE)
    (decision,) = flow.sweep()
    assert decision.action == "deem_withdrawn"
    return flow


def test_missed_response_deems_the_application_withdrawn():
    flow = lapsed_flow()
    decision = flow.decisions[-1]
    assert flow.snapshot.state is S.DEEMED_WITHDRAWN
    assert decision.history.role.value == "system"
    assert decision.history.reason == "time limit respond_to_office_action ended on 2027-03-23"
    assert flow.snapshot.lapse == Lapse(S.OFFICE_ACTION, K.RESPOND_TO_OFFICE_ACTION, date(2027, 3, 23))
    reasons = {c.deadline.kind: c.reason for c in decision.closed}
    assert reasons == {
        K.RESPOND_TO_OFFICE_ACTION: CloseReason.EXPIRED,
        K.PUBLICATION: CloseReason.SUPERSEDED,
        K.PAY_RENEWAL_FEE: CloseReason.SUPERSEDED,
    }
    (window,) = flow.snapshot.deadlines
    assert window.kind is K.RE_ESTABLISHMENT
    assert window.trigger_date.isoformat() == "2027-03-23"
    assert window.due_date.isoformat() == "2028-03-23"


def test_sweep_runs_twice_without_effect():
    flow = lapsed_flow()
    assert flow.sweep() == []


def test_sweep_does_nothing_before_the_end_of_the_local_day():
    flow = Flow().to(S.OFFICE_ACTION).at(datetime(2027, 3, 23, 20, 59, tzinfo=UTC))  # 23:59 in Istanbul
    assert flow.sweep() == []
    assert flow.snapshot.state is S.OFFICE_ACTION


def test_re_establishment_resumes_where_it_lapsed():
    flow = lapsed_flow().advance(days=20)
    flow.do("request_re_establishment")
    assert flow.snapshot.state is S.RE_ESTABLISHMENT_REQUESTED
    assert flow.snapshot.deadlines == ()
    decision = flow.do("grant_re_establishment")
    assert decision.new_state is S.OFFICE_ACTION
    assert flow.snapshot.lapse is None
    kinds = {d.kind: d for d in decision.opened}
    assert set(kinds) == {K.RESPOND_TO_OFFICE_ACTION, K.PUBLICATION, K.PAY_RENEWAL_FEE}  # renewals run again
    assert kinds[K.RESPOND_TO_OFFICE_ACTION].trigger_date == flow.now.date()
    assert kinds[K.RESPOND_TO_OFFICE_ACTION].period.months == 2
    assert flow.do("respond_to_office_action").new_state is S.EXAMINATION


def test_re_establishment_more_than_two_months_after_removal_of_cause():
    flow = lapsed_flow().at(datetime(2027, 6, 2, 6, 0, tzinfo=UTC))  # cause removed 1 Apr: due Tue 1 Jun
    with pytest.raises(DeadlinePassed, match="2027-06-01"):
        flow.do("request_re_establishment")
    flow.at(datetime(2027, 6, 1, 20, 0, tzinfo=UTC))  # 23:00 in Istanbul on 1 June
    assert flow.do("request_re_establishment").new_state is S.RE_ESTABLISHMENT_REQUESTED


def test_cause_removed_in_the_future_is_refused():
    flow = lapsed_flow()
    with pytest.raises(GuardFailed, match="future"):
        flow.do("request_re_establishment", payload={"cause_removed_on": "2027-12-01", "grounds": "x"})


def test_re_establishment_at_most_twelve_months_after_the_missed_limit():
    flow = lapsed_flow().at(datetime(2028, 3, 24, 6, 0, tzinfo=UTC))
    payload = {"cause_removed_on": "2028-03-01", "grounds": "late discovery"}
    with pytest.raises(DeadlinePassed, match="re_establishment"):
        flow.do("request_re_establishment", payload=payload)
    (closed,) = flow.sweep()
    assert closed.action == "close_re_establishment_window"
    assert flow.snapshot.state is S.DEEMED_WITHDRAWN
    assert flow.snapshot.deadlines == ()
    with pytest.raises(DeadlinePassed):
        flow.do("request_re_establishment", payload=payload)


def test_rejected_re_establishment_is_final():
    flow = lapsed_flow().advance(days=10)
    flow.do("request_re_establishment")
    flow.do("reject_re_establishment")
    assert flow.snapshot.state is S.DEEMED_WITHDRAWN
    with pytest.raises(DeadlinePassed):
        flow.do("request_re_establishment")


def test_applicant_may_withdraw_a_deemed_withdrawn_application():
    flow = lapsed_flow()
    assert flow.do("withdraw").new_state is S.WITHDRAWN
    assert flow.snapshot.deadlines == ()


@pytest.mark.parametrize(
    ("state", "kind"),
    [
        (S.FORMALITIES_DEFICIENT, K.CORRECT_DEFICIENCIES),
        (S.OFFICE_ACTION, K.RESPOND_TO_OFFICE_ACTION),
        (S.INTENTION_TO_GRANT, K.APPROVE_GRANT_TEXT),
    ],
)
def test_each_applicant_time_limit_lapses_into_deemed_withdrawal(state, kind):
    flow = Flow().to(state)
    flow.at(flow.snapshot.deadline(kind).expires_at)
    flow.sweep()
    assert flow.snapshot.state is S.DEEMED_WITHDRAWN
    assert flow.snapshot.lapse.kind is kind


def test_missed_examination_request_lapses_and_is_restored():
    flow = Flow().to(S.SEARCH_REPORT_ISSUED)
    flow.do("request_early_publication")
    flow.do("publish")
    flow.at(flow.snapshot.deadline(K.REQUEST_EXAMINATION).expires_at + timedelta(days=3)).sweep()
    assert flow.snapshot.state is S.DEEMED_WITHDRAWN
    flow.do("request_re_establishment", payload={"cause_removed_on": flow.now.date().isoformat(), "grounds": "g"})
    decision = flow.do("grant_re_establishment")
    assert decision.new_state is S.SEARCH_REPORT_ISSUED
    # already published: no publication; the pre-grant renewal fees run again
    assert [d.kind for d in decision.opened] == [K.REQUEST_EXAMINATION, K.PAY_RENEWAL_FEE]


def test_system_only_applies_consequences():
    flow = Flow().to(S.OFFICE_ACTION)
    flow.at(flow.snapshot.deadline(K.RESPOND_TO_OFFICE_ACTION).expires_at)
    with pytest.raises(IllegalTransition):
        flow.do("issue_office_action", actor=SYSTEM)
    with pytest.raises(Exception, match="is for system"):
        flow.do("deem_withdrawn", actor=APPLICANT)
