"""Each API process's copy of the offices' calendars, kept only while it hears of every change.

Every filing computes its time limits on its office's calendar (EPC Rule 134: a time limit expiring on a day the
office is closed extends to the next working day), and reading the office's closures and openings was one of the
six round trips a filing makes to PostgreSQL (issue 13's profile: a twentieth of a filing's CPU in the API
process). The calendar changes a few times a year, by an administrator's correction
(``ExaminationService.change_calendar``), so each process keeps the calendars it read.

Kept correct by PostgreSQL's ``LISTEN``/``NOTIFY`` (:mod:`ctpo.db.listen`):

- a trigger on ``office_calendar_days`` sends ``NOTIFY`` in the transaction of any change, by the service or
  anyone else: PostgreSQL delivers it to every process when the change commits, and not at all when it rolls back;
- a process drops every calendar it kept when told of a change, and uses none while it is not listening (not yet
  connected, or the connection lost): a change in that time would go unheard;
- a calendar read while a change was being told is not kept: each notice, and each start or loss of listening,
  moves a generation on, and a calendar is kept only if the generation it was read under is still current;
- the transaction that makes a change reads its own, uncommitted calendar from the database, never the copy.

A change is seen by another process when its notice arrives (milliseconds after the commit). A filing that read
the calendar just before the change committed was in the same position before this copy existed: it read, then
wrote its time limits a moment later. A listening connection cut without a word is noticed within
:data:`ctpo.db.listen.HEARTBEAT_SECONDS` twice over; a change told in that time reaches the process when it
listens again (which drops the copy).

The copy is made only on PostgreSQL, and the service's engine runs every transaction there at READ COMMITTED
(:func:`ctpo.db.engine.create_engine`): each statement sees every change committed before it began, so a calendar
read after a notice arrived includes that change (under REPEATABLE READ an older snapshot could be kept as new).
SQLite reads the calendar from its own file in the process, which costs no round trip.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from workflows import OfficeCalendar, OfficeCode

CHANGES_CHANNEL: Final = "ctpo_calendar_changes"
"""The ``NOTIFY`` channel a calendar change is told on (by migration 0024's trigger; the payload: the table)."""
SHARED_CALENDARS: Final = "ctpo_shared_calendars"
"""``Session.info`` key of the process's :class:`SharedCalendars` (set by the session factory)."""


class SharedCalendars:
    """The calendars this process read, by office, with the generation of what it has heard.

    Locked, though the API's sessions read calendars on the event loop thread today: a synchronous session in a
    worker thread given the copy would need it, and the lock costs nothing beside a query.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calendars: dict[OfficeCode, OfficeCalendar] = {}
        self._generation = 0
        self._listening = False

    @property
    def listening(self) -> bool:
        """Whether every change is being told (the tests wait for it)."""
        return self._listening

    def get(self, office: OfficeCode) -> tuple[OfficeCalendar | None, int]:
        """The kept calendar (None when there is none or the process is not listening), and the generation.

        Pass the generation to :meth:`keep` with the calendar read from the database after a miss.
        """
        with self._lock:
            return (self._calendars.get(office) if self._listening else None), self._generation

    def keep(self, calendar: OfficeCalendar, generation: int) -> None:
        """Keep a calendar read from the database, unless something was told since :meth:`get` gave ``generation``.

        Told: a change, or listening started or stopped. Kept while not listening it would never be used:
        :meth:`get` gives nothing then, and starting to listen drops it.
        """
        with self._lock:
            if generation == self._generation:
                self._calendars[calendar.office] = calendar

    def changed(self, payload: str = "") -> None:  # noqa: ARG002 - the notice's payload is only the table's name
        """A calendar changed: drop them all (the notice does not say whose, and changes are rare)."""
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
