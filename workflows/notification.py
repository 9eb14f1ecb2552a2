# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""Which acts are notified to the parties, when a notification takes legal effect, and how time limits name it.

The rule we apply (CTPO choice, modelled on EPC Rules 125-127 as amended with effect from 1 November 2023, which
abolished the EPO's "10-day rule"): a communication is notified electronically by making it available in the
electronic inbox of the applicant and of its representative, and it is **deemed notified on the date it bears,
which is the office-local date on which it was made available** (EPC Rule 126(2)/127(2) as amended). The
communication is made available in the same transaction as the act that issues it, so the notification date is
the office-local date of that act, and every time limit the act starts runs from it (EPC Rule 131(2)). The
e-mail that follows is a courtesy copy: its delivery or failure does not move the notification date (as at the
EPO, where the e-mail alert has no legal effect); a failure is shown to the office, which may notify by post.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING

from workflows.actions import Action
from workflows.deadlines import explain_due_date
from workflows.offices import OFFICES
from workflows.states import DeadlineKind

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import date, datetime

    from workflows.deadlines import Deadline, OfficeCalendar
    from workflows.machine import Decision
    from workflows.offices import OfficeCode

REMINDER_AFTER = timedelta(days=7)
"""An unread communication that needs a reply gets one reminder this long after it was made available."""

K = DeadlineKind


@dataclass(frozen=True, slots=True)
class NotificationRule:
    """What an act notifies: the kind of communication and the time limit for a reply it starts, if any."""

    kind: str
    reply: DeadlineKind | None = None
    decision: bool = False
    """A decision (EPC Art. 106 ff.): final for the office, open only to appeal; reminders never concern it."""


NOTIFIED_ACTIONS: Mapping[Action, NotificationRule] = MappingProxyType(
    {
        Action.ISSUE_DEFICIENCY_NOTICE: NotificationRule("deficiency_notice", K.CORRECT_DEFICIENCIES),
        Action.ISSUE_SEARCH_REPORT: NotificationRule("search_report", K.REQUEST_EXAMINATION),
        Action.ISSUE_OFFICE_ACTION: NotificationRule("office_action", K.RESPOND_TO_OFFICE_ACTION),
        Action.ISSUE_INTENTION_TO_GRANT: NotificationRule("intention_to_grant", K.APPROVE_GRANT_TEXT),
        Action.REFUSE: NotificationRule("decision_refusal", decision=True),
        Action.APPROVE_GRANT_TEXT: NotificationRule("decision_grant", decision=True),
        Action.DEEM_WITHDRAWN: NotificationRule("loss_of_rights", K.RE_ESTABLISHMENT),
        Action.GRANT_RE_ESTABLISHMENT: NotificationRule("decision_re_establishment_granted", decision=True),
        Action.REJECT_RE_ESTABLISHMENT: NotificationRule("decision_re_establishment_rejected", decision=True),
        Action.MAINTAIN_PATENT: NotificationRule("decision_maintained", decision=True),
        Action.MAINTAIN_AS_AMENDED: NotificationRule("decision_maintained_amended", decision=True),
        Action.REVOKE_PATENT: NotificationRule("decision_revoked", decision=True),
    }
)
"""Every act that decides or starts a time limit for the applicant (EPC Rule 125(1): notified ex officio).

A loss-of-rights communication (EPC Rule 112(1)) is notified although the act is the system's: the 12 months for
re-establishment run regardless, but the applicant must learn of the loss. Fee and renewal reminders are notified
by the fee service with the same kinds of rows."""


def notification_date(office: OfficeCode, made_available_at: datetime) -> date:
    """The legal date of notification: the office-local date on which the communication reached the inbox."""
    return OFFICES[office].local_date(made_available_at)


def trigger_text(kind: str, reference: str, notified_on: date) -> str:
    """How a time limit's explanation names the notification that started it."""
    return (
        f"notification of {kind.replace('_', ' ')} {reference}, made available in the inbox and deemed notified on "
        f"{notified_on.isoformat()} (EPC Rule 126(2), 127(2) as amended 2023)"
    )


def with_notification(decision: Decision, reference: str, calendar: OfficeCalendar) -> Decision:
    """The decision with each time limit it opens running from the notification, and saying so.

    Only limits anchored on the act itself are re-anchored (a re-establishment window runs from the missed limit,
    publication from the priority date); their date does not move under our rule, their explanation names the
    notification instead of the bare action.
    """
    rule = NOTIFIED_ACTIONS.get(decision.action)
    if rule is None:
        return decision
    notified_on = notification_date(decision.snapshot.office, decision.history.at)
    event = trigger_text(rule.kind, reference, notified_on)

    def anchored(deadline: Deadline) -> Deadline:
        if deadline.trigger_event != decision.action:
            return deadline
        explanation = explain_due_date(calendar, event, notified_on, deadline.period)
        return replace(deadline, trigger_event=event, trigger_date=notified_on, explanation=explanation)

    opened = tuple(anchored(d) for d in decision.opened)
    kept = tuple(d for d in decision.snapshot.deadlines if d not in decision.opened)
    snapshot = replace(decision.snapshot, deadlines=kept + opened)
    return replace(decision, opened=opened, snapshot=snapshot)


def needs_reminder(*, reply_open: bool, read: bool, reminded: bool, made_available_at: datetime, now: datetime) -> bool:
    """Whether an unread communication awaiting a reply is due its one reminder (7 days after availability).

    >>> from datetime import UTC, datetime
    >>> t0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
    >>> needs_reminder(reply_open=True, read=False, reminded=False, made_available_at=t0, now=t0 + REMINDER_AFTER)
    True
    >>> needs_reminder(reply_open=True, read=True, reminded=False, made_available_at=t0, now=t0 + REMINDER_AFTER)
    False
    """
    return reply_open and not read and not reminded and now >= made_available_at + REMINDER_AFTER
