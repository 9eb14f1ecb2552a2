"""The notification rule: which acts notify, and time limits that run from and name the notification."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from workflows import Actor, OfficeCalendar, OfficeCode, Role, decide, open_application
from workflows.machine import TRANSITIONS_BY_ACTION
from workflows.notification import NOTIFIED_ACTIONS, REMINDER_AFTER, needs_reminder, with_notification

KZ = OfficeCode.KZ
EXAMINER = Actor("e1", Role.EXAMINER, KZ)


def _office_action_decision(at: datetime):
    filed = open_application("a1", KZ, Actor("u1", Role.APPLICANT), at - timedelta(days=40))
    snapshot = filed.snapshot
    for action, payload in (
        ("claim", {}),
        ("begin_formalities_check", {}),
        ("complete_formalities", {}),
        ("issue_search_report", {"citations": []}),
    ):
        snapshot = decide(snapshot, action, EXAMINER, at - timedelta(days=30), payload).snapshot
    snapshot = decide(snapshot, "request_examination", Actor("u1", Role.APPLICANT), at - timedelta(days=20)).snapshot
    objections = {"objections": [{"claims": [1], "ground": "novelty", "reasoning": "D1"}]}
    return decide(snapshot, "issue_office_action", EXAMINER, at, objections)


def test_every_notified_action_is_a_declared_transition_and_reply_limits_are_opened_by_it():
    for action, rule in NOTIFIED_ACTIONS.items():
        transition = TRANSITIONS_BY_ACTION[action]
        if rule.reply is not None:
            assert rule.reply in {o.kind for o in transition.opens}, action


def test_the_limit_runs_from_the_notification_date_and_names_it():
    at = datetime(2026, 3, 20, 20, 30, tzinfo=UTC)  # 21 March in Almaty (UTC+5): the office-local date counts
    decision = with_notification(_office_action_decision(at), "KZ-2026-000007/7", OfficeCalendar(KZ))
    (limit,) = [d for d in decision.opened if d.kind.value == "respond_to_office_action"]
    assert limit.trigger_date == date(2026, 3, 21)
    assert "KZ-2026-000007/7" in limit.trigger_event
    assert limit.explanation.steps()[0]["detail"] == limit.trigger_event
    assert limit in decision.snapshot.deadlines


def test_an_act_that_notifies_nothing_is_unchanged():
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    claimed = decide(open_application("a1", KZ, Actor("u1", Role.APPLICANT), at).snapshot, "claim", EXAMINER, at)
    assert with_notification(claimed, "X/2", OfficeCalendar(KZ)) is claimed


def test_reminder_once_after_seven_days_unread_and_awaited():
    t0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
    due = {"reply_open": True, "read": False, "reminded": False, "made_available_at": t0}
    assert not needs_reminder(**due, now=t0 + REMINDER_AFTER - timedelta(seconds=1))
    assert needs_reminder(**due, now=t0 + REMINDER_AFTER)
    assert not needs_reminder(**{**due, "reply_open": False}, now=t0 + timedelta(days=30))
    assert not needs_reminder(**{**due, "reminded": True}, now=t0 + timedelta(days=30))
