"""The ST.27 codes and the legal events a workflow decision makes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from workflows import Actor, OfficeCode, Role, decide, open_application, pct, transfers
from workflows.legal_status import (
    ACTION_EVENTS,
    Category,
    KeyEvent,
    LegalEvent,
    Phase,
    Status,
    events_for_decision,
    status_in,
)
from workflows.machine._transitions import TRANSITIONS
from workflows.states import FINAL_STATES, ApplicationState

APPLICANT = Actor("applicant-1", Role.APPLICANT)


def test_every_key_event_is_coded_in_its_category():
    for key in KeyEvent:
        assert len(key.value) == 3
        assert key.value[1:].isdigit()
        assert key.category is Category(key.value[0])
        assert key.label
        assert key.category.label


def test_st27_category_letters():
    # the letters ST.27 uses; I, J, O and X are not categories
    assert "".join(Category) == "ABCDEFGHKLMNPQRSTUVWY"


def test_every_action_that_ends_or_grants_a_file_is_a_legal_event():
    actions = {t.action for t in TRANSITIONS}
    outside_the_table = {"file", pct.ACTION, transfers.ACTION}  # acts decided by their own pure functions
    assert set(ACTION_EVENTS) - outside_the_table <= actions, "a mapped action no longer exists"
    for transition in TRANSITIONS:
        target = transition.target
        if isinstance(target, ApplicationState) and (
            target in FINAL_STATES or target in {ApplicationState.GRANTED, ApplicationState.DEEMED_WITHDRAWN}
        ):
            assert transition.action in ACTION_EVENTS, transition.action


@pytest.mark.parametrize(
    ("state", "status", "phase"),
    [
        (ApplicationState.FILED, Status.PENDING, Phase.APPLICATION),
        (ApplicationState.INTENTION_TO_GRANT, Status.PENDING, Phase.APPLICATION),
        (ApplicationState.GRANTED, Status.IN_FORCE, Phase.IP_RIGHT),
        (ApplicationState.MAINTAINED_AMENDED, Status.IN_FORCE, Phase.IP_RIGHT),
        (ApplicationState.REVOKED, Status.NOT_IN_FORCE, Phase.IP_RIGHT),
        (ApplicationState.DEEMED_WITHDRAWN, Status.NOT_IN_FORCE, Phase.APPLICATION),
        (ApplicationState.WITHDRAWN, Status.NOT_IN_FORCE, Phase.APPLICATION),
    ],
)
def test_status_and_phase(state: ApplicationState, status: Status, phase: Phase):
    assert status_in(state) == (status, phase)


def test_filing_and_withdrawal_events():
    # 23:30 UTC on 31 January is already 1 February in Almaty: the legal date is the office's
    now = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)
    filed = open_application("app-1", OfficeCode.KZ, APPLICANT, now)
    (event,) = events_for_decision(filed)
    assert event.key_event is KeyEvent.APPLICATION_FILED
    assert event.effective_date == date(2026, 2, 1)
    assert (event.status, event.phase, event.state) == (Status.PENDING, Phase.APPLICATION, None)
    withdrawn = decide(filed.snapshot, "withdraw", APPLICANT, now, {"reason": "dropped"})
    (event,) = events_for_decision(withdrawn)
    assert event.key_event is KeyEvent.APPLICATION_WITHDRAWN
    assert event.status is Status.NOT_IN_FORCE
    assert event.payload["history_seq"] == 2


def test_procedural_steps_are_not_legal_events():
    now = datetime(2026, 3, 2, 9, tzinfo=UTC)
    filed = open_application("app-1", OfficeCode.TR, APPLICANT, now)
    examiner = Actor("ex-1", Role.EXAMINER, OfficeCode.TR)
    claimed = decide(filed.snapshot, "claim", examiner, now, {})
    assert events_for_decision(claimed) == ()


def test_a_malformed_document_digest_is_refused():
    with pytest.raises(ValueError, match="64 lowercase hex"):
        LegalEvent(KeyEvent.FEE_PAID, Status.PENDING, Phase.APPLICATION, date(2026, 1, 1), document_sha256="ABC")
