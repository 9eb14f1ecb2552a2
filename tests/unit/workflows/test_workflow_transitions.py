"""Every declared transition, its guards, and the role/office/claim checks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.unit.workflows.workflow_support import (
    ADMIN,
    APPLICANT,
    EXAMINER,
    FOREIGN_ADMIN,
    FOREIGN_EXAMINER,
    OTHER_EXAMINER,
    PATHS,
    SYSTEM,
    T0,
    THIRD_PARTY,
    Flow,
)
from workflows import (
    Actor,
    ApplicationState,
    DeadlineKind,
    DeadlinePassed,
    Forbidden,
    GuardFailed,
    IllegalTransition,
    InvalidPayload,
    OfficeCode,
    Role,
    allowed_actions,
    decide,
    open_application,
)
from workflows.machine import TRANSITIONS, CloseReason, works_on

S = ApplicationState
K = DeadlineKind

# (state reached first, action, state after) - one row per declared transition at least.
HAPPY = [
    (S.FILED, "begin_formalities_check", S.FORMALITIES_CHECK),
    (S.FORMALITIES_CHECK, "issue_deficiency_notice", S.FORMALITIES_DEFICIENT),
    (S.FORMALITIES_DEFICIENT, "file_correction", S.FORMALITIES_CHECK),
    (S.FORMALITIES_CHECK, "complete_formalities", S.SEARCH),
    (S.SEARCH, "issue_search_report", S.SEARCH_REPORT_ISSUED),
    (S.SEARCH, "request_early_publication", S.SEARCH),
    (S.SEARCH_REPORT_ISSUED, "request_examination", S.EXAMINATION),
    (S.EXAMINATION, "issue_office_action", S.OFFICE_ACTION),
    (S.OFFICE_ACTION, "respond_to_office_action", S.EXAMINATION),
    (S.EXAMINATION, "issue_intention_to_grant", S.INTENTION_TO_GRANT),
    (S.INTENTION_TO_GRANT, "resume_examination", S.EXAMINATION),
    (S.EXAMINATION, "refuse", S.REFUSED),
    (S.OFFICE_ACTION, "withdraw", S.WITHDRAWN),
    (S.GRANTED, "file_opposition", S.OPPOSITION),
    (S.OPPOSITION, "file_opposition", S.OPPOSITION),
    (S.EXAMINATION, "claim", S.EXAMINATION),
    (S.EXAMINATION, "release", S.EXAMINATION),
    (S.EXAMINATION, "assign", S.EXAMINATION),
]


@pytest.mark.parametrize(("start", "action", "end"), HAPPY, ids=[f"{a}@{s}" for s, a, _ in HAPPY])
def test_transition_moves_to_its_target(start, action, end):
    flow = Flow().to(start)
    if action == "claim":
        flow.do("release")
    elif flow.snapshot.claimant_id is None:
        flow.do("claim")
    decision = flow.do(action)
    assert decision.new_state is end
    assert decision.history.from_state is start
    assert decision.history.to_state is end
    assert decision.history.action == action


def test_every_declared_transition_is_exercised_somewhere():
    exercised = {a for _, a, _ in HAPPY} | {a for path in PATHS.values() for a in path}
    exercised |= {  # driven by the dedicated tests below
        "deem_withdrawn",
        "pay_filing_fees",  # by Flow itself
        "pay_renewal_fee",  # tests/unit/workflows/test_workflow_fee_limits.py
        "request_re_establishment",
        "grant_re_establishment",
        "reject_re_establishment",
        "close_re_establishment_window",
        "close_opposition_period",
        "maintain_patent",
        "maintain_as_amended",
        "revoke_patent",
    }
    assert {t.action for t in TRANSITIONS} == exercised


def test_filing_opens_publication_at_18_months_from_priority():
    flow = Flow(priority_date=T0.date() - timedelta(days=100))
    (publication, renewal) = flow.snapshot.deadlines  # the filing fees' time limit was met by Flow
    assert (publication.kind, renewal.kind) == (K.PUBLICATION, K.PAY_RENEWAL_FEE)
    assert publication.trigger_date == flow.snapshot.priority_date
    assert publication.due_date.isoformat() == "2028-02-15"  # 2026-08-15 + 18 months
    assert flow.history[0].from_state is None
    assert flow.history[0].seq == 1


def test_priority_older_than_12_months_is_rejected():
    with pytest.raises(InvalidPayload):
        Flow(priority_date=T0.date() - timedelta(days=400))


def test_filing_only_by_an_applicant():
    with pytest.raises(Forbidden):
        open_application("X", OfficeCode.TR, EXAMINER, T0)


def test_naive_datetime_is_refused():
    flow = Flow()
    with pytest.raises(ValueError, match="aware"):
        decide(flow.snapshot, "claim", EXAMINER, T0.replace(tzinfo=None))


class TestIllegalAndForbidden:
    def test_illegal_transition_lists_allowed_actions_for_the_actor(self):
        flow = Flow().to(S.FORMALITIES_DEFICIENT)
        with pytest.raises(IllegalTransition) as exc:
            decide(flow.snapshot, "request_examination", APPLICANT, flow.now)
        assert exc.value.state is S.FORMALITIES_DEFICIENT
        assert exc.value.allowed == ("file_correction", "request_early_publication", "withdraw")

    def test_unknown_action_is_illegal(self):
        with pytest.raises(IllegalTransition):
            decide(Flow().snapshot, "bribe_examiner", APPLICANT, T0)

    def test_wrong_role_is_forbidden(self):
        flow = Flow().to(S.OFFICE_ACTION)
        with pytest.raises(Forbidden):
            flow.do("respond_to_office_action", actor=EXAMINER)
        with pytest.raises(Forbidden):
            flow.do("withdraw", actor=THIRD_PARTY)

    def test_staff_of_another_office_is_forbidden(self):
        flow = Flow().to(S.EXAMINATION)
        flow.do("release")
        with pytest.raises(Forbidden, match="office TR"):
            flow.do("claim", actor=FOREIGN_EXAMINER)
        with pytest.raises(Forbidden):
            flow.do("assign", actor=FOREIGN_ADMIN)

    def test_applicant_is_not_office_bound(self):
        flow = Flow().to(S.OFFICE_ACTION)
        assert flow.do("respond_to_office_action").new_state is S.EXAMINATION

    def test_examiner_must_hold_the_claim(self):
        flow = Flow().to(S.EXAMINATION)
        with pytest.raises(Forbidden, match="claim"):
            flow.do("issue_office_action", actor=OTHER_EXAMINER)
        flow.do("release")
        with pytest.raises(Forbidden):
            flow.do("issue_office_action", actor=EXAMINER)

    def test_at_most_one_claimant(self):
        flow = Flow().to(S.EXAMINATION)
        with pytest.raises(GuardFailed, match="already claimed"):
            flow.do("claim", actor=OTHER_EXAMINER)
        assert flow.snapshot.claimant_id == EXAMINER.id

    def test_only_holder_or_admin_releases(self):
        flow = Flow().to(S.EXAMINATION)
        with pytest.raises(Forbidden):
            flow.do("release", actor=OTHER_EXAMINER)
        flow.do("release", actor=ADMIN)
        assert flow.snapshot.claimant_id is None
        with pytest.raises(GuardFailed):
            flow.do("release", actor=ADMIN)

    def test_admin_assignment_replaces_the_holder(self):
        flow = Flow().to(S.EXAMINATION)
        flow.do("assign", payload={"examiner_id": OTHER_EXAMINER.id})
        assert flow.snapshot.claimant_id == OTHER_EXAMINER.id
        assert flow.do("issue_office_action", actor=OTHER_EXAMINER).new_state is S.OFFICE_ACTION

    def test_examiner_of_another_office_assigned_to_the_file_acts_as_its_examiner(self):
        """Work sharing: the assignment, not the examiner's office, decides who examines the file."""
        flow = Flow().to(S.EXAMINATION)
        flow.do("assign", payload={"examiner_id": FOREIGN_EXAMINER.id})
        assert "issue_office_action" in allowed_actions(flow.snapshot, FOREIGN_EXAMINER, flow.now)
        decision = flow.do("issue_office_action", actor=FOREIGN_EXAMINER)
        assert decision.new_state is S.OFFICE_ACTION
        assert decision.history.actor_office is OfficeCode.AZ  # the history says who really acted
        flow.do("respond_to_office_action")
        assert flow.do("release", actor=FOREIGN_EXAMINER).new_state is S.EXAMINATION
        assert allowed_actions(flow.snapshot, FOREIGN_EXAMINER, flow.now) == ()  # released: no longer theirs

    def test_assignment_across_offices_gives_nothing_to_that_offices_admin_or_other_examiners(self):
        flow = Flow().to(S.EXAMINATION)
        flow.do("assign", payload={"examiner_id": FOREIGN_EXAMINER.id})
        other_az = Actor("examiner-az-2", Role.EXAMINER, OfficeCode.AZ)
        az_admin = Actor("admin-az", Role.OFFICE_ADMIN, OfficeCode.AZ)
        assert allowed_actions(flow.snapshot, other_az, flow.now) == ()
        assert allowed_actions(flow.snapshot, az_admin, flow.now) == ()
        with pytest.raises(Forbidden, match="office TR"):
            flow.do("assign", actor=az_admin, payload={"examiner_id": other_az.id})
        with pytest.raises(Forbidden, match="office TR"):
            flow.do("release", actor=az_admin)

    def test_works_on_is_the_office_or_the_assignment(self):
        assert works_on(OfficeCode.TR, None, EXAMINER)
        assert works_on(OfficeCode.TR, None, ADMIN)
        assert not works_on(OfficeCode.TR, None, FOREIGN_EXAMINER)
        assert works_on(OfficeCode.TR, FOREIGN_EXAMINER.id, FOREIGN_EXAMINER)
        assert not works_on(OfficeCode.TR, FOREIGN_ADMIN.id, FOREIGN_ADMIN)  # an admin is never "assigned"

    def test_nothing_leaves_a_final_state(self):
        flow = Flow().to(S.REFUSED)
        assert allowed_actions(flow.snapshot, APPLICANT, flow.now) == ()
        assert allowed_actions(flow.snapshot, EXAMINER, flow.now) == ("release",)

    def test_refusal_needs_a_reason(self):
        flow = Flow().to(S.EXAMINATION)
        with pytest.raises(InvalidPayload, match="reason"):
            flow.do("refuse", payload={})

    def test_system_cannot_invent_consequences(self):
        flow = Flow().to(S.OFFICE_ACTION)
        with pytest.raises(GuardFailed, match="no open deadline"):
            flow.do("deem_withdrawn", actor=SYSTEM)


class TestOfficeActions:
    def test_office_action_opens_response_deadline_from_payload(self):
        flow = Flow().to(S.EXAMINATION)
        payload = {
            "objections": [{"claims": [1, 3], "ground": "clarity", "reasoning": "unclear"}],
            "response_months": 2,
        }
        decision = flow.do("issue_office_action", payload=payload)
        (opened,) = decision.opened
        assert opened.kind is K.RESPOND_TO_OFFICE_ACTION
        assert opened.period.months == 2
        assert opened.due_date.isoformat() == "2027-01-25"  # 23 Jan 2027 is a Saturday
        assert decision.document.objections[0].claims == (1, 3)

    def test_default_response_period_is_four_months(self):
        flow = Flow().to(S.OFFICE_ACTION)
        assert flow.snapshot.deadline(K.RESPOND_TO_OFFICE_ACTION).due_date.isoformat() == "2027-03-23"

    def test_response_with_amended_claims_creates_a_new_claim_set_version(self):
        flow = Flow().to(S.OFFICE_ACTION)
        decision = flow.do("respond_to_office_action")
        assert decision.claim_set.version == 2
        assert decision.claim_set.based_on == 1
        assert decision.claim_set.claims == ("A device with b.",)  # its leading number is stored beside it
        assert decision.closed[0].reason is CloseReason.SATISFIED
        assert flow.snapshot.deadline(K.RESPOND_TO_OFFICE_ACTION) is None

    def test_response_with_arguments_only_keeps_the_claims(self):
        flow = Flow().to(S.OFFICE_ACTION)
        decision = flow.do("respond_to_office_action", payload={"arguments": "the examiner misread D1"})
        assert decision.claim_set is None
        assert flow.snapshot.claim_set_version == 1

    def test_late_response_is_refused_even_before_the_sweep(self):
        flow = Flow().to(S.OFFICE_ACTION)
        deadline = flow.snapshot.deadline(K.RESPOND_TO_OFFICE_ACTION)
        flow.at(deadline.expires_at - timedelta(seconds=1))
        assert "respond_to_office_action" in allowed_actions(flow.snapshot, APPLICANT, flow.now)
        flow.at(deadline.expires_at)
        assert "respond_to_office_action" not in allowed_actions(flow.snapshot, APPLICANT, flow.now)
        with pytest.raises(DeadlinePassed):
            flow.do("respond_to_office_action")

    def test_response_on_the_last_day_local_time_is_in_time(self):
        flow = Flow().to(S.OFFICE_ACTION)
        deadline = flow.snapshot.deadline(K.RESPOND_TO_OFFICE_ACTION)
        # 23:30 in Istanbul on the due day is 20:30 UTC.
        flow.at(deadline.expires_at - timedelta(minutes=30))
        assert flow.do("respond_to_office_action").new_state is S.EXAMINATION


class TestSearchAndPublication:
    def test_search_report_before_publication_opens_no_examination_limit(self):
        flow = Flow().to(S.SEARCH_REPORT_ISSUED)
        assert flow.snapshot.deadline(K.REQUEST_EXAMINATION) is None
        assert flow.decisions[-1].document.citations[0].categories == {"X"}

    def test_publication_after_search_report_opens_examination_limit(self):
        flow = Flow().to(S.SEARCH_REPORT_ISSUED)
        flow.do("request_early_publication")
        decision = flow.do("publish")
        assert flow.snapshot.published
        assert flow.snapshot.state is S.SEARCH_REPORT_ISSUED
        (opened,) = decision.opened
        assert opened.kind is K.REQUEST_EXAMINATION
        assert opened.due_date.isoformat() == "2027-05-24"  # 23 May 2027 is a Sunday

    def test_search_report_after_publication_opens_examination_limit(self):
        flow = Flow().to(S.SEARCH)
        flow.do("request_early_publication")
        flow.do("publish")
        decision = flow.do("issue_search_report")
        assert [d.kind for d in decision.opened] == [K.REQUEST_EXAMINATION]

    def test_publication_during_examination_keeps_the_state(self):
        flow = Flow().to(S.OFFICE_ACTION)
        flow.do("request_early_publication")
        decision = flow.do("publish")
        assert decision.new_state is S.OFFICE_ACTION
        assert decision.opened == ()

    def test_publish_only_when_due(self):
        flow = Flow().to(S.SEARCH)
        with pytest.raises(GuardFailed):
            flow.do("publish")

    def test_early_publication_only_once(self):
        flow = Flow().to(S.SEARCH)
        flow.do("request_early_publication")
        flow.do("publish")
        with pytest.raises(GuardFailed, match="already published"):
            flow.do("request_early_publication")

    def test_grant_requires_publication(self):
        flow = Flow().to(S.INTENTION_TO_GRANT)
        with pytest.raises(GuardFailed, match="published"):
            flow.do("approve_grant_text")

    def test_examination_request_after_its_limit_is_refused(self):
        flow = Flow().to(S.SEARCH_REPORT_ISSUED)
        flow.do("request_early_publication")
        flow.do("publish")
        flow.at(flow.snapshot.deadline(K.REQUEST_EXAMINATION).expires_at)
        with pytest.raises(DeadlinePassed):
            flow.do("request_examination")


class TestFormalities:
    def test_correction_closes_the_deficiency_deadline(self):
        flow = Flow().to(S.FORMALITIES_DEFICIENT)
        assert flow.snapshot.deadline(K.CORRECT_DEFICIENCIES) is not None
        flow.do("file_correction")
        assert flow.snapshot.deadline(K.CORRECT_DEFICIENCIES) is None

    def test_late_correction_is_refused(self):
        flow = Flow().to(S.FORMALITIES_DEFICIENT)
        flow.at(flow.snapshot.deadline(K.CORRECT_DEFICIENCIES).expires_at + timedelta(hours=1))
        with pytest.raises(DeadlinePassed):
            flow.do("file_correction")


class TestGrantAndOpposition:
    def test_grant_opens_nine_month_opposition_period(self):
        flow = Flow().to(S.GRANTED)
        period = flow.snapshot.deadline(K.OPPOSITION_PERIOD)
        assert period.period.months == 9
        assert period.trigger_date == T0.date()
        assert period.due_date.isoformat() == "2027-08-23"

    def test_opposition_after_nine_months_is_refused(self):
        flow = Flow().to(S.GRANTED)
        flow.at(flow.snapshot.deadline(K.OPPOSITION_PERIOD).expires_at)
        with pytest.raises(DeadlinePassed):
            flow.do("file_opposition")
        (closed,) = flow.sweep()
        assert closed.action == "close_opposition_period"
        assert flow.snapshot.state is S.GRANTED
        with pytest.raises(DeadlinePassed):
            flow.do("file_opposition")

    def test_opposition_is_open_to_any_third_party_of_any_office(self):
        flow = Flow(office=OfficeCode.KZ).to(S.GRANTED)
        assert flow.do("file_opposition", actor=THIRD_PARTY).new_state is S.OPPOSITION

    def test_opposition_division_decides_after_the_period(self):
        flow = Flow().to(S.OPPOSITION)
        with pytest.raises(GuardFailed, match="still running"):
            flow.do("maintain_patent")
        flow.at(flow.snapshot.deadline(K.OPPOSITION_PERIOD).expires_at)
        flow.sweep()
        assert flow.snapshot.state is S.OPPOSITION
        assert flow.do("maintain_patent").new_state is S.MAINTAINED

    @pytest.mark.parametrize(
        ("action", "end"), [("maintain_as_amended", S.MAINTAINED_AMENDED), ("revoke_patent", S.REVOKED)]
    )
    def test_opposition_outcomes(self, action, end):
        flow = Flow().to(S.OPPOSITION)
        flow.at(flow.snapshot.deadline(K.OPPOSITION_PERIOD).expires_at).sweep()
        decision = flow.do(action)
        assert decision.new_state is end
        assert flow.snapshot.deadlines == ()
        if action == "maintain_as_amended":
            assert decision.claim_set.claims == ("A device with b and c.",)

    def test_withdrawal_impossible_after_grant(self):
        flow = Flow().to(S.GRANTED)
        with pytest.raises(IllegalTransition):
            flow.do("withdraw")
