# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""The deadline sweep as pure functions: which deadlines have passed and which system action each one triggers.

Idempotent by construction: every consequence is a transition that closes the deadline it acts on, and
:func:`apply_due` re-checks against a freshly loaded snapshot, so a second run (or two workers racing) finds nothing
left to do. :func:`settle` carries on until an application has nothing due, because a consequence can open a
deadline that has itself already passed (a lapse noticed more than 12 months late opens a re-establishment
window that is already shut). Publication at 18 months is a deadline like the others (kind ``publication``,
consequence ``publish``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from workflows.machine import Actor, decide
from workflows.states import DeadlineKind, Role

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from workflows.actions import Action
    from workflows.deadlines import Deadline, OfficeCalendar
    from workflows.machine import ApplicationSnapshot, Decision

SYSTEM_ACTOR = Actor("system:deadline-sweep", Role.SYSTEM)
"""The actor recorded in history for sweep consequences."""


@dataclass(frozen=True, slots=True)
class DueAction:
    """A passed deadline and the system action that applies its consequence."""

    application_id: str
    kind: DeadlineKind
    action: Action
    """E.g. ``deem_withdrawn``, ``publish``, ``close_opposition_period``."""
    expires_at: datetime


def sweep(deadlines: Iterable[Deadline], now: datetime) -> tuple[DueAction, ...]:
    """The passed deadlines among ``deadlines`` at ``now``, oldest first.

    Args:
        deadlines: open deadlines (the store may pre-filter on ``expires_at <= now``; extra ones are ignored).
        now: the aware moment of the sweep.

    Returns:
        One :class:`DueAction` per passed deadline; publications are those with action ``publish``.

    Raises:
        ValueError: ``now`` is naive.
    """
    if now.tzinfo is None:
        raise ValueError("the sweep needs an aware datetime")
    due = [d for d in deadlines if d.has_passed(now)]
    due.sort(key=lambda d: (d.expires_at, d.application_id, d.kind.value))
    return tuple(DueAction(d.application_id, d.kind, d.on_expiry, d.expires_at) for d in due)


def publications_due(actions: Iterable[DueAction]) -> tuple[str, ...]:
    """Ids of the applications the sweep publishes (18 months from the earliest date, or early on request)."""
    return tuple(a.application_id for a in actions if a.kind is DeadlineKind.PUBLICATION)


def apply_due(
    snapshot: ApplicationSnapshot, due: DueAction, now: datetime, *, calendar: OfficeCalendar | None = None
) -> Decision | None:
    """The decision applying ``due`` to a freshly loaded snapshot, or ``None`` if nothing is left to do.

    ``None`` means the deadline was satisfied, closed or rescheduled since the sweep listed it; that is what
    makes re-running the sweep harmless.
    """
    deadline = snapshot.deadline(due.kind)
    if deadline is None or deadline.on_expiry != due.action or not deadline.has_passed(now):
        return None
    return decide(snapshot, due.action, SYSTEM_ACTOR, now, {"deadline": due.kind.value}, calendar=calendar)


SETTLE_LIMIT = 16
"""More consecutive consequences than this for one application means a declaration loops."""


def settle(
    snapshot: ApplicationSnapshot, now: datetime, *, calendar: OfficeCalendar | None = None
) -> tuple[Decision, ...]:
    """Every consequence due for one application at ``now``, in order, each decided on the previous one's snapshot.

    Args:
        snapshot: the application as loaded.
        now: the aware moment of the sweep.
        calendar: the office's current calendar.

    Returns:
        The decisions to apply in order (each one's snapshot version follows the previous one); empty when nothing
        is due.

    Raises:
        RuntimeError: more than :data:`SETTLE_LIMIT` consequences in a row, i.e. a declaration error.
    """
    decisions: list[Decision] = []
    current = snapshot
    while True:
        step = next(
            (d for due in sweep(current.deadlines, now) if (d := apply_due(current, due, now, calendar=calendar))),
            None,
        )
        if step is None:
            return tuple(decisions)
        if len(decisions) == SETTLE_LIMIT:
            raise RuntimeError(f"{snapshot.application_id}: consequences do not settle")
        decisions.append(step)
        current = step.snapshot
