"""Examination as the API sees it: who may act, the transition in one transaction, queues, calendars."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
from sqlalchemy import false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ctpo.db.models import (
    Application,
    AutomatedSearch,
    CalendarChange,
    Claim,
    DeadlineRecord,
    HistoryRecord,
    IpcClass,
    OfficeCalendarDay,
    Party,
    PartyKind,
    ProceduralDocument,
    Role,
    User,
    utcnow,
)
from ctpo.domain.access import FileAccess, assigned_examiner, require_admin_of, require_staff_of
from ctpo.domain.audit.services import audit_record, record_list_read
from ctpo.domain.examination import schemas as s
from ctpo.domain.examination.citations import reference_problems
from ctpo.domain.examination.payloads import decode_payload, parse_document
from ctpo.domain.examination.store import (
    SessionWorkflowStore,
    apply_decision,
    forget_calendars,
    forget_shared_calendars,
    load_calendar,
    load_snapshot,
)
from ctpo.domain.representatives.access import is_represented
from ctpo.domain.worksharing.services import WorkSharingService
from ctpo.lib.errors import ConflictError, CtpoError, FieldError, InvalidRequestError, NotFoundError
from workflows import Action, Actor, ApplicationState, OfficeCode, PreCheck, StaleSnapshotError, allowed_actions, decide
from workflows.deadlines import deadline_from_json
from workflows.machine import declaration, works_on
from workflows.offices import OFFICES
from workflows.representation import representation_missing
from workflows.states import FINAL_STATES
from workflows.tasks import run_recompute
from workflows.texts import MAX_NAME_CHARS, MAX_PROSE_CHARS, MAX_REASON_CHARS, text_problem

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping, Sequence
    from datetime import date, datetime

    from sqlalchemy import ColumnElement
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import Session

    from workflows import Decision, HistoryEntry

    PreCheckImpl = Callable[[Application, Mapping[str, Any]], Awaitable[CtpoError | None]]


def actor_for(user: User, application: Application, *, party: bool = False) -> Actor:
    """The capacity in which ``user`` acts on this application.

    The applicant of record and its representative (``party``) act as applicant; staff of the receiving office,
    and the examiner of another office the file is assigned to (:func:`~workflows.machine.works_on`), act as
    examiner or administrator; everyone else (other applicants, other staff of other offices) is a third party,
    who can only oppose a granted patent.
    """
    if user.role == Role.APPLICANT and (party or application.owner_id == user.id):
        return Actor(str(user.id), Role.APPLICANT)
    if user.role != Role.APPLICANT and user.office:
        staff = Actor(str(user.id), user.role, OfficeCode(user.office))
        holder = str(application.claimed_by) if application.claimed_by else None
        if works_on(OfficeCode(application.receiving_office), holder, staff):
            return staff
    return Actor(str(user.id), Role.THIRD_PARTY)


def _text(value: str | None) -> str | None:
    return None if value is None else str(value)  # enum members (from the workflow) become their values


def history_out(record: HistoryRecord | HistoryEntry) -> s.HistoryOut:
    """A history entry for the API, from the stored row or from the decision that wrote it."""
    return s.HistoryOut(
        seq=record.seq,
        action=record.action,
        from_state=_text(record.from_state),
        to_state=str(record.to_state),
        actor_id=record.actor_id,
        role=str(record.role),
        actor_office=_text(record.actor_office),
        at=record.at,
        reason=record.reason,
        payload_digest=record.payload_digest,
    )


def document_out(document: ProceduralDocument) -> s.ProceduralDocumentOut:
    """A procedural document (office action, response, search report) as the API shows it."""
    return s.ProceduralDocumentOut(
        kind=document.kind,
        action=document.action,
        history_seq=document.history_seq,
        author_id=document.author_id,
        created_at=document.created_at,
        body=document.body,
    )


def automated_search_out(search: AutomatedSearch) -> s.AutomatedSearchOut:
    """A background prior-art search with its hits as they were found."""
    return s.AutomatedSearchOut(
        step=search.step,
        created_at=search.created_at,
        cutoff_date=search.cutoff_date,
        engine=search.engine,
        hits=search.hits,
    )


def calendar_day_out(day: OfficeCalendarDay) -> s.CalendarDayOut:
    """A correction of an office calendar (a closure or an opening)."""
    return s.CalendarDayOut(office=day.office, day=day.day, kind=day.kind, reason=day.reason)


def deadline_out(data: dict[str, Any], today: date) -> s.DeadlineOut:
    """An open deadline with its step-by-step explanation."""
    deadline = deadline_from_json(data)
    return s.DeadlineOut(
        kind=deadline.kind.value,
        due_date=deadline.due_date,
        expires_at=deadline.expires_at,
        days_left=(deadline.due_date - today).days,
        satisfied_by=list(deadline.satisfied_by),
        on_expiry=deadline.on_expiry,
        explanation=[s.ExplanationStep(**step) for step in deadline.explanation.steps()],
    )


class ExaminationService:
    """Transitions, history, deadlines, queues and office calendars."""

    def __init__(self, session: AsyncSession, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.session = session
        self.clock = clock

    async def _visible(self, user: User, number: str, *, read: bool = True) -> Application:
        """The application if ``user`` may see it; a staff read of an unpublished one is audited first."""
        return await FileAccess(self.session).get(user, number, audit=read)

    async def _actor(self, user: User, application: Application) -> Actor:
        party = await FileAccess(self.session).acts_as_applicant(user, application.number)
        return actor_for(user, application, party=party)

    async def status(self, user: User, number: str) -> s.StateOut:
        """The state, and the actions the caller may take now."""
        application = await self._visible(user, number)
        actor, now = await self._actor(user, application), self.clock()

        def read(session: Session) -> tuple[str, ...]:
            snapshot = load_snapshot(session, application.id)
            return allowed_actions(snapshot, actor, now, calendar=load_calendar(session, snapshot.office))

        allowed = await self.session.run_sync(read)
        return s.StateOut(
            application_number=application.number,
            state=application.state,
            version=application.version,
            allowed_actions=list(allowed),
            claimed_by=str(application.claimed_by) if application.claimed_by else None,
            published=application.publication_date is not None,
        )

    async def act(self, user: User, number: str, action: str, data: s.ActionIn) -> s.ActionResult:
        """Apply one transition, atomically, or refuse it without changing anything.

        Raises:
            NotFoundError: the caller may not see the application.
            ConflictError: someone else changed the application at the same moment.
            WorkflowError: the workflow refused (mapped to 409/403/422 with the allowed actions).
        """
        application = await self._visible(user, number, read=False)  # acts are in the history instead
        holder_before = application.claimed_by
        actor, now = await self._actor(user, application), self.clock()
        payload: dict[str, Any] = dict(data.payload)
        check_payload(payload)
        payload = decode_payload(action, payload)
        await self._check_references(application, action, payload)
        if data.reason is not None:
            check_reason(data.reason)
            payload.setdefault("reason", data.reason)
        declared = declaration(action)  # None: decide() refuses the name below, listing what is allowed
        refusals = [
            r
            for c in (declared.pre_checks if declared else ())
            if (r := await self._pre_checks[c](application, payload))
        ]

        def transition(session: Session) -> Decision:
            snapshot = load_snapshot(session, application.id)
            calendar = load_calendar(session, snapshot.office)
            decision = decide(snapshot, action, actor, now, payload, calendar=calendar)
            if refusals:
                raise refusals[0]
            apply_decision(session, decision, expected_version=snapshot.version, payload=payload)
            return decision

        try:
            decision = await self.session.run_sync(transition)
            if declared is not None and user.role in declared.audited_roles:  # audited with the act
                details = {
                    "from_state": decision.from_state.value if decision.from_state else None,
                    "to_state": decision.new_state.value,
                    "reason": data.reason,
                }
                if declared.action is Action.ASSIGN:  # every office concerned by the assignment gets the record
                    sharing = WorkSharingService(self.session)
                    examiner = await sharing.assignee(application, payload.get("examiner_id"))
                    records = await sharing.assignment_audits(user, application, examiner, holder_before)
                    for record in records:
                        record.details = {**details, **record.details}
                    self.session.add_all(records)
                else:
                    self.session.add(
                        audit_record(
                            user,
                            f"application.{declared.action.value}",
                            office=application.receiving_office,
                            application_number=number,
                            details=details,
                        )
                    )
            await self.session.commit()
            FileAccess(self.session).forget()  # the file changed: a later read in this request loads it again
        except (StaleSnapshotError, IntegrityError):
            await self.session.rollback()
            raise ConflictError(
                "Someone else acted on this application at the same time; reload it and try again."
            ) from None
        entry = decision.history
        return s.ActionResult(
            application_number=number,
            action=action,
            from_state=decision.from_state.value if decision.from_state else None,
            state=decision.new_state.value,
            version=decision.snapshot.version,
            history=history_out(entry),
        )

    @property
    def _pre_checks(self) -> Mapping[PreCheck, PreCheckImpl]:
        """One implementation per :class:`~workflows.PreCheck` a transition may declare.

        A check raises to refuse at once, or returns the error to raise once the workflow has allowed the act (so
        that a wrong state still answers 409).
        """
        return {
            PreCheck.ASSIGNEE_READS_LANGUAGE: self._check_assignee,
            PreCheck.REPRESENTATION_COMPLETE: self._check_representation,
        }

    async def _check_representation(self, application: Application, _payload: Mapping[str, Any]) -> CtpoError | None:
        """EPC Art. 133(2): applicants without residence in a member state act through a representative."""
        finding = await self.representation_finding(application)
        if finding is None:
            return None
        return InvalidRequestError(
            f"Formalities cannot be completed: {finding}. Issue a deficiency notice instead.",
            errors=[FieldError("representative", finding)],
        )

    async def representation_finding(self, application: Application) -> str | None:
        """What is missing in the file's representation (EPC Art. 133(2)), or ``None``."""
        countries = (
            await self.session.execute(
                select(Party.country).where(Party.application_id == application.id, Party.kind == PartyKind.APPLICANT)
            )
        ).scalars()
        return representation_missing(countries, has_representative=await is_represented(self.session, application))

    async def _check_references(self, application: Application, action: str, payload: dict[str, Any]) -> None:
        """Claims and documents an issued document cites must exist (:mod:`ctpo.domain.examination.citations`).

        Raises:
            InvalidRequestError: naming each impossible reference; WorkflowError: the payload is malformed.
        """
        document = parse_document(action, payload)
        if document is None:
            return
        query = select(Claim.number).where(
            Claim.application_id == application.id, Claim.claim_set == application.claim_set_version
        )
        claims = set((await self.session.execute(query)).scalars())
        if problems := await reference_problems(self.session, document, claims):
            raise InvalidRequestError("The document cites what does not exist or cannot be cited.", errors=problems)

    async def _check_assignee(self, application: Application, payload: Mapping[str, Any]) -> CtpoError | None:
        """An assignment names an active examiner, of any member office, who reads the file's language."""
        await WorkSharingService(self.session).assignee(application, payload.get("examiner_id"))
        return None

    async def history(self, user: User, number: str) -> list[s.HistoryOut]:
        """Every transition, oldest first."""
        application = await self._visible(user, number)
        query = select(HistoryRecord).where(HistoryRecord.application_id == application.id).order_by(HistoryRecord.seq)
        return [history_out(r) for r in (await self.session.execute(query)).scalars()]

    async def deadlines(self, user: User, number: str) -> list[s.DeadlineOut]:
        """Open deadlines, nearest first, each with its explanation."""
        application = await self._visible(user, number)
        query = (
            select(DeadlineRecord.data)
            .where(DeadlineRecord.application_id == application.id, DeadlineRecord.closed_at.is_(None))
            .order_by(DeadlineRecord.due_date)
        )
        today = OFFICES[OfficeCode(application.receiving_office)].local_date(self.clock())
        rows: Sequence[dict[str, Any]] = (await self.session.execute(query)).scalars().all()
        return [deadline_out(data, today) for data in rows]

    async def documents(self, user: User, number: str, kind: str | None = None) -> list[s.ProceduralDocumentOut]:
        """Office actions, responses, search reports… of the application, oldest first."""
        application = await self._visible(user, number)
        query = select(ProceduralDocument).where(ProceduralDocument.application_id == application.id)
        if kind is not None:
            query = query.where(ProceduralDocument.kind == kind)
        rows = (await self.session.execute(query.order_by(ProceduralDocument.history_seq))).scalars()
        return [document_out(d) for d in rows]

    async def automated_searches(self, user: User, number: str) -> list[s.AutomatedSearchOut]:
        """The background prior-art searches of the file, newest first: the examiner's starting point.

        Working material of the office, like the examiner's notes: the applicant sees the search report the
        examiner issues, not these.
        """
        application = await self._visible(user, number)
        if user.role == Role.APPLICANT:
            return []
        query = (
            select(AutomatedSearch)
            .where(AutomatedSearch.application_id == application.id)
            .order_by(AutomatedSearch.created_at.desc(), AutomatedSearch.id.desc())
        )
        return [automated_search_out(a) for a in (await self.session.execute(query)).scalars()]

    async def queue(
        self,
        user: User,
        office: str,
        *,
        state: str | None,
        ipc: str | None,
        language: str | None,
        limit: int,
        offset: int,
    ) -> list[s.QueueItem]:
        """The office's open files, nearest deadline first (files without one last, oldest filing first)."""
        office = require_staff_of(user, office)
        in_queue = await self._queue_condition(user, office)
        query = (
            select(Application)
            .where(in_queue, Application.state.not_in(FINAL_STATES))
            .options(selectinload(Application.ipc_classes))
            .order_by(Application.next_deadline_date.asc().nulls_last(), Application.filing_date, Application.sequence)
            .limit(limit)
            .offset(offset)
        )
        if state:
            wanted = ApplicationState.parse(state)
            query = query.where(Application.state == wanted) if wanted else query.where(false())
        if language:
            query = query.where(Application.language == language)
        if ipc:
            prefix = ipc.upper().replace(" ", "")
            literal = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")  # a prefix, not a pattern
            matching = select(IpcClass.application_id).where(
                func.replace(IpcClass.symbol, " ", "").like(f"{literal}%", escape="\\")
            )
            query = query.where(Application.id.in_(matching))
        applications = (await self.session.execute(query)).scalars().all()
        await record_list_read(self.session, user, applications)
        return [
            s.QueueItem(
                application_number=app.number,
                office=app.receiving_office,
                title=app.title,
                language=app.language,
                state=app.state,
                filing_date=app.filing_date,
                ipc=[c.symbol for c in app.ipc_classes],
                claimed_by=str(app.claimed_by) if app.claimed_by else None,
                next_deadline=app.next_deadline_date,
                next_deadline_kind=app.next_deadline_kind,
            )
            for app in applications
        ]

    async def _queue_condition(self, user: User, office: str) -> ColumnElement[bool]:
        """The office's files, and those of other offices assigned to the examiner asking (work sharing).

        The assigned files of other offices are looked up first (a few rows, on the ``claimed_by`` index) and named
        by id, and only when there are some: the plain office queue keeps reading its page straight off the index
        ``(receiving_office, next_deadline_date, …)``, which an ``OR`` with the access clause would lose.
        """
        in_office = Application.receiving_office == office
        assigned = assigned_examiner(user)
        if assigned is None:
            return in_office
        lent = select(Application.id).where(
            assigned, Application.receiving_office != office, Application.state.not_in(FINAL_STATES)
        )
        ids = list((await self.session.execute(lent)).scalars())
        return or_(in_office, Application.id.in_(ids)) if ids else in_office

    async def calendar_days(self, user: User, office: str) -> list[s.CalendarDayOut]:
        """The office's recorded closures and openings."""
        office = require_staff_of(user, office)
        query = select(OfficeCalendarDay).where(OfficeCalendarDay.office == office).order_by(OfficeCalendarDay.day)
        return [calendar_day_out(d) for d in (await self.session.execute(query)).scalars()]

    async def change_calendar(
        self, user: User, office: str, day: date, *, kind: str | None, reason: str = ""
    ) -> s.CalendarChangeOut:
        """Record (or, with ``kind`` None, remove) a calendar correction and move the running deadlines.

        Every moved deadline gets a history entry on its application, in the same transaction.

        Raises:
            ForbiddenError: not an administrator of this office.
            InvalidRequestError: an unknown kind.
            NotFoundError: removing a correction that does not exist.
        """
        office = require_staff_of(user, office)
        require_admin_of(user, office, purpose="Only office administrators change the office calendar.")
        if kind is not None and kind not in frozenset(CalendarChange):
            raise InvalidRequestError(
                "Unknown calendar change.", errors=[FieldError("kind", "must be 'closure' or 'opening'")]
            )
        problem = text_problem("reason", reason, max_chars=MAX_NAME_CHARS, single_line=True) if kind else None
        if problem is not None:
            raise InvalidRequestError(
                "The reason cannot be recorded.", errors=[FieldError(problem.field, problem.message)]
            )
        now = self.clock()
        today = OFFICES[OfficeCode(office)].local_date(now)
        if kind is not None and abs((day - today).days) > CALENDAR_HORIZON_DAYS:
            raise InvalidRequestError(
                f"{day} is too far from today to be a calendar correction.",
                errors=[FieldError("day", f"must be within {CALENDAR_HORIZON_DAYS} days of {today}")],
            )

        def change(session: Session) -> s.CalendarChangeOut:
            row = session.get(OfficeCalendarDay, (office, day))
            if kind is None:
                if row is None:
                    raise NotFoundError(f"{office} has no calendar correction on {day}.")
                session.delete(row)
            elif row is None:
                row = OfficeCalendarDay(office=office, day=day, kind=kind, reason=reason, changed_by=user.id)
                session.add(row)
            else:
                row.kind, row.reason, row.changed_by, row.changed_at = kind, reason, user.id, now
            session.flush()
            forget_calendars(session)
            report = run_recompute(SessionWorkflowStore(session), OfficeCode(office), now)
            return s.CalendarChangeOut(day=calendar_day_out(row), deadlines_moved=len(report.applied))

        try:
            changed = await self.session.run_sync(change)
            self.session.add(
                audit_record(
                    user,
                    "calendar.set" if kind else "calendar.remove",
                    office=office,
                    details={
                        "day": day.isoformat(),
                        "kind": kind,
                        "reason": reason,
                        "deadlines_moved": changed.deadlines_moved,
                    },
                )
            )
            await self.session.commit()
        except IntegrityError:
            await self.session.rollback()
            raise ConflictError("The calendar changed at the same moment; try again.") from None
        forget_shared_calendars(self.session.sync_session)
        return changed


CALENDAR_HORIZON_DAYS = 10 * 366
"""Corrections are recorded for days within about ten years of today; beyond, no time limit can reach them."""
PAYLOAD_MAX_DEPTH = 16
"""Action payloads are documents of a few levels (a search report's citations); deeper nesting is refused."""
PAYLOAD_INT_BOUND = 2**63
"""Integers a payload may hold: what every encoder and store on the way keeps (64 bits)."""


PAYLOAD_MAX_BYTES = 16 * 1024 * 1024
"""An action payload's JSON size: room for a full claim set (500 claims of 20,000 characters) with arguments."""


def _refuse(where: str, message: str) -> InvalidRequestError:
    return InvalidRequestError(
        f"The payload cannot be accepted: {where} {message}.", errors=[FieldError(where, message)]
    )


def check_payload(payload: dict[str, Any]) -> None:
    """Refuse what no action payload needs and no store can keep, and hold every text to :mod:`workflows.texts`.

    Any payload, also of actions without a schema of their own (:mod:`ctpo.domain.examination.payloads`), and from
    the API and the desk alike (a desk's typed JSON once reached the database with 10^30 and U+D800 in it). The
    parsers hold the fields they know to their own limits (claims, arguments, citations); this walk holds every
    other key and value to the general ones (control, invisible and unstorable characters, lengths), bounds the
    nesting, the size and the integers.

    Raises:
        InvalidRequestError: naming the first offending place.
    """
    stack: list[tuple[str, Any, int]] = [("payload", payload, 1)]
    while stack:
        where, value, depth = stack.pop()
        if depth > PAYLOAD_MAX_DEPTH:
            raise _refuse(where, f"is nested deeper than {PAYLOAD_MAX_DEPTH} levels")
        if isinstance(value, dict):
            for key, item in value.items():
                _check_scalar(f"{where} (a key)", key, max_chars=MAX_NAME_CHARS, single_line=True)
                stack.append((f"{where}.{key}", item, depth + 1))
        elif isinstance(value, list):
            stack.extend((f"{where}[{i}]", item, depth + 1) for i, item in enumerate(value))
        else:
            _check_scalar(where, value, max_chars=MAX_PROSE_CHARS, single_line=False)
    if len(msgspec.json.encode(payload)) > PAYLOAD_MAX_BYTES:  # every text is encodable now
        raise _refuse("payload", f"is larger than {PAYLOAD_MAX_BYTES // (1024 * 1024)} MiB")


def _check_scalar(where: str, value: object, *, max_chars: int, single_line: bool) -> None:
    if isinstance(value, str) and value.strip():  # required texts are the parsers' business
        problem = text_problem(where, value, max_chars=max_chars, single_line=single_line)
        if problem is not None:
            raise _refuse(problem.field, problem.message)
    elif isinstance(value, int) and not isinstance(value, bool) and not -PAYLOAD_INT_BOUND <= value < PAYLOAD_INT_BOUND:
        raise _refuse(where, "is a number past 64 bits")


def check_reason(reason: str) -> None:
    """The reason given for an act meets :mod:`workflows.texts` (it is recorded in the history).

    Raises:
        InvalidRequestError: naming ``reason``.
    """
    problem = text_problem("reason", reason, max_chars=MAX_REASON_CHARS, single_line=False)
    if problem is not None:
        raise InvalidRequestError(
            f"The reason cannot be recorded: {problem.message}.", errors=[FieldError("reason", problem.message)]
        )
