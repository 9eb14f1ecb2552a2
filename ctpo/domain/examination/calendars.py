"""Each API process's copy of the offices' calendars, kept only while it hears of every change.

Every filing computes its time limits on its office's calendar (EPC Rule 134: a time limit expiring on a day the
office is closed extends to the next working day), and reading the office's closures and openings was one of the
six round trips a filing makes to PostgreSQL (issue 13's profile: a twentieth of a filing's CPU in the API
process). The calendar changes a few times a year, by an administrator's correction
(``ExaminationService.change_calendar``), so each process keeps the calendars it read.

Kept correct by PostgreSQL's ``LISTEN``/``NOTIFY`` (:mod:`ctpo.db.listen`):

- the change sends ``NOTIFY`` in its own transaction: PostgreSQL delivers it to every process when the change
  commits, and not at all when it rolls back;
- a process drops every calendar it kept when told of a change, and keeps none while it is not listening (not yet
  connected, or the connection lost): a change in that time would go unheard;
- a calendar read while a change was being told is not kept: each notice moves a generation on, and a calendar is
  kept only if the generation it was read under is still current;
- the transaction that makes a change reads its own, uncommitted calendar from the database, never the copy.

A change is seen by another process when its notice arrives (milliseconds after the commit). A filing that read
the calendar just before the change committed was in the same position before this copy existed: it read, then
wrote its time limits a moment later.

The copy is made only on PostgreSQL, whose transactions here are READ COMMITTED: each statement sees every change
committed before it began, so a calendar read after a notice arrived includes that change. SQLite reads the
calendar from its own file in the process, which costs no round trip.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from workflows import OfficeCalendar, OfficeCode

CHANGES_CHANNEL: Final = "ctpo_calendar_changes"
"""The ``NOTIFY`` channel a calendar change is told on; the payload is the office's code."""
SHARED_CALENDARS: Final = "ctpo_shared_calendars"
"""``Session.info`` key of the process's :class:`SharedCalendars` (set by the session factory)."""


class SharedCalendars:
    """The calendars this process read, by office, with the generation of what it has heard.

    Thread-safe: the API's sessions read calendars on the event loop and in worker threads.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calendars: dict[OfficeCode, OfficeCalendar] = {}
        self._generation = 0
        self._listening = False

    @property
    def listening(self) -> bool:
        """Whether every change is being told (readiness and the tests read it)."""
        return self._listening

    def get(self, office: OfficeCode) -> tuple[OfficeCalendar | None, int]:
        """The kept calendar (None when there is none or the process is not listening), and the generation.

        Pass the generation to :meth:`keep` with the calendar read from the database after a miss.
        """
        with self._lock:
            return (self._calendars.get(office) if self._listening else None), self._generation

    def keep(self, calendar: OfficeCalendar, generation: int) -> None:
        """Keep a calendar read from the database, unless a change was told (or listening stopped) meanwhile."""
        with self._lock:
            if self._listening and generation == self._generation:
                self._calendars[calendar.office] = calendar

    def changed(self, payload: str = "") -> None:  # noqa: ARG002 - the notice names the office
        """A calendar changed (the notice's payload names the office): drop them all, as changes are rare."""
        with self._lock:
            self._generation += 1
            self._calendars.clear()

    def listening_started(self) -> None:
        """From now on every change is told; what was kept before may have missed one."""
        self._listen(on=True)

    def listening_stopped(self) -> None:
        """A change may go unheard from now on: keep nothing, and use nothing kept."""
        self._listen(on=False)

    def _listen(self, *, on: bool) -> None:
        with self._lock:
            self._generation += 1
            self._calendars.clear()
            self._listening = on
