"""Random sequences of actions by random actors must never break the workflow's invariants."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from tests.unit.workflows.workflow_support import (
    ADMIN,
    APPLICANT,
    EXAMINER,
    FOREIGN_ADMIN,
    FOREIGN_EXAMINER,
    OTHER_EXAMINER,
    PAYLOADS,
    SYSTEM,
    T0,
    THIRD_PARTY,
)
from workflows import (
    Actor,
    ApplicationState,
    DeadlineKind,
    Forbidden,
    GuardFailed,
    IllegalTransition,
    InvalidPayload,
    OfficeCode,
    allowed_actions,
    decide,
    open_application,
)
from workflows.machine import TRANSITIONS, TRANSITIONS_BY_ACTION
from workflows.offices import OFFICES
from workflows.states import FINAL_STATES, PENDING_STATES
from workflows.sweep import settle, sweep

S = ApplicationState
K = DeadlineKind


def actors_for(office: OfficeCode) -> list[Actor]:
    """The cast around an application of ``office``: its staff, staff of another office, parties, the system."""
    other = OfficeCode.AZ if office is OfficeCode.TR else OfficeCode.TR
    return [
        APPLICANT,
        replace(EXAMINER, office=office),
        replace(OTHER_EXAMINER, office=office),
        replace(FOREIGN_EXAMINER, office=other),
        replace(ADMIN, office=office),
        replace(FOREIGN_ADMIN, office=other),
        THIRD_PARTY,
        SYSTEM,
    ]


EXAMINER_IDS = {EXAMINER.id, OTHER_EXAMINER.id}

# Where each kind of deadline may be open; the response deadline only while an office action is out, etc.
ALLOWED_DEADLINE_STATES = {
    K.CORRECT_DEFICIENCIES: {S.FORMALITIES_DEFICIENT},
    K.REQUEST_EXAMINATION: {S.SEARCH_REPORT_ISSUED},
    K.RESPOND_TO_OFFICE_ACTION: {S.OFFICE_ACTION},
    K.APPROVE_GRANT_TEXT: {S.INTENTION_TO_GRANT},
    K.RE_ESTABLISHMENT: {S.DEEMED_WITHDRAWN},
    K.OPPOSITION_PERIOD: {S.GRANTED, S.OPPOSITION},
    K.PUBLICATION: PENDING_STATES,
    K.PAY_FILING_FEES: PENDING_STATES,
    K.PAY_RENEWAL_FEE: PENDING_STATES,
}
ENDINGS = {"withdraw", "refuse", "revoke_patent", "maintain_patent", "maintain_as_amended", "release", "assign"}
REQUIRED_DEADLINE = {
    S.FORMALITIES_DEFICIENT: K.CORRECT_DEFICIENCIES,
    S.OFFICE_ACTION: K.RESPOND_TO_OFFICE_ACTION,
    S.INTENTION_TO_GRANT: K.APPROVE_GRANT_TEXT,
}


class WorkflowMachine(RuleBasedStateMachine):
    @initialize(office=st.sampled_from(OfficeCode), priority_age=st.none() | st.integers(0, 360))
    def file(self, office, priority_age):
        self.now = T0
        self.office = office
        self.actors = actors_for(office)
        priority = None if priority_age is None else T0.date() - timedelta(days=priority_age)
        first = open_application("H-1", office, APPLICANT, self.now, priority_date=priority)
        self.snapshot = first.snapshot
        self.history = [first.history]
        self.published_seen = False

    def _payload(self, action: str) -> dict[str, object]:
        if action == "request_re_establishment":
            today = OFFICES[self.office].local_date(self.now)
            return {"cause_removed_on": today.isoformat(), "grounds": "illness"}
        return PAYLOADS.get(action, {})

    def _attempt(self, action: str, actor, payload) -> None:
        allowed = allowed_actions(self.snapshot, actor, self.now)
        before = self.snapshot
        try:
            decision = decide(self.snapshot, action, actor, self.now, payload)
        except IllegalTransition as exc:
            refusal = exc
            assert (refusal.allowed, refusal.state) == (allowed, self.snapshot.state)
            assert action not in allowed
        except Forbidden:
            assert action not in allowed
        except (GuardFailed, InvalidPayload):
            assert self.snapshot is before
        else:
            assert action in allowed
            transition = TRANSITIONS_BY_ACTION[action]
            assert before.state in transition.sources
            assert actor.role in transition.roles
            self._apply(decision)

    def _apply(self, decision) -> None:
        assert decision.history.seq == self.snapshot.version + 1
        assert decision.from_state is self.snapshot.state
        self.snapshot = decision.snapshot
        self.history.append(decision.history)

    @rule(action=st.sampled_from([t.action for t in TRANSITIONS]), who=st.integers(0, 7), valid=st.booleans())
    def any_action(self, action, who, valid):
        actor = self.actors[who]
        self._attempt(action, actor, self._payload(action) if valid else {"objections": "nonsense"})

    @rule(who=st.integers(0, 7), data=st.data())
    def an_allowed_action(self, who, data):
        actor = self.actors[who]
        allowed = allowed_actions(self.snapshot, actor, self.now)
        if allowed:
            action = data.draw(st.sampled_from(allowed))
            self._attempt(action, actor, self._payload(action))

    @rule(data=st.data())
    def progress(self, data):
        """Mostly move forward: random actions alone end in a withdrawal before anything interesting happens."""
        choices = [
            (actor, action)
            for actor in self.actors
            for action in allowed_actions(self.snapshot, actor, self.now)
            if action not in ENDINGS
        ]
        if choices:
            actor, action = data.draw(st.sampled_from(choices))
            self._attempt(action, actor, self._payload(action))

    @rule(days=st.integers(0, 200), hours=st.integers(0, 23))
    def time_passes(self, days, hours):
        self.now += timedelta(days=days, hours=hours)

    @precondition(lambda self: bool(self.snapshot.deadlines))
    @rule()
    def deadline_sweep(self):
        for decision in settle(self.snapshot, self.now):
            self._apply(decision)
        assert sweep(self.snapshot.deadlines, self.now) == ()  # a second run finds nothing
        assert settle(self.snapshot, self.now) == ()

    @invariant()
    def state_is_known(self):
        assert self.snapshot.state in set(ApplicationState)

    @invariant()
    def history_is_complete_and_ordered(self):
        assert [e.seq for e in self.history] == list(range(1, len(self.history) + 1))
        assert self.snapshot.version == len(self.history)
        assert self.history[-1].to_state is self.snapshot.state
        for previous, entry in zip(self.history, self.history[1:], strict=False):
            assert entry.from_state is previous.to_state
            assert entry.at >= previous.at
            assert len(entry.payload_digest) == 64

    @invariant()
    def at_most_one_claimant_and_an_examiner(self):
        assert self.snapshot.claimant_id in EXAMINER_IDS | {None}

    @invariant()
    def deadlines_consistent_with_state(self):
        state = self.snapshot.state
        kinds = [d.kind for d in self.snapshot.deadlines]
        assert len(kinds) == len(set(kinds))
        for deadline in self.snapshot.deadlines:
            assert state in ALLOWED_DEADLINE_STATES[deadline.kind], (deadline.kind, state)
            # the sweep can always apply the consequence from here
            assert state in TRANSITIONS_BY_ACTION[deadline.on_expiry].sources
        if state in REQUIRED_DEADLINE:
            assert REQUIRED_DEADLINE[state] in kinds
        if state in FINAL_STATES:
            assert kinds == []
        assert (K.PUBLICATION in kinds) == (not self.snapshot.published and state in PENDING_STATES)
        if state is S.SEARCH_REPORT_ISSUED and self.snapshot.published:
            assert K.REQUEST_EXAMINATION in kinds

    @invariant()
    def publication_and_claims_only_move_forward(self):
        if self.published_seen:
            assert self.snapshot.published
        self.published_seen = self.snapshot.published
        assert self.snapshot.claim_set_version >= 1

    @invariant()
    def lapse_matches_state(self):
        if self.snapshot.state in {S.DEEMED_WITHDRAWN, S.RE_ESTABLISHMENT_REQUESTED}:
            assert self.snapshot.lapse is not None
        if self.snapshot.state in PENDING_STATES:
            assert self.snapshot.lapse is None


WorkflowMachine.TestCase.settings = settings(
    max_examples=80, stateful_step_count=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestWorkflowMachine = WorkflowMachine.TestCase
