# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""Entry into the CTPO ("regional") phase of an international application under the PCT.

The CTPO acts as a designated (PCT Art. 22) and elected (PCT Art. 39) office, as the EPO does under EPC Art. 153
and Rules 159-160. An entry is decided here as a pure function, like any other act of the procedure: the time
limit with its step-by-step explanation, the language and translation, and the first history entry of the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from workflows.actions import Action
from workflows.deadlines import Explanation, OfficeCalendar, Period, add_months, explain_due_date
from workflows.errors import DeadlinePassed, InvalidPayload
from workflows.languages import Language
from workflows.machine import authorise_opening, open_file
from workflows.offices import OFFICES

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import date, datetime

    from workflows.machine import Actor, Decision
    from workflows.offices import OfficeCode

REGIONAL_PHASE_MONTHS = 31
"""PCT Art. 22(3) and 39(1)(b) allow offices a later limit; EPC Rule 159(1) sets 31 months, and so do we."""
RE_ESTABLISHMENT_CAUSE_MONTHS = 2
"""EPC Rule 136(1): 2 months from the removal of the cause of non-compliance."""
RE_ESTABLISHMENT_MAX_MONTHS = 12
"""EPC Rule 136(1): at most 12 months after the expiry of the missed time limit."""
PRIORITY_MONTHS = 12
"""Paris Convention Art. 4C, PCT Art. 8(2)(a): priority is claimed from filings of the 12 months before."""
WORKING_LANGUAGES: frozenset[str] = frozenset(Language)
"""The CTPO's working languages: texts of the file are in one of them."""
PCT_PUBLICATION_LANGUAGES: frozenset[str] = frozenset({"ar", "de", "en", "es", "fr", "ja", "ko", "pt", "ru", "zh"})
"""PCT Rule 48.3(a): the languages in which international applications are published."""
ACTION = Action.ENTER_REGIONAL_PHASE
"""The history action of an entry: the file's first entry, as ``file`` is for a direct filing."""


@dataclass(frozen=True, slots=True)
class ReEstablishmentRequest:
    """A request for re-establishment of rights in the missed 31-month limit (EPC Art. 122, Rule 136)."""

    cause_removed_on: date
    grounds: str


def priority_date(international_filing_date: date, earliest_priority: date | None) -> date:
    """The PCT's "priority date" from which the 31 months run (PCT Art. 2(xi)).

    The earliest priority claimed, or the international filing date when none is claimed.
    """
    return earliest_priority or international_filing_date


def entry_time_limit(
    calendar: OfficeCalendar, international_filing_date: date, earliest_priority: date | None
) -> Explanation:
    """When the 31 months for entry end at the office, step by step (PCT Art. 22(3), 39(1)(b); EPC Rule 159(1)).

    Months are counted as every period of the procedure (EPC Rule 131(4), PCT Rule 80.2: no such day in the last
    month, its last day) and a limit ending on a day the office is closed extends to its next working day
    (EPC Rule 134(1), PCT Rule 80.5).
    """
    start = priority_date(international_filing_date, earliest_priority)
    event = "earliest priority date (PCT Art. 2(xi))" if earliest_priority else "international filing date"
    return explain_due_date(calendar, event, start, Period(months=REGIONAL_PHASE_MONTHS))


def translation_required(international_language: str) -> bool:
    """Whether a translation into a working language must be filed (PCT Art. 22(1), EPC Rule 159(1)(a)).

    >>> translation_required("ja"), translation_required("ru")
    (True, False)
    """
    return international_language.lower() not in WORKING_LANGUAGES


def check_dates(international_filing_date: date, earliest_priority: date | None, now_local: date) -> None:
    """The international dates must be possible ones.

    Raises:
        InvalidPayload: a priority after the international filing date or more than 12 months before it, or
            an international filing date in the future.
    """
    if international_filing_date > now_local:
        raise InvalidPayload("the international filing date cannot be in the future")
    if earliest_priority is not None and (
        earliest_priority > international_filing_date
        or add_months(earliest_priority, PRIORITY_MONTHS) < international_filing_date
    ):
        raise InvalidPayload("the priority date must lie within the 12 months before the international filing date")


def check_in_time(
    limit: Explanation, now: datetime, calendar: OfficeCalendar, request: ReEstablishmentRequest | None
) -> None:
    """An entry after the 31 months needs a request for re-establishment made in time (EPC Art. 122, Rule 136(1)).

    There is no further processing for this limit at the CTPO (as at the EPO under EPC Rule 135(2) for the
    entry acts that Rule 159 lists as re-establishment-only here): a late entry without the request is refused.

    Raises:
        DeadlinePassed: late and no request, or the request itself is out of time.
    """
    if now < limit.expires_at:
        return
    if request is None:
        raise DeadlinePassed(
            "within_time_limit",
            f"the 31-month time limit for entry ended on {limit.due_date.isoformat()} "
            "(PCT Art. 22(3)/39(1)(b), EPC Rule 159(1)); a late entry needs a request for re-establishment of rights",
        )
    today = OFFICES[calendar.office].local_date(now)
    if request.cause_removed_on > today or request.cause_removed_on < limit.due_date:
        raise InvalidPayload(
            "the cause of non-compliance must have been removed after the time limit and not later than today"
        )
    cause = explain_due_date(
        calendar, "removal of the cause", request.cause_removed_on, Period(months=RE_ESTABLISHMENT_CAUSE_MONTHS)
    )
    outer = explain_due_date(calendar, "missed time limit", limit.due_date, Period(months=RE_ESTABLISHMENT_MAX_MONTHS))
    if now >= cause.expires_at or now >= outer.expires_at:
        ended = min(cause.due_date, outer.due_date)
        raise DeadlinePassed(
            "within_two_months_of_cause_removal",
            f"re-establishment had to be requested by {ended.isoformat()} (EPC Rule 136(1))",
        )


def enter_regional_phase(
    application_id: str,
    office: OfficeCode,
    actor: Actor,
    now: datetime,
    *,
    international_filing_date: date,
    earliest_priority: date | None,
    international_publication_date: date | None,
    international_language: str,
    re_establishment: ReEstablishmentRequest | None = None,
    payload: Mapping[str, object] | None = None,
    calendar: OfficeCalendar | None = None,
) -> tuple[Decision, Explanation]:
    """Open the CTPO file of an international application.

    The filing date is the international filing date (PCT Art. 11(3)); the priority date stays the
    international one. An international publication in a working language takes the place of our publication
    (EPC Art. 153(3)); otherwise the office publishes the translation, and because 18 months from priority have
    always passed by then, the publication falls due at once (EPC Art. 153(4)).

    Returns:
        The decision (state ``filed``, first history entry) and the explanation of the 31-month limit.

    Raises:
        Forbidden: the actor is not an applicant.
        InvalidPayload: impossible dates.
        DeadlinePassed: entry after the time limit without a timely request for re-establishment.
    """
    if now.tzinfo is None:
        raise ValueError("workflow decisions need an aware datetime")
    opening = authorise_opening(ACTION, actor)
    calendar = calendar or OfficeCalendar(office)
    check_dates(international_filing_date, earliest_priority, OFFICES[office].local_date(now))
    limit = entry_time_limit(calendar, international_filing_date, earliest_priority)
    check_in_time(limit, now, calendar, re_establishment)
    published_here = international_publication_date is not None and international_language.lower() in WORKING_LANGUAGES
    decision = open_file(  # publication is opened by the declaration unless it took place already
        opening,
        application_id,
        office,
        actor,
        now,
        filing_date=international_filing_date,
        priority_date=earliest_priority,
        publication_date=international_publication_date if published_here else None,
        reason="late entry with a request for re-establishment of rights" if re_establishment else None,
        payload=payload,
        calendar=calendar,
    )
    return decision, limit
