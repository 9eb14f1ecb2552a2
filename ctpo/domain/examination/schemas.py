"""Bodies of the examination API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import msgspec

from ctpo.lib.text import MULTI_LINE, SINGLE_LINE


class ActionIn(msgspec.Struct, forbid_unknown_fields=True):
    """A transition request: the action's payload (office action, response, search report…) and a reason."""

    payload: Annotated[dict[str, Any], msgspec.Meta(description="Action-specific; see docs/workflow.md")] = {}
    reason: Annotated[str, msgspec.Meta(max_length=5000, pattern=MULTI_LINE)] | None = None


class HistoryOut(msgspec.Struct):
    """One transition, as recorded."""

    seq: int
    action: str
    from_state: str | None
    to_state: str
    actor_id: str
    role: str
    actor_office: str | None
    at: datetime
    reason: str | None
    payload_digest: str


class StateOut(msgspec.Struct):
    """Where an application stands and what the caller may do now."""

    application_number: str
    state: str
    version: int
    allowed_actions: list[str]
    claimed_by: str | None
    published: bool


class ActionResult(msgspec.Struct):
    """The outcome of an accepted transition."""

    application_number: str
    action: str
    from_state: str | None
    state: str
    version: int
    history: HistoryOut


class ExplanationStep(msgspec.Struct):
    """One step of a deadline computation."""

    step: str
    date: str
    detail: str


class DeadlineOut(msgspec.Struct):
    """An open deadline with its own explanation."""

    kind: str
    due_date: date
    expires_at: datetime
    days_left: int
    satisfied_by: list[str]
    on_expiry: str
    explanation: list[ExplanationStep]


class QueueItem(msgspec.Struct):
    """A line of an examiner queue."""

    application_number: str
    office: str
    """The file's receiving office: another office's for a file assigned to the examiner across offices."""
    title: str
    language: str
    state: str
    filing_date: date
    ipc: list[str]
    claimed_by: str | None
    next_deadline: date | None
    next_deadline_kind: str | None


class ProceduralDocumentOut(msgspec.Struct):
    """An office action, response, search report… as issued."""

    kind: str
    action: str
    history_seq: int
    author_id: str
    created_at: datetime
    body: dict[str, Any]


class CalendarDayIn(msgspec.Struct, forbid_unknown_fields=True):
    """A correction to an office calendar (the day is in the path)."""

    kind: Annotated[str, msgspec.Meta(description="closure (office closed) or opening (works on a holiday)")]
    reason: Annotated[
        str, msgspec.Meta(min_length=1, max_length=300, pattern=SINGLE_LINE, examples=["Decree 123: day-off transfer"])
    ]


class CalendarDayOut(msgspec.Struct):
    """A recorded correction."""

    office: str
    day: date
    kind: str
    reason: str


class CalendarChangeOut(msgspec.Struct):
    """The correction and the deadlines it moved."""

    day: CalendarDayOut
    deadlines_moved: int


class OfficeActionRound(msgspec.Struct):  # mutable: built up as responses are paired
    """An office action next to the applicant's response (if any) and the claim sets before and after."""

    office_action: ProceduralDocumentOut
    response: ProceduralDocumentOut | None
    claims_before: list[str]
    claims_after: list[str] | None


class AutomatedSearchOut(msgspec.Struct):
    """A prior-art search the office ran in the background at a step of the procedure."""

    step: str
    created_at: datetime
    cutoff_date: date | None
    engine: str
    hits: list[Any]
    """As ``GET /applications/{number}/prior-art`` returns them, frozen at the time of the search."""


class DossierOut(msgspec.Struct):
    """Everything an examiner reviews, in one response."""

    application: Any
    """The full application file (see ``GET /applications/{number}``)."""
    state: StateOut
    history: list[HistoryOut]
    deadlines: list[DeadlineOut]
    documents: list[ProceduralDocumentOut]
    office_action_rounds: list[OfficeActionRound]
    prior_art: list[Any] | None
    """Prior-art hits (see ``GET /applications/{number}/prior-art``); ``None`` while search is unavailable."""
    automated_searches: list[AutomatedSearchOut] = msgspec.field(default_factory=list)
    """Searches run in the background (after formalities), newest first; for office staff only."""
    international: Any = None
    """For a PCT entry: the international search report, publication and 31 months (``InternationalOut``)."""
    observations: list[Any] = msgspec.field(default_factory=list)
    """Third-party observations (EPC Art. 115) with what the examiner did with each (``ObservationOut``)."""
