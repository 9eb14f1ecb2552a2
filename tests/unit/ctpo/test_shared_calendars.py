"""The process's copy of the calendars: used and kept only while every change is heard, and never stale."""

from __future__ import annotations

from datetime import date

from ctpo.domain.examination.calendars import SharedCalendars
from workflows import OfficeCalendar, OfficeCode

KZ = OfficeCode.KZ


def _calendar(reason: str) -> OfficeCalendar:
    return OfficeCalendar(KZ).with_closure(date(2027, 3, 1), reason)


def test_nothing_is_kept_or_used_until_listening_starts() -> None:
    shared = SharedCalendars()
    kept, generation = shared.get(KZ)
    assert kept is None
    shared.keep(_calendar("read before listening"), generation)
    shared.listening_started()
    assert shared.get(KZ)[0] is None


def test_a_calendar_read_while_a_change_was_told_is_not_kept() -> None:
    shared = SharedCalendars()
    shared.listening_started()
    _, generation = shared.get(KZ)  # a miss: the caller reads the database ...
    shared.changed("KZ")  # ... while a change commits elsewhere and its notice arrives
    shared.keep(_calendar("read before the change"), generation)
    assert shared.get(KZ)[0] is None
    _, generation = shared.get(KZ)
    fresh = _calendar("read after the change")
    shared.keep(fresh, generation)
    assert shared.get(KZ)[0] is fresh


def test_a_change_or_a_lost_connection_drops_what_was_kept() -> None:
    shared = SharedCalendars()
    shared.listening_started()
    calendar = _calendar("kept")
    shared.keep(calendar, shared.get(KZ)[1])
    assert shared.get(KZ)[0] is calendar
    shared.changed("TR")  # any office's change drops them all
    assert shared.get(KZ)[0] is None

    shared.keep(calendar, shared.get(KZ)[1])
    shared.listening_stopped()
    assert not shared.listening
    assert shared.get(KZ)[0] is None
    shared.listening_started()  # listening again: what was kept before the loss stays dropped
    assert shared.get(KZ)[0] is None
