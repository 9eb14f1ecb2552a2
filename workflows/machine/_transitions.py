# Copyright 2026 Common Turkic Patent Organization. SPDX-License-Identifier: Apache-2.0
"""The examination procedure, declared once: every transition with its roles, guards and deadline effects.

Why a table of frozen dataclasses rather than python-statemachine (PSM): PSM gives one line per transition
(``a.to(b, cond=...)``) but roles, office binding, deadlines to open/close and payload schemas would have to live
in scattered callbacks, and its machine instances mutate the model they are bound to. Here each
:class:`Transition` holds *all* of its rules in one declaration, and :func:`~workflows.machine.decide` is a pure
function of a snapshot, so it can run inside the service's transaction and in property-based tests alike. The PSM
ideas kept: states from a ``StrEnum``, guards as named predicates, side effects as named hooks, unknown events raise.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from workflows import documents as docs
from workflows.actions import Action, FollowUp, FormKind, PreCheck
from workflows.deadlines import Expiry, Period, explain_due_date
from workflows.errors import DeadlinePassed, Forbidden, GuardFailed
from workflows.fees import FIRST_RENEWAL_YEAR, FeeKind, grace_period, next_renewal_year
from workflows.machine._model import Lapse
from workflows.states import (
    FINAL_STATES,
    LAPSABLE_STATES,
    PENDING_STATES,
    ApplicationState,
    DeadlineKind,
    Role,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from datetime import date, datetime

    from workflows.deadlines import Deadline, OfficeCalendar
    from workflows.machine._model import Actor, ApplicationSnapshot

    Effect = Callable[["Context", ApplicationSnapshot], ApplicationSnapshot]
    """A named side effect on the next snapshot, like PSM's ``on_enter_`` hooks but pure."""

S = ApplicationState
K = DeadlineKind
R = Role
A = Action

REOPEN_MONTHS = 2
"""After re-establishment the missed act is due within a fresh 2 months of the decision (our choice)."""


@dataclass(frozen=True, slots=True)
class DeadlineRule:
    """What a kind of deadline means: its usual period, the acts that meet it, the consequence of missing it."""

    period: Period
    satisfied_by: tuple[Action, ...]
    on_expiry: Action
    """The system action the sweep applies once it has passed."""


DEADLINE_RULES: Mapping[DeadlineKind, DeadlineRule] = {
    K.CORRECT_DEFICIENCIES: DeadlineRule(
        Period(months=docs.DEFAULT_CORRECTION_MONTHS), (A.FILE_CORRECTION,), A.DEEM_WITHDRAWN
    ),
    # EPC Rule 70(1): 6 months from the mention of the publication of the search report.
    K.REQUEST_EXAMINATION: DeadlineRule(Period(months=6), (A.REQUEST_EXAMINATION,), A.DEEM_WITHDRAWN),
    K.RESPOND_TO_OFFICE_ACTION: DeadlineRule(
        Period(months=docs.DEFAULT_RESPONSE_MONTHS), (A.RESPOND_TO_OFFICE_ACTION,), A.DEEM_WITHDRAWN
    ),
    # EPC Rule 71(3): 4 months to approve the text intended for grant.
    K.APPROVE_GRANT_TEXT: DeadlineRule(Period(months=4), (A.APPROVE_GRANT_TEXT,), A.DEEM_WITHDRAWN),
    # EPC Art. 122 / Rule 136(1): at most 12 months after the missed time limit.
    K.RE_ESTABLISHMENT: DeadlineRule(Period(months=12), (A.REQUEST_RE_ESTABLISHMENT,), A.CLOSE_RE_ESTABLISHMENT_WINDOW),
    # EPC Art. 99(1): 9 months from the mention of the grant.
    K.OPPOSITION_PERIOD: DeadlineRule(Period(months=9), (), A.CLOSE_OPPOSITION_PERIOD),
    # EPC Art. 93(1)(a): publication promptly after 18 months from the earliest date; an office act, not a time
    # limit, so it neither extends over holidays nor waits for the end of the day.
    K.PUBLICATION: DeadlineRule(
        Period(months=18, extend_to_working_day=False, expiry=Expiry.START_OF_DAY), (A.PUBLISH,), A.PUBLISH
    ),
    # EPC Rule 38(1): the filing and search fees within one month of filing; unpaid, the application is deemed
    # withdrawn (Art. 78(2), Art. 90(3)). Rule 134(1) extends it over the office's closed days.
    K.PAY_FILING_FEES: DeadlineRule(Period(months=1), (A.PAY_FILING_FEES,), A.DEEM_WITHDRAWN),
    # EPC Art. 86(1), Rule 51(1)-(2): a renewal fee falling due before grant, payable with the surcharge until the
    # last day of the sixth month after its due date; unpaid, the application is deemed withdrawn. The rule's
    # period is year 3's (opened at filing); each payment opens the next year's (:func:`next_renewal_months`).
    K.PAY_RENEWAL_FEE: DeadlineRule(grace_period(FIRST_RENEWAL_YEAR), (A.PAY_RENEWAL_FEE,), A.DEEM_WITHDRAWN),
}


@dataclass(frozen=True, slots=True)
class Context:
    """What guards and effects may look at."""

    snapshot: ApplicationSnapshot
    actor: Actor
    action: Action
    now: datetime
    today: date
    """``now`` as a date at the application's office."""
    calendar: OfficeCalendar
    document: docs.Document | None
    """``None`` when :func:`~workflows.machine.allowed_actions` asks without a payload."""


@dataclass(frozen=True, slots=True)
class Guard:
    """A named precondition; ``check`` raises a :class:`~workflows.errors.WorkflowError` when it fails."""

    name: str
    check: Callable[[Context], None]


def _guard(check: Callable[[Context], None]) -> Guard:
    return Guard(check.__name__, check)


def _passed_deadline_for(ctx: Context) -> Deadline | None:
    """The open deadline whose consequence is this action and which has passed."""
    return next((d for d in ctx.snapshot.deadlines if d.on_expiry == ctx.action and d.has_passed(ctx.now)), None)


@_guard
def within_time_limit(ctx: Context) -> None:
    """Acts under a time limit are refused once it has passed, even before the sweep has noticed."""
    for deadline in ctx.snapshot.deadlines:
        if ctx.action in deadline.satisfied_by and deadline.has_passed(ctx.now):
            raise DeadlinePassed(
                "within_time_limit",
                f"the {deadline.kind.value} time limit ended on {deadline.due_date.isoformat()}; "
                "only re-establishment of rights can help",
            )


def window_open(kind: DeadlineKind) -> Guard:
    """The act is possible only while a deadline of ``kind`` is open and running (opposition, re-establishment)."""

    def check(ctx: Context) -> None:
        deadline = ctx.snapshot.deadline(kind)
        if deadline is None or deadline.has_passed(ctx.now):
            raise DeadlinePassed(f"window_open({kind.value})", f"the {kind.value} period is over")

    return Guard(f"window_open({kind.value})", check)


@_guard
def deadline_has_passed(ctx: Context) -> None:
    """System consequences apply only to a deadline that is open and has passed."""
    if _passed_deadline_for(ctx) is None:
        raise GuardFailed("deadline_has_passed", f"no open deadline with consequence {ctx.action!r} has passed")


@_guard
def is_published(ctx: Context) -> None:
    """A patent is granted on a published application only (Art. 97/93 EPC)."""
    if not ctx.snapshot.published:
        raise GuardFailed("is_published", "the application must be published before grant; request publication")


@_guard
def publication_pending(ctx: Context) -> None:
    """Early publication can be asked only while publication is still scheduled."""
    if ctx.snapshot.published or ctx.snapshot.deadline(K.PUBLICATION) is None:
        raise GuardFailed("publication_pending", "the application is already published or not to be published")


@_guard
def opposition_period_over(ctx: Context) -> None:
    """Oppositions are decided together, once no more can be filed."""
    if ctx.snapshot.deadline(K.OPPOSITION_PERIOD) is not None:
        raise GuardFailed("opposition_period_over", "the opposition period is still running")


@_guard
def actor_holds_claim(ctx: Context) -> None:
    """An examiner acts only on files they hold; administrators and the system are not bound by claims."""
    if ctx.actor.role is R.EXAMINER and ctx.snapshot.claimant_id != ctx.actor.id:
        raise Forbidden("claim the application before acting on it as examiner")


@_guard
def unclaimed(ctx: Context) -> None:
    """At most one examiner holds a file."""
    if ctx.snapshot.claimant_id is not None:
        raise GuardFailed("unclaimed", f"already claimed by {ctx.snapshot.claimant_id}")


@_guard
def may_release(ctx: Context) -> None:
    """Only the holder or an administrator releases a claim."""
    if ctx.snapshot.claimant_id is None:
        raise GuardFailed("may_release", "the application is not claimed")
    if ctx.actor.role is R.EXAMINER and ctx.snapshot.claimant_id != ctx.actor.id:
        raise Forbidden("only the examiner holding the claim or an office administrator may release it")


@_guard
def within_two_months_of_cause_removal(ctx: Context) -> None:
    """Re-establishment is requested within 2 months of the removal of the cause (EPC Rule 136(1))."""
    if not isinstance(ctx.document, docs.ReEstablishmentRequest):
        return
    removed = ctx.document.cause_removed_on
    if removed > ctx.today:
        raise GuardFailed("within_two_months_of_cause_removal", "the cause cannot be removed in the future")
    limit = explain_due_date(ctx.calendar, "removal of the cause", removed, Period(months=2))
    if ctx.now >= limit.expires_at:
        raise DeadlinePassed(
            "within_two_months_of_cause_removal",
            f"re-establishment had to be requested by {limit.due_date.isoformat()}",
        )


CLOSED_STATES: frozenset[ApplicationState] = frozenset({S.WITHDRAWN, S.REFUSED, S.REVOKED})
"""Gone for good: nothing is left to transfer."""


@_guard
def not_closed(ctx: Context) -> None:
    """A recordal needs a file that is still alive: not withdrawn or refused, and not a revoked patent."""
    if ctx.snapshot.state in CLOSED_STATES:
        raise GuardFailed("not_closed", f"nothing to transfer: the file is {ctx.snapshot.state.value}")


def mark_published(ctx: Context, snap: ApplicationSnapshot) -> ApplicationSnapshot:
    """Publication is a flag (its date): the examination state is unaffected."""
    return replace(snap, publication_date=ctx.today)


def record_lapse(ctx: Context, snap: ApplicationSnapshot) -> ApplicationSnapshot:
    """Remember the state and the missed time limit so re-establishment can restore them."""
    missed = _passed_deadline_for(ctx)
    if missed is None:  # pragma: no cover - the deadline_has_passed guard ran first
        raise GuardFailed("deadline_has_passed", "no passed deadline to record")
    return replace(snap, lapse=Lapse(ctx.snapshot.state, missed.kind, missed.due_date))


def clear_lapse(_ctx: Context, snap: ApplicationSnapshot) -> ApplicationSnapshot:
    """Once rights are re-established the lapse is history."""
    return replace(snap, lapse=None)


def claim_for_actor(ctx: Context, snap: ApplicationSnapshot) -> ApplicationSnapshot:
    """The acting examiner becomes the holder."""
    return replace(snap, claimant_id=ctx.actor.id)


def clear_claim(_ctx: Context, snap: ApplicationSnapshot) -> ApplicationSnapshot:
    """Nobody holds the file."""
    return replace(snap, claimant_id=None)


def assign_examiner(ctx: Context, snap: ApplicationSnapshot) -> ApplicationSnapshot:
    """The administrator's chosen examiner holds the file, replacing any holder."""
    if not isinstance(ctx.document, docs.Assignment):  # pragma: no cover - the payload parser ran first
        raise TypeError("assign needs an Assignment")
    return replace(snap, claimant_id=ctx.document.examiner_id)


def new_claim_set(ctx: Context, snap: ApplicationSnapshot) -> ApplicationSnapshot:
    """Amended claims become a new claim-set version; the old versions stay on file."""
    claims = amended_claims(ctx.document)
    return replace(snap, claim_set_version=snap.claim_set_version + 1) if claims else snap


def amended_claims(document: docs.Document | None) -> tuple[str, ...] | None:
    """The new claim set a document brings, if any."""
    if isinstance(document, docs.OfficeActionResponse):
        return document.amended_claims
    if isinstance(document, docs.AmendedClaims):
        return document.claims
    return None


class Anchor(enum.StrEnum):
    """From which date a newly opened deadline runs."""

    ACTION_DATE = "action_date"
    """The office-local date of the transition (the notification date: no 10-day rule, delivery is electronic)."""
    PRIORITY_DATE = "priority_date"
    """The earliest priority date, or the filing date without priority."""
    MISSED_DUE_DATE = "missed_due_date"
    """The due date of the time limit whose loss is being recorded."""
    FILING_DATE = "filing_date"
    """The date of filing (renewal fees are reckoned from it, EPC Rule 51(1))."""


@dataclass(frozen=True, slots=True)
class Open:
    """A deadline a transition opens."""

    kind: DeadlineKind | Literal["lapsed"]
    """``"lapsed"``: the kind whose loss is being undone by re-establishment."""
    anchor: Anchor = Anchor.ACTION_DATE
    months: int | None = None
    """Override of the rule's months; ``None`` keeps the rule (or ``months_from``)."""
    months_from: Callable[[Context], int | None] | None = None
    """Named reader of the months the payload asks for, e.g. :func:`response_months`; ``None`` keeps the rule."""
    when: Callable[[Context], bool] | None = None
    """Named predicate: open only if it holds."""


def correction_months(ctx: Context) -> int | None:
    """The months a deficiency notice gives to correct (Rule 58 EPC: at least 2)."""
    return ctx.document.correction_months if isinstance(ctx.document, docs.DeficiencyNotice) else None


def response_months(ctx: Context) -> int | None:
    """The months an office action gives to respond (Rule 132 EPC: 2 to 4)."""
    return ctx.document.response_months if isinstance(ctx.document, docs.OfficeAction) else None


def is_published_before(ctx: Context) -> bool:
    """The application was already published when the transition started."""
    return ctx.snapshot.published


def awaiting_examination_request(ctx: Context) -> bool:
    """The search report is out and examination has not been requested."""
    return ctx.snapshot.state is S.SEARCH_REPORT_ISSUED


def next_renewal_months(ctx: Context) -> int | None:
    """The months from filing to the end of the grace period of the next pre-grant renewal fee (EPC Rule 51)."""
    year = next_renewal_year(ctx.snapshot.filing_date, ctx.today)
    return None if year is None else grace_period(year).months


def renewal_follows(ctx: Context) -> bool:
    """Another renewal fee falls due after the one just paid (none after year 20)."""
    return next_renewal_year(ctx.snapshot.filing_date, ctx.today) is not None


def renewal_limit_lost_elsewhere(ctx: Context) -> bool:
    """Re-establishment after another time limit: the pre-grant renewal fees run again (EPC Art. 86(1))."""
    lapse = ctx.snapshot.lapse
    return lapse is not None and lapse.kind is not K.PAY_RENEWAL_FEE and renewal_follows(ctx)


WAITING_FOR: Mapping[ApplicationState, DeadlineKind] = {
    S.FORMALITIES_DEFICIENT: K.CORRECT_DEFICIENCIES,
    S.SEARCH_REPORT_ISSUED: K.REQUEST_EXAMINATION,
    S.OFFICE_ACTION: K.RESPOND_TO_OFFICE_ACTION,
    S.INTENTION_TO_GRANT: K.APPROVE_GRANT_TEXT,
}
"""The reply each waiting state runs under; the examination request only once the application is published."""


def resumes_waiting_for(kind: DeadlineKind) -> Callable[[Context], bool]:
    """Re-establishment after a fee time limit, into a state waiting for the applicant's ``kind`` reply.

    The deemed withdrawal closed that time limit too; it runs again for :data:`REOPEN_MONTHS` like the lapsed one
    (our choice, EPC Art. 122(3): the legal consequences of the missed limit are undone, not the others' periods).
    """

    def check(ctx: Context) -> bool:
        lapse = ctx.snapshot.lapse
        if lapse is None or lapse.kind is kind or WAITING_FOR.get(lapse.resume_state) is not kind:
            return False
        return kind is not K.REQUEST_EXAMINATION or ctx.snapshot.published

    check.__name__ = f"resumes_waiting_for_{kind.value}"
    return check


def not_published(ctx: Context) -> bool:
    """Publication is still to come."""
    return not ctx.snapshot.published


class Target(enum.Enum):
    """Targets that depend on the application rather than on the declaration."""

    STAY = "stay"
    """The state does not change (publication, claims, oppositions joining)."""
    RESUME = "resume"
    """The state before the lapse that re-establishment undoes."""


ALL: Literal["all"] = "all"
ADMIN_ACTS_AUDITED: frozenset[Role] = frozenset({R.OFFICE_ADMIN})
"""By default the acts of office administrators go to the office's audit log (reviewed by the office)."""


@dataclass(frozen=True, slots=True)
class Transition:
    """One transition, declared once with every rule that governs it, and what it asks of the service around it."""

    action: Action
    sources: frozenset[ApplicationState]
    target: ApplicationState | Target
    roles: frozenset[Role]
    office_bound: bool
    """Staff (examiners, office administrators) must belong to the application's office, or be the examiner of
    another office it is assigned to (:func:`~workflows.machine.works_on`)."""
    description: str
    guards: tuple[Guard, ...] = ()
    parse: Callable[[Mapping[str, object]], docs.Document] | None = None
    """Payload validation; ``None``: the payload may only carry a free-text ``reason``."""
    reason_required: bool = False
    opens: tuple[Open, ...] = ()
    closes: frozenset[DeadlineKind] | Literal["all"] = field(default_factory=frozenset)
    effects: tuple[Effect, ...] = ()
    form: FormKind = FormKind.PLAIN
    """The input it needs from a person (the desk draws this form; the API takes the same payload)."""
    pre_checks: tuple[PreCheck, ...] = ()
    """Checks the service runs before deciding, on data the workflow cannot see."""
    follow_ups: tuple[FollowUp, ...] = ()
    """Background jobs scheduled in the transition's transaction once it is applied."""
    audited_roles: frozenset[Role] = ADMIN_ACTS_AUDITED
    """Accounts of these roles leave an office audit record with the act (the history records everybody)."""
    reason: str | None = None
    """The history entry's reason when the payload gives none (a recordal says on what it was recorded)."""
    fees: tuple[FeeKind, ...] = ()
    """Fees that must be paid for the act to take effect; the service refuses it, naming the fee and its amount,
    until they are (EPC Art. 94(1) and Rule 70(1) for the examination fee, Rule 71(3) and (7) for the grant fee)."""


def _form_of(parse: object, reason_required: bool, form: FormKind | None) -> FormKind:  # noqa: FBT001
    """The declared form, or the one the payload implies: none, a reason, or the JSON payload."""
    if form is not None:
        return form
    if parse is None:
        return FormKind.REASON if reason_required else FormKind.PLAIN
    return FormKind.PAYLOAD


def _t(
    action: Action,
    sources: frozenset[ApplicationState] | set[ApplicationState],
    target: ApplicationState | Target,
    roles: set[Role],
    description: str,
    *,
    office_bound: bool = True,
    guards: tuple[Guard, ...] = (),
    parse: Callable[[Mapping[str, object]], docs.Document] | None = None,
    reason_required: bool = False,
    opens: tuple[Open, ...] = (),
    closes: set[DeadlineKind] | Literal["all"] = frozenset(),  # type: ignore[assignment]
    effects: tuple[Effect, ...] = (),
    form: FormKind | None = None,
    pre_checks: tuple[PreCheck, ...] = (),
    follow_ups: tuple[FollowUp, ...] = (),
    reason: str | None = None,
    fees: tuple[FeeKind, ...] = (),
) -> Transition:
    return Transition(
        action=action,
        sources=frozenset(sources),
        target=target,
        roles=frozenset(roles),
        office_bound=office_bound,
        description=description,
        guards=guards,
        parse=parse,
        reason_required=reason_required,
        opens=opens,
        closes=closes if closes == ALL else frozenset(closes),
        effects=effects,
        form=_form_of(parse, reason_required, form),
        pre_checks=pre_checks,
        follow_ups=follow_ups,
        reason=reason,
        fees=fees,
    )


_EXAMINER = {R.EXAMINER}
_ACTIVE = frozenset(S) - FINAL_STATES
_PRE_GRANT = PENDING_STATES | {S.DEEMED_WITHDRAWN, S.RE_ESTABLISHMENT_REQUESTED}

TRANSITIONS: tuple[Transition, ...] = (
    # --- formalities -------------------------------------------------------------------------------------------
    _t(A.BEGIN_FORMALITIES_CHECK, {S.FILED}, S.FORMALITIES_CHECK, {R.EXAMINER, R.OFFICE_ADMIN, R.SYSTEM},
       "Start the formalities check of a new filing.", guards=(actor_holds_claim,)),
    _t(A.ISSUE_DEFICIENCY_NOTICE, {S.FORMALITIES_CHECK}, S.FORMALITIES_DEFICIENT, _EXAMINER,
       "Invite the applicant to correct formal deficiencies.", guards=(actor_holds_claim,),
       parse=docs.parse_deficiency_notice, form=FormKind.DEFICIENCY_NOTICE,
       opens=(Open(K.CORRECT_DEFICIENCIES, months_from=correction_months),)),
    _t(A.FILE_CORRECTION, {S.FORMALITIES_DEFICIENT}, S.FORMALITIES_CHECK, {R.APPLICANT},
       "The applicant corrects the deficiencies.", office_bound=False, guards=(within_time_limit,),
       closes={K.CORRECT_DEFICIENCIES}),
    _t(A.COMPLETE_FORMALITIES, {S.FORMALITIES_CHECK}, S.SEARCH, _EXAMINER,
       "Formal requirements are met; the file goes to search.", guards=(actor_holds_claim,),
       pre_checks=(PreCheck.REPRESENTATION_COMPLETE,), follow_ups=(FollowUp.SEARCH_AFTER_FORMALITIES,)),
    # --- search ------------------------------------------------------------------------------------------------
    _t(A.ISSUE_SEARCH_REPORT, {S.SEARCH}, S.SEARCH_REPORT_ISSUED, _EXAMINER,
       "Issue the search report; the time limit for requesting examination runs from its publication.",
       guards=(actor_holds_claim,), parse=docs.parse_search_report, form=FormKind.SEARCH_REPORT,
       opens=(Open(K.REQUEST_EXAMINATION, when=is_published_before),)),
    # --- publication: a flag plus this event, possible in any pending state --------------------------------------
    _t(A.PUBLISH, PENDING_STATES, Target.STAY, {R.SYSTEM, R.OFFICE_ADMIN},
       "Publish the application (18 months from the earliest date, or earlier on request).",
       guards=(deadline_has_passed,), closes={K.PUBLICATION}, effects=(mark_published,),
       follow_ups=(FollowUp.INDEX_PUBLICATIONS,),
       opens=(Open(K.REQUEST_EXAMINATION, when=awaiting_examination_request),)),
    _t(A.REQUEST_EARLY_PUBLICATION, PENDING_STATES, Target.STAY, {R.APPLICANT},
       "Ask for publication before the 18 months have run (Art. 93(1)(b) EPC).", office_bound=False,
       guards=(publication_pending,), closes={K.PUBLICATION}, opens=(Open(K.PUBLICATION, months=0),)),
    # --- examination -------------------------------------------------------------------------------------------
    _t(A.REQUEST_EXAMINATION, {S.SEARCH_REPORT_ISSUED}, S.EXAMINATION, {R.APPLICANT},
       "The applicant requests substantive examination; it takes effect once the examination fee is paid "
       "(Art. 94(1) EPC).", office_bound=False, guards=(within_time_limit,),
       closes={K.REQUEST_EXAMINATION}, fees=(FeeKind.EXAMINATION,)),
    _t(A.ISSUE_OFFICE_ACTION, {S.EXAMINATION}, S.OFFICE_ACTION, _EXAMINER,
       "Communicate objections per claim; the applicant must respond in time.", guards=(actor_holds_claim,),
       parse=docs.parse_office_action, form=FormKind.OFFICE_ACTION,
       opens=(Open(K.RESPOND_TO_OFFICE_ACTION, months_from=response_months),)),
    _t(A.RESPOND_TO_OFFICE_ACTION, {S.OFFICE_ACTION}, S.EXAMINATION, {R.APPLICANT},
       "Answer an office action with arguments and possibly amended claims.", office_bound=False,
       guards=(within_time_limit,), parse=docs.parse_office_action_response,
       closes={K.RESPOND_TO_OFFICE_ACTION}, effects=(new_claim_set,)),
    _t(A.ISSUE_INTENTION_TO_GRANT, {S.EXAMINATION}, S.INTENTION_TO_GRANT, _EXAMINER,
       "Communicate the text intended for grant (EPC Rule 71(3)).", guards=(actor_holds_claim,),
       opens=(Open(K.APPROVE_GRANT_TEXT),)),
    _t(A.RESUME_EXAMINATION, {S.INTENTION_TO_GRANT}, S.EXAMINATION, _EXAMINER,
       "Take the file back from the grant stage, e.g. after requested amendments.", guards=(actor_holds_claim,),
       closes={K.APPROVE_GRANT_TEXT}),
    _t(A.APPROVE_GRANT_TEXT, {S.INTENTION_TO_GRANT}, S.GRANTED, {R.APPLICANT},
       "The applicant approves the text; the patent is granted and the opposition period starts.",
       office_bound=False, guards=(within_time_limit, is_published),
       closes={K.APPROVE_GRANT_TEXT, K.PAY_FILING_FEES, K.PAY_RENEWAL_FEE},
       opens=(Open(K.OPPOSITION_PERIOD),), fees=(FeeKind.GRANT_PUBLICATION,)),
    _t(A.REFUSE, {S.EXAMINATION}, S.REFUSED, _EXAMINER,
       "Refuse the application (Art. 97(2) EPC).", guards=(actor_holds_claim,), reason_required=True,
       closes=ALL),
    # --- fees: the fee service records a payment that meets a fee time limit ------------------------------------
    _t(A.PAY_FILING_FEES, PENDING_STATES, Target.STAY, {R.SYSTEM},
       "The filing and search fees are paid within one month of filing (EPC Rule 38(1)).", office_bound=False,
       guards=(within_time_limit,), closes={K.PAY_FILING_FEES}),
    _t(A.PAY_RENEWAL_FEE, PENDING_STATES, Target.STAY, {R.SYSTEM},
       "A renewal fee falling due before grant is paid (EPC Art. 86(1)); the next year's time limit opens.",
       office_bound=False, guards=(within_time_limit,), closes={K.PAY_RENEWAL_FEE},
       opens=(Open(K.PAY_RENEWAL_FEE, anchor=Anchor.FILING_DATE, months_from=next_renewal_months,
                   when=renewal_follows),)),
    # --- withdrawal and loss of rights ---------------------------------------------------------------------------
    _t(A.WITHDRAW, _PRE_GRANT, S.WITHDRAWN, {R.APPLICANT},
       "The applicant withdraws the application (any time before grant).", office_bound=False, closes=ALL),
    _t(A.DEEM_WITHDRAWN, LAPSABLE_STATES, S.DEEMED_WITHDRAWN, {R.SYSTEM},
       "A time limit passed unanswered or a fee unpaid: the application is deemed withdrawn.",
       guards=(deadline_has_passed,),
       closes=ALL, effects=(record_lapse,),
       opens=(Open(K.RE_ESTABLISHMENT, anchor=Anchor.MISSED_DUE_DATE),)),
    _t(A.REQUEST_RE_ESTABLISHMENT, {S.DEEMED_WITHDRAWN}, S.RE_ESTABLISHMENT_REQUESTED, {R.APPLICANT},
       "Ask for re-establishment of rights: 2 months from removal of the cause, at most 12 months after the "
       "missed time limit.", office_bound=False,
       guards=(window_open(K.RE_ESTABLISHMENT), within_two_months_of_cause_removal),
       parse=docs.parse_re_establishment_request, closes={K.RE_ESTABLISHMENT}, fees=(FeeKind.RE_ESTABLISHMENT,)),
    _t(A.GRANT_RE_ESTABLISHMENT, {S.RE_ESTABLISHMENT_REQUESTED}, Target.RESUME, {R.OFFICE_ADMIN},
       "Re-establish rights: the procedure resumes where it lapsed, the missed act due within 2 months.",
       effects=(clear_lapse,),
       opens=(Open("lapsed", months=REOPEN_MONTHS),
              Open(K.PUBLICATION, anchor=Anchor.PRIORITY_DATE, when=not_published),
              Open(K.PAY_RENEWAL_FEE, anchor=Anchor.FILING_DATE, months_from=next_renewal_months,
                   when=renewal_limit_lost_elsewhere),
              *(Open(kind, months=REOPEN_MONTHS, when=resumes_waiting_for(kind)) for kind in WAITING_FOR.values()))),
    _t(A.REJECT_RE_ESTABLISHMENT, {S.RE_ESTABLISHMENT_REQUESTED}, S.DEEMED_WITHDRAWN, {R.OFFICE_ADMIN},
       "Reject the request; the loss of rights is final.", reason_required=True),
    _t(A.CLOSE_RE_ESTABLISHMENT_WINDOW, {S.DEEMED_WITHDRAWN}, Target.STAY, {R.SYSTEM},
       "12 months after the missed time limit re-establishment is no longer possible.",
       guards=(deadline_has_passed,), closes={K.RE_ESTABLISHMENT}),
    # --- opposition ----------------------------------------------------------------------------------------------
    _t(A.FILE_OPPOSITION, {S.GRANTED, S.OPPOSITION}, S.OPPOSITION, {R.THIRD_PARTY},
       "A third party opposes the patent within 9 months of grant; later oppositions join the proceedings.",
       office_bound=False, guards=(window_open(K.OPPOSITION_PERIOD),), parse=docs.parse_opposition),
    _t(A.CLOSE_OPPOSITION_PERIOD, {S.GRANTED, S.OPPOSITION}, Target.STAY, {R.SYSTEM},
       "The 9 months for opposition are over.", guards=(deadline_has_passed,), closes={K.OPPOSITION_PERIOD}),
    _t(A.MAINTAIN_PATENT, {S.OPPOSITION}, S.MAINTAINED, _EXAMINER,
       "Reject the oppositions; the patent is maintained as granted.",
       guards=(actor_holds_claim, opposition_period_over), closes=ALL),
    _t(A.MAINTAIN_AS_AMENDED, {S.OPPOSITION}, S.MAINTAINED_AMENDED, _EXAMINER,
       "Maintain the patent with amended claims (new claim-set version).",
       guards=(actor_holds_claim, opposition_period_over), parse=docs.parse_amended_claims,
       form=FormKind.AMENDED_CLAIMS, closes=ALL,
       effects=(new_claim_set,)),
    _t(A.REVOKE_PATENT, {S.OPPOSITION}, S.REVOKED, _EXAMINER,
       "Revoke the patent.", guards=(actor_holds_claim, opposition_period_over), reason_required=True,
       closes=ALL),
    # --- examiner claims -----------------------------------------------------------------------------------------
    _t(A.CLAIM, _ACTIVE, Target.STAY, _EXAMINER,
       "An examiner takes the file.", guards=(unclaimed,), effects=(claim_for_actor,)),
    _t(A.RELEASE, frozenset(S), Target.STAY, {R.EXAMINER, R.OFFICE_ADMIN},
       "The holder or an administrator frees the file.", guards=(may_release,), effects=(clear_claim,)),
    _t(A.ASSIGN, _ACTIVE, Target.STAY, {R.OFFICE_ADMIN},
       "An administrator gives the file to an examiner, of any member office, who reads its language.",
       parse=docs.parse_assignment, form=FormKind.ASSIGN, pre_checks=(PreCheck.ASSIGNEE_READS_LANGUAGE,),
       effects=(assign_examiner,)),
)  # fmt: skip

OPENINGS: tuple[Transition, ...] = (
    _t(A.FILE, frozenset(), S.FILED, {R.APPLICANT},
       "File an application: the filing date is the office-local date of receipt; publication is scheduled "
       "18 months from the earliest date; the filing and search fees are due within a month (EPC Rule 38(1)), "
       "renewal fees from the third year (Art. 86(1)).", office_bound=False,
       opens=(Open(K.PUBLICATION, anchor=Anchor.PRIORITY_DATE),
              Open(K.PAY_FILING_FEES, anchor=Anchor.FILING_DATE),
              Open(K.PAY_RENEWAL_FEE, anchor=Anchor.FILING_DATE))),
    _t(A.ENTER_REGIONAL_PHASE, frozenset(), S.FILED, {R.APPLICANT},
       "Enter the regional phase of an international application within 31 months of priority (PCT Art. 22/39, "
       "EPC Rule 159(1)); its filing date is the international one (PCT Art. 11(3)). The filing and search fees "
       "are due within a month of entry (our reading of Rule 159(1)(c), the entry standing for the filing), the "
       "renewal fees from the next year whose payment window has not opened (Rule 159(1)(g) left aside).",
       office_bound=False,
       opens=(Open(K.PUBLICATION, anchor=Anchor.PRIORITY_DATE, when=not_published),
              Open(K.PAY_FILING_FEES),
              Open(K.PAY_RENEWAL_FEE, anchor=Anchor.FILING_DATE, months_from=next_renewal_months,
                   when=renewal_follows))),
)  # fmt: skip
"""How a file opens (its first decision, from no state): :func:`~workflows.machine.open_file` builds it."""

RECORDALS: tuple[Transition, ...] = (
    _t(A.RECORD_TRANSFER, frozenset(S), Target.STAY, {R.APPLICANT, R.OFFICE_ADMIN},
       "Record a transfer of the application or patent on evidence, effective from today (EPC Art. 72, Rules 22 "
       "and 85); running time limits continue against the new applicant.",
       guards=(not_closed,), reason="transfer recorded on evidence (EPC Rule 22)"),
)  # fmt: skip
"""Acts the file records without changing its state, asked through their own service rather than as workflow
actions (a transfer also changes the parties): :func:`~workflows.machine.record` decides them like
:func:`~workflows.machine.decide` does transitions, so the history entry is built in one place."""

OPENINGS_BY_ACTION: Mapping[Action, Transition] = {t.action: t for t in OPENINGS}
RECORDALS_BY_ACTION: Mapping[Action, Transition] = {t.action: t for t in RECORDALS}
TRANSITIONS_BY_ACTION: Mapping[Action, Transition] = {t.action: t for t in TRANSITIONS}
"""Lookups by a plain string work too (``Action`` is a ``StrEnum``); an unknown name is simply absent."""


def declaration(action: Action | str) -> Transition | None:
    """The transition declared for ``action``; ``None`` for the filing, rescheduling and unknown names."""
    known = action if isinstance(action, Action) else Action.parse(action)
    return None if known is None else TRANSITIONS_BY_ACTION.get(known)
