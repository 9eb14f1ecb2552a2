# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""Re-deriving open deadlines after an office changes its calendar."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from workflows.deadlines._calendar import OfficeCalendar
    from workflows.deadlines._deadline import Deadline


@dataclass(frozen=True, slots=True)
class DeadlineChange:
    """One open deadline whose end moved; the service updates the row and writes a history entry."""

    before: Deadline
    after: Deadline

    def as_history_reason(self) -> str:
        """A one-line reason for the application's history."""
        return (
            f"{self.before.kind.value} moved from {self.before.due_date.isoformat()} to "
            f"{self.after.due_date.isoformat()} after a change of the {self.after.office.value} office calendar"
        )


def recompute_deadlines(
    deadlines: Iterable[Deadline], calendar: OfficeCalendar, now: datetime
) -> tuple[DeadlineChange, ...]:
    """Recompute the open deadlines of the calendar's office and report those that moved.

    A calendar change never takes a time limit away retroactively: if the recomputed end is earlier than the old
    one *and* already past at ``now`` (say an office re-opens a closure day after the fact), the old end stands,
    because a party may have relied on it. Deadlines of other offices are ignored.

    Args:
        deadlines: open deadlines, any offices.
        calendar: the new calendar of one office.
        now: the aware moment of the change.

    Returns:
        The changed deadlines, in input order.
    """
    changes: list[DeadlineChange] = []
    for deadline in deadlines:
        if deadline.office is not calendar.office:
            continue
        after = deadline.recomputed(calendar)
        if after.expires_at == deadline.expires_at:
            continue
        if after.expires_at < deadline.expires_at and after.has_passed(now):
            continue
        changes.append(DeadlineChange(deadline, after))
    return tuple(changes)
