"""Transfers and the two ways a file opens are declared beside the transitions and decided by the same code."""

from __future__ import annotations

import pytest

from tests.unit.workflows.workflow_support import ADMIN, APPLICANT, EXAMINER, FOREIGN_ADMIN, T0, Flow
from workflows import Action, ApplicationState, IllegalTransition, decide
from workflows.errors import Forbidden, GuardFailed
from workflows.machine import OPENINGS, RECORDALS, allowed_actions, record
from workflows.transfers import record_transfer

S = ApplicationState


def test_a_transfer_is_a_declared_recordal_the_generic_action_route_cannot_make():
    flow = Flow().to(S.SEARCH)
    with pytest.raises(IllegalTransition):
        decide(flow.snapshot, Action.RECORD_TRANSFER, APPLICANT, T0)
    assert Action.RECORD_TRANSFER not in allowed_actions(flow.snapshot, APPLICANT, T0)
    with pytest.raises(IllegalTransition):  # and record() decides recordals only
        record(flow.snapshot, Action.WITHDRAW, APPLICANT, T0)
    assert [r.action for r in RECORDALS] == [Action.RECORD_TRANSFER]
    assert [o.action for o in OPENINGS] == [Action.FILE, Action.ENTER_REGIONAL_PHASE]


def test_a_transfer_keeps_the_state_and_deadlines_and_takes_the_next_history_number():
    flow = Flow().to(S.SEARCH)
    before = flow.snapshot
    decision = record_transfer(before, ADMIN, T0, {"new_owner_id": "u2"})
    assert decision.snapshot.state is S.SEARCH
    assert decision.snapshot.deadlines == before.deadlines
    assert (decision.opened, decision.closed) == ((), ())
    assert decision.snapshot.version == decision.history.seq == before.version + 1
    assert (decision.history.from_state, decision.history.to_state) == (S.SEARCH, S.SEARCH)
    assert decision.history.reason == "transfer recorded on evidence (EPC Rule 22)"


def test_a_transfer_is_refused_to_others_and_on_a_closed_file():
    flow = Flow()
    with pytest.raises(Forbidden):
        record_transfer(flow.snapshot, EXAMINER, T0)
    with pytest.raises(Forbidden):
        record_transfer(flow.snapshot, FOREIGN_ADMIN, T0)
    flow.do("withdraw")
    with pytest.raises(GuardFailed, match="nothing to transfer"):
        record_transfer(flow.snapshot, APPLICANT, T0)
