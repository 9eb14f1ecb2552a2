# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""Pure decisions: what an action by an actor at a moment does to an application, or why it is refused."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from workflows.actions import Action
from workflows.deadlines import Deadline, OfficeCalendar, add_months, explain_due_date
from workflows.documents import ClaimSet
from workflows.errors import Forbidden, IllegalTransition, InvalidPayload, WorkflowError
from workflows.history import HistoryEntry, payload_digest
from workflows.machine._model import ApplicationSnapshot, ClosedDeadline, CloseReason, Decision
from workflows.machine._transitions import (
    ALL,
    DEADLINE_RULES,
    OPENINGS_BY_ACTION,
    RECORDALS_BY_ACTION,
    TRANSITIONS,
    Anchor,
    Context,
    Open,
    Target,
    Transition,
    amended_claims,
    declaration,
)
from workflows.offices import OFFICES
from workflows.states import STAFF_ROLES, ApplicationState, DeadlineKind, Role

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import date, datetime

    from workflows.documents import Document
    from workflows.machine._model import Actor
    from workflows.offices import OfficeCode

FILING_TRIGGER = "date of filing"
"""The trigger event of the time limits reckoned from filing (fees)."""

PRIORITY_MONTHS = 12
"""Paris Convention Art. 4C: a priority claim is valid for 12 months before filing."""


def _check_now(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("workflow decisions need an aware datetime")


def _calendar_for(office: OfficeCode, calendar: OfficeCalendar | None) -> OfficeCalendar:
    if calendar is None:
        return OfficeCalendar(office)
    if calendar.office is not office:
        raise ValueError(f"calendar of {calendar.office} given for an application of {office}")
    return calendar


def _make_deadline(
    application_id: str,
    kind: DeadlineKind,
    *,
    calendar: OfficeCalendar,
    trigger_event: str,
    trigger_date: date,
    months: int | None = None,
) -> Deadline:
    rule = DEADLINE_RULES[kind]
    period = rule.period if months is None else replace(rule.period, months=months)
    return Deadline(
        application_id=application_id,
        kind=kind,
        office=calendar.office,
        trigger_event=trigger_event,
        trigger_date=trigger_date,
        period=period,
        satisfied_by=rule.satisfied_by,
        on_expiry=rule.on_expiry,
        explanation=explain_due_date(calendar, trigger_event, trigger_date, period),
    )


def open_application(
    application_id: str,
    office: OfficeCode,
    actor: Actor,
    now: datetime,
    *,
    priority_date: date | None = None,
    payload: Mapping[str, object] | None = None,
    calendar: OfficeCalendar | None = None,
) -> Decision:
    """Record a new filing: state ``filed``, filing date = the office-local date of receipt, publication scheduled.

    Args:
        application_id: the id the service gave the application.
        office: the receiving office.
        actor: the filing applicant.
        now: the aware moment of receipt.
        priority_date: the earliest priority date claimed, if any.
        payload: the filing request as received, for the history digest.
        calendar: the office's calendar (defaults to its public holidays).

    Returns:
        The decision with the first history entry (``from_state`` ``None``); it opens the publication and the
        fee time limits (filing and search fees, the first renewal fee).

    Raises:
        Forbidden: the actor is not an applicant.
        InvalidPayload: the priority date is after filing or more than 12 months before it.
    """
    _check_now(now)
    opening = authorise_opening(Action.FILE, actor)
    calendar = _calendar_for(office, calendar)
    filing_date = OFFICES[office].local_date(now)
    if priority_date is not None and (
        priority_date > filing_date or add_months(priority_date, PRIORITY_MONTHS) < filing_date
    ):
        raise InvalidPayload("the priority date must lie within the 12 months before filing")
    return open_file(
        opening,
        application_id,
        office,
        actor,
        now,
        filing_date=filing_date,
        priority_date=priority_date,
        payload=payload,
        calendar=calendar,
    )


def authorise_opening(action: Action, actor: Actor) -> Transition:
    """The declared opening ``action`` (:data:`OPENINGS`), if ``actor`` may make it.

    Raises:
        Forbidden: the declaration does not name the actor's role (only applicants open files).
    """
    opening = OPENINGS_BY_ACTION[action]
    if actor.role not in opening.roles:
        allowed = ", ".join(sorted(opening.roles))
        raise Forbidden(f"{opening.action.value!r} is for {allowed}, not {actor.role.value}")
    return opening


def open_file(
    opening: Transition,
    application_id: str,
    office: OfficeCode,
    actor: Actor,
    now: datetime,
    *,
    filing_date: date,
    priority_date: date | None,
    publication_date: date | None = None,
    reason: str | None = None,
    payload: Mapping[str, object] | None = None,
    calendar: OfficeCalendar | None = None,
) -> Decision:
    """The first decision of a file, for every way one opens: state, deadlines and entry 1 from the declaration.

    The caller checked what is particular to its opening (the priority period, the 31 months of a PCT entry) and
    the actor (:func:`authorise_opening`); the deadlines are the declaration's ``opens``, as for a transition.
    """
    _check_now(now)
    calendar = _calendar_for(office, calendar)
    if not isinstance(opening.target, ApplicationState):  # pragma: no cover - a declaration error
        raise TypeError(f"{opening.action} must open the file in a state")
    start = ApplicationSnapshot(
        application_id=application_id,
        office=office,
        state=opening.target,
        filing_date=filing_date,
        priority_date=priority_date,
        publication_date=publication_date,
        claimant_id=None,
        claim_set_version=1,
        lapse=None,
        deadlines=(),
        version=1,
    )
    ctx = _context(start, actor, action=opening.action, now=now, calendar=calendar, document=None)
    opened = tuple(d for spec in opening.opens if (d := _opened(spec, ctx, start)) is not None)
    entry = _entry(start, opening.action, from_state=None, actor=actor, now=now, reason=reason, payload=payload or {})
    return Decision(opening.action, None, replace(start, deadlines=opened), (), opened, entry, None, None)


def _entry(
    after: ApplicationSnapshot,
    action: Action,
    *,
    from_state: ApplicationState | None,
    actor: Actor,
    now: datetime,
    reason: str | None,
    payload: Mapping[str, object],
) -> HistoryEntry:
    """The history entry of a decision: the one place every entry is built (seq = the new version)."""
    return HistoryEntry(
        application_id=after.application_id,
        seq=after.version,
        action=action,
        from_state=from_state,
        to_state=after.state,
        actor_id=actor.id,
        role=actor.role,
        actor_office=actor.office,
        office=after.office,
        at=now,
        reason=reason,
        payload_digest=payload_digest(payload),
    )


def works_on(office: OfficeCode, claimant_id: str | None, actor: Actor) -> bool:
    """Whether staff ``actor`` acts for ``office`` on a file ``claimant_id`` holds: its staff, or its assignee.

    Work sharing across the member offices (CTPO; cf. the EPO's examining divisions, which draw examiners from
    every site): an office administrator may give a file to an examiner of another office who reads its language.
    That examiner then takes the examiner's acts on that file, and only on it, as if of the file's office; an
    administrator of another office never acts on it (assignments stay the file's office's decision).
    """
    if actor.office is office:
        return True
    return actor.role is Role.EXAMINER and claimant_id is not None and claimant_id == actor.id


def _authorise(transition: Transition, snapshot: ApplicationSnapshot, actor: Actor) -> None:
    if actor.role not in transition.roles:
        allowed = ", ".join(sorted(transition.roles))
        raise Forbidden(f"{transition.action.value!r} is for {allowed}, not {actor.role.value}")
    if (
        transition.office_bound
        and actor.role in STAFF_ROLES
        and not works_on(snapshot.office, snapshot.claimant_id, actor)
    ):
        raise Forbidden(f"{transition.action.value!r} is reserved to staff of office {snapshot.office.value}")


def _context(
    snapshot: ApplicationSnapshot,
    actor: Actor,
    *,
    action: Action,
    now: datetime,
    calendar: OfficeCalendar,
    document: Document | None,
) -> Context:
    today = OFFICES[snapshot.office].local_date(now)
    return Context(snapshot, actor, action, now, today, calendar, document)


def _permitted(transition: Transition, ctx: Context) -> bool:
    if ctx.snapshot.state not in transition.sources:
        return False
    try:
        _authorise(transition, ctx.snapshot, ctx.actor)
        for guard in transition.guards:
            guard.check(ctx)
    except WorkflowError:
        return False
    return True


def allowed_actions(
    snapshot: ApplicationSnapshot, actor: Actor, now: datetime, *, calendar: OfficeCalendar | None = None
) -> tuple[Action, ...]:
    """The actions this actor may take now, in declaration order (what the UI offers, what a 409 lists).

    Guards that need the payload (e.g. the 2 months from removal of the cause) are checked only by
    :func:`decide`, so an action listed here can still be refused for its payload.
    """
    _check_now(now)
    calendar = _calendar_for(snapshot.office, calendar)
    return tuple(
        t.action
        for t in TRANSITIONS
        if _permitted(t, _context(snapshot, actor, action=t.action, now=now, calendar=calendar, document=None))
    )


def _trigger(spec: Open, ctx: Context, lapsed_due: date | None) -> tuple[str, date]:
    if spec.anchor is Anchor.PRIORITY_DATE:
        return "earliest priority date", ctx.snapshot.earliest_date
    if spec.anchor is Anchor.FILING_DATE:
        return FILING_TRIGGER, ctx.snapshot.filing_date
    if spec.anchor is Anchor.MISSED_DUE_DATE:
        if lapsed_due is None:  # pragma: no cover - declarations pair this anchor with record_lapse
            raise RuntimeError("no missed time limit to anchor on")
        return "missed time limit", lapsed_due
    return ctx.action.value, ctx.today


def _opened(spec: Open, ctx: Context, after: ApplicationSnapshot) -> Deadline | None:
    if spec.when is not None and not spec.when(ctx):
        return None
    if isinstance(spec.kind, DeadlineKind):
        kind = spec.kind
    elif ctx.snapshot.lapse is not None:
        kind = ctx.snapshot.lapse.kind
    else:  # pragma: no cover - only re-establishment opens "lapsed"
        raise RuntimeError("nothing lapsed")
    months = spec.months
    if spec.months_from is not None:
        months = spec.months_from(ctx)
    event, trigger_date = _trigger(spec, ctx, after.lapse.due_date if after.lapse else None)
    return _make_deadline(
        ctx.snapshot.application_id,
        kind,
        calendar=ctx.calendar,
        trigger_event=event,
        trigger_date=trigger_date,
        months=months,
    )


def _close_reason(deadline: Deadline, ctx: Context) -> CloseReason:
    if ctx.action in deadline.satisfied_by and not deadline.has_passed(ctx.now):
        return CloseReason.SATISFIED
    if deadline.on_expiry == ctx.action and deadline.has_passed(ctx.now):
        return CloseReason.EXPIRED
    return CloseReason.SUPERSEDED


def _reason(transition: Transition, payload: Mapping[str, object], ctx: Context) -> str | None:
    reason = payload.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise InvalidPayload("'reason' must be a string")
    if transition.reason_required and not (reason and reason.strip()):
        raise InvalidPayload(f"{transition.action.value!r} needs a 'reason'")
    if reason is None and transition.reason is not None:
        return transition.reason
    if reason is None:
        passed = [d for d in ctx.snapshot.deadlines if d.on_expiry == ctx.action and d.has_passed(ctx.now)]
        if passed and passed[0].kind is DeadlineKind.PUBLICATION:
            return f"publication due on {passed[0].due_date.isoformat()}"
        if passed:
            return f"time limit {passed[0].kind.value} ended on {passed[0].due_date.isoformat()}"
    return reason


def decide(
    snapshot: ApplicationSnapshot,
    action: Action | str,
    actor: Actor,
    now: datetime,
    payload: Mapping[str, object] | None = None,
    *,
    calendar: OfficeCalendar | None = None,
) -> Decision:
    """Decide what ``action`` by ``actor`` at ``now`` does to the application, without changing anything.

    Checks run in a fixed order so the error is the most useful one: the action exists and leaves the current
    state (else :class:`IllegalTransition` listing what the actor may do now), the role and office permit it
    (:class:`Forbidden`), the payload is valid (:class:`InvalidPayload`), then the declared guards
    (:class:`DeadlinePassed`, :class:`~workflows.errors.GuardFailed`, :class:`Forbidden` for examiner claims).

    Args:
        snapshot: the application as loaded.
        action: the transition, e.g. ``Action.RESPOND_TO_OFFICE_ACTION``; a plain name (from a URL) is looked up, and
            one the declarations do not know is refused like an action not possible now.
        actor: who acts, in which role for this application.
        now: the aware moment of the act (its office-local date starts new periods).
        payload: the JSON-like request body; its canonical digest goes into the history entry.
        calendar: the office's current calendar (defaults to its public holidays).

    Returns:
        The next snapshot, the deadlines to close then open, the history entry and the validated document.

    Raises:
        IllegalTransition: unknown action or not possible from the current state.
        Forbidden: role, office or examiner claim.
        InvalidPayload: malformed payload.
        DeadlinePassed: the act came too late.
        GuardFailed: another condition does not hold.
    """
    _check_now(now)
    calendar = _calendar_for(snapshot.office, calendar)
    transition = declaration(action)
    if transition is None or snapshot.state not in transition.sources:
        allowed = allowed_actions(snapshot, actor, now, calendar=calendar)
        raise IllegalTransition(str(action), snapshot.state, allowed)
    return _decided(transition, snapshot, actor, now, payload=payload or {}, calendar=calendar)


def record(
    snapshot: ApplicationSnapshot,
    action: Action,
    actor: Actor,
    now: datetime,
    payload: Mapping[str, object] | None = None,
    *,
    calendar: OfficeCalendar | None = None,
) -> Decision:
    """Decide a recordal (:data:`RECORDALS`, e.g. a transfer): checked and built exactly as :func:`decide` does.

    Recordals are not workflow actions: :func:`decide` and :func:`allowed_actions` do not know them, so the generic
    action route cannot make one without the service that also changes what it records.

    Raises:
        IllegalTransition: ``action`` is not a declared recordal.
        Forbidden, InvalidPayload, GuardFailed: as for :func:`decide`.
    """
    _check_now(now)
    calendar = _calendar_for(snapshot.office, calendar)
    recordal = RECORDALS_BY_ACTION.get(action)
    if recordal is None or snapshot.state not in recordal.sources:
        raise IllegalTransition(str(action), snapshot.state, ())
    return _decided(recordal, snapshot, actor, now, payload=payload or {}, calendar=calendar)


def _decided(
    transition: Transition,
    snapshot: ApplicationSnapshot,
    actor: Actor,
    now: datetime,
    *,
    payload: Mapping[str, object],
    calendar: OfficeCalendar,
) -> Decision:
    """What a declared act does: permission, payload, guards, effects, deadlines, and its history entry."""
    _authorise(transition, snapshot, actor)
    document = transition.parse(payload) if transition.parse else None
    ctx = _context(snapshot, actor, action=transition.action, now=now, calendar=calendar, document=document)
    reason = _reason(transition, payload, ctx)
    for guard in transition.guards:
        guard.check(ctx)

    after = snapshot
    for effect in transition.effects:
        after = effect(ctx, after)
    if transition.target is Target.STAY:
        target = snapshot.state
    elif transition.target is Target.RESUME:
        if snapshot.lapse is None:  # pragma: no cover - only reachable through a lapse
            raise RuntimeError("nothing to resume")
        target = snapshot.lapse.resume_state
    else:
        target = transition.target

    closing = [d for d in snapshot.deadlines if transition.closes == ALL or d.kind in transition.closes]
    closed = tuple(ClosedDeadline(d, _close_reason(d, ctx)) for d in closing)
    opened = tuple(d for spec in transition.opens if (d := _opened(spec, ctx, after)) is not None)
    kept = tuple(d for d in snapshot.deadlines if d not in closing)
    clash = {d.kind for d in kept} & {d.kind for d in opened}
    if clash:  # pragma: no cover - a declaration error, caught by the stateful tests
        raise RuntimeError(f"{transition.action} would open a second deadline of kind {sorted(clash)}")

    after = replace(after, state=target, deadlines=kept + opened, version=snapshot.version + 1)
    claim_set = None
    if after.claim_set_version != snapshot.claim_set_version:
        claim_set = ClaimSet(after.claim_set_version, amended_claims(document) or (), snapshot.claim_set_version)
    entry = _entry(
        after, transition.action, from_state=snapshot.state, actor=actor, now=now, reason=reason, payload=payload
    )
    return Decision(transition.action, snapshot.state, after, closed, opened, entry, document, claim_set)
