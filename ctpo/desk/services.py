"""The desk's pages, assembled from the services the API uses: same visibility, same workflow, same errors.

Nothing here decides who may see or do what: files come from :mod:`ctpo.domain.access` (through the services),
transitions go through :meth:`ExaminationService.act`, the actions offered come from the workflow's
``allowed_actions``, and prior art from :func:`find_prior_art`. This module only shapes their answers into
:mod:`ctpo.desk.views`.
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any, cast

import anyio
import msgspec
from sqlalchemy import select

from ctpo.db.models import Application, DeadlineRecord, PartyKind, Role, User
from ctpo.desk import forms
from ctpo.desk import views as v
from ctpo.domain.examination import schemas as es
from ctpo.domain.examination.services import actor_for
from ctpo.domain.examination.store import load_calendar, snapshot_of
from ctpo.domain.international.services import InternationalService
from ctpo.domain.observations.schemas import TreatmentIn
from ctpo.domain.observations.services import ObservationService
from ctpo.domain.prior_art import schemas as ps
from ctpo.domain.prior_art.services import SearchUnavailableError, find_prior_art, prior_art_query
from ctpo.domain.worksharing.services import WorkSharingService
from ctpo.lib.decoding import decode
from ctpo.lib.errors import FieldError, ForbiddenError, InvalidRequestError
from workflows import Action, ApplicationState, FormKind, OfficeCode, allowed_actions
from workflows.languages import Language
from workflows.machine import declaration
from workflows.offices import OFFICES
from workflows.states import FINAL_STATES

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from datetime import date, datetime

    from litestar.datastructures import State
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import Session

    from ctpo.domain.examination.services import ExaminationService
    from ctpo.domain.filings.services import FilingService
    from ctpo.domain.worksharing.schemas import SuggestionOut

PAGE_SIZE = 50
"""Queue lines per page."""
QUEUE_ACTIONS = (Action.CLAIM, Action.RELEASE)
"""What the queue offers on each line (when the workflow allows it)."""
OPEN_STATES: tuple[str, ...] = tuple(s.value for s in ApplicationState if s not in FINAL_STATES)
QUEUE_LANGUAGES = ("tr", "az", "kk", "ky", "uz", "ru", "en")
"""Languages of filing, for the queue filter."""


def _form_kind(action: str) -> FormKind:
    """The form the transition declares; an unknown name gets none (the workflow then refuses it)."""
    transition = declaration(action)
    return transition.form if transition else FormKind.PLAIN


def buttons_for(allowed: Iterable[str]) -> list[v.Button]:
    """A button (and its form) for each action the workflow allows now, in the workflow's order."""
    return [v.Button(action, _form_kind(action)) for action in allowed]


def _assignee_label(suggestion: SuggestionOut) -> str:
    """``Name (TR) · H01M 10/613``: who, of which office, and the file's symbols in their fields."""
    label = f"{suggestion.examiner.full_name} ({suggestion.examiner.office})"
    return f"{label} · {', '.join(suggestion.matching_ipc)}" if suggestion.matching_ipc else label


def _ipc_entries(text: str) -> list[str]:
    """The IPC fields typed in one box: separated by commas or semicolons (``H01M, B60``)."""
    return [part.strip() for part in re.split(r"[,;]", text) if part.strip()]


class DeskService:
    """Page assembly for the examiner's desk; one per request, over the request's services."""

    def __init__(
        self,
        session: AsyncSession,
        filing: FilingService,
        examination: ExaminationService,
        state: State,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.session = session
        self.filing = filing
        self.examination = examination
        self.state = state
        self.clock = clock or examination.clock

    async def _names(self, ids: Iterable[str | uuid.UUID | None]) -> dict[str, str]:
        """Full names of the accounts among ``ids`` (``system`` and other non-ids are left out), in one query."""
        wanted = set()
        for raw in ids:
            try:
                wanted.add(uuid.UUID(str(raw)))
            except ValueError:
                continue
        if not wanted:
            return {}
        rows = await self.session.execute(select(User.id, User.full_name).where(User.id.in_(wanted)))
        return {str(user_id): name for user_id, name in rows.all()}

    async def queue_page(self, user: User, filters: v.QueueFilters, page: int) -> v.QueuePage:
        """One page of the user's office queue, nearest deadline first, with claim/release where allowed.

        Raises:
            ForbiddenError, NotFoundError: as the queue API (applicants; staff of another office).
        """
        office = user.office or ""
        page = max(page, 1)
        items = await self.examination.queue(
            user,
            office,
            state=filters.state or None,
            ipc=filters.ipc or None,
            language=filters.language or None,
            limit=PAGE_SIZE + 1,  # one more tells whether there is a next page, without counting 10k rows
            offset=(page - 1) * PAGE_SIZE,
        )
        has_next = len(items) > PAGE_SIZE
        items = items[:PAGE_SIZE]
        allowed = await self._queue_actions(user, [i.application_number for i in items])
        names = await self._names(i.claimed_by for i in items)
        today = OFFICES[OfficeCode(office)].local_date(self.clock())
        rows = [
            v.QueueRow(
                number=i.application_number,
                office=i.office,
                title=i.title,
                language=i.language,
                state=i.state,
                filing_date=i.filing_date,
                ipc=i.ipc,
                holder=names.get(i.claimed_by or "", i.claimed_by),
                held_by_me=i.claimed_by == str(user.id),
                next_deadline=i.next_deadline,
                next_deadline_kind=i.next_deadline_kind,
                days_left=(i.next_deadline - today).days if i.next_deadline else None,
                actions=allowed.get(i.application_number, []),
            )
            for i in items
        ]
        return v.QueuePage(office, filters, page, PAGE_SIZE, rows, has_next, OPEN_STATES, QUEUE_LANGUAGES)

    async def sharing_page(self, user: User) -> v.SharingPage:
        """An examiner's own profile; an administrator's files lent to and borrowed from other offices."""
        sharing = WorkSharingService(self.session)
        profile = await sharing.profile(user, user.id) if user.role is Role.EXAMINER else None
        if user.role is not Role.OFFICE_ADMIN:
            return v.SharingPage(profile, None, tuple(Language))
        office = user.office or ""
        shared = await sharing.shared_files(user, office)
        return v.SharingPage(profile, shared, tuple(Language), await sharing.office_profiles(user, office))

    async def save_profile(self, user: User, form: forms.Form, examiner_id: uuid.UUID | None = None) -> None:
        """Languages (ticked) and IPC fields (typed) replacing what an examiner declared.

        The examiner's own (no ``examiner_id``), or those of an examiner of the administrator's office.

        Raises:
            ForbiddenError: an administrator without ``examiner_id``; anybody else's examiner.
            NotFoundError: no examiner has this id.
            InvalidRequestError: naming each entry that is not a working language or an IPC class/subclass.
        """
        if examiner_id is None and user.role is not Role.EXAMINER:
            raise ForbiddenError("Only examiners declare what they examine.")
        languages = list(form.get("languages") or ())
        await WorkSharingService(self.session).set_profile(
            user, examiner_id or user.id, languages, _ipc_entries(forms.first(form, "ipc_fields"))
        )

    async def _queue_actions(self, user: User, numbers: list[str]) -> dict[str, list[Action]]:
        """Claim/release as the workflow allows them on each line: three queries for the page, not one per line."""
        if not numbers:
            return {}
        now = self.clock()

        def read(session: Session) -> dict[str, list[Action]]:
            applications = session.execute(select(Application).where(Application.number.in_(numbers))).scalars().all()
            open_deadlines: dict[uuid.UUID, list[dict[str, Any]]] = {}
            query = select(DeadlineRecord.application_id, DeadlineRecord.data).where(
                DeadlineRecord.application_id.in_([a.id for a in applications]), DeadlineRecord.closed_at.is_(None)
            )
            rows = cast("Sequence[tuple[uuid.UUID, dict[str, Any]]]", session.execute(query).all())
            for app_id, data in rows:
                open_deadlines.setdefault(app_id, []).append(data)
            calendars = {}
            result = {}
            for app in applications:
                office = OfficeCode(app.receiving_office)
                if office not in calendars:
                    calendars[office] = load_calendar(session, office)
                snapshot = snapshot_of(app, open_deadlines.get(app.id, []))
                actions = allowed_actions(snapshot, actor_for(user, app), now, calendar=calendars[office])
                result[str(app.number)] = [a for a in QUEUE_ACTIONS if a in actions]
            return result

        return await self.session.run_sync(read)

    async def application_page(
        self, user: User, number: str, *, prior_art: v.PriorArt | None = None
    ) -> v.ApplicationPage:
        """The application view: file, claims, documents, history, deadlines, the actions allowed now.

        Prior art is searched only when asked (``prior_art``): embedding a query costs more than the whole page.

        Raises:
            NotFoundError: the user may not see the application (another office's unpublished file).
        """
        application = await self.filing.get_visible(user, number)
        # read everything from the loaded file first: the workflow's snapshot load refreshes the row afterwards
        bibliography = self._bibliography(application)
        claim_sets: dict[int, list[str]] = {}
        for claim in sorted(application.claims, key=lambda c: (c.claim_set, c.number)):
            claim_sets.setdefault(claim.claim_set, []).append(claim.text)
        # CPU work on stored texts of any size: off the event loop, so no other request waits for it
        claims = await anyio.to_thread.run_sync(v.claim_versions, claim_sets, application.claim_set_version)
        filed = [v.FiledDocument(d.filename, d.media_type, d.size, d.sha256) for d in application.documents]
        international = await InternationalService(self.session, self.filing).of_application(application)
        observations = await ObservationService(self.session).of_application(application)
        status = await self.examination.status(user, number)
        history = await self.examination.history(user, number)
        deadlines = await self.examination.deadlines(user, number)
        documents = await self.examination.documents(user, number)
        mentioned = [
            str(d.body.get("examiner_id")) for d in documents if isinstance(d.body, dict) and "examiner_id" in d.body
        ]
        names = await self._names(
            [status.claimed_by, *(h.actor_id for h in history), *(d.author_id for d in documents), *mentioned]
        )
        buttons = buttons_for(status.allowed_actions)
        examiners: list[tuple[str, str]] = []
        if any(b.action == Action.ASSIGN for b in buttons):
            examiners = [
                (x.examiner.examiner_id, _assignee_label(x))
                for x in await WorkSharingService(self.session).suggestions(user, number)
            ]
        return v.ApplicationPage(
            bibliography=bibliography,
            state=status.state,
            version=status.version,
            holder=names.get(status.claimed_by or "", status.claimed_by),
            held_by_me=status.claimed_by == str(user.id),
            published=status.published,
            claims=claims,
            documents=filed,
            procedural=[
                v.ProceduralDoc(
                    d.kind, d.action, d.history_seq, names.get(d.author_id, d.author_id), d.created_at, d.body
                )
                for d in documents
            ],
            timeline=[
                v.TimelineEntry(
                    seq=h.seq,
                    action=h.action,
                    from_state=h.from_state,
                    to_state=h.to_state,
                    actor=names.get(h.actor_id, h.actor_id),
                    role=str(h.role),
                    at=h.at,
                    reason=h.reason,
                )
                for h in reversed(history)  # newest first: what happened last matters most
            ],
            deadlines=[_deadline_row(d) for d in deadlines],
            buttons=buttons,
            prior_art=prior_art or await self._stored_prior_art(user, number, bibliography.reference_date),
            examiners=examiners,
            people=names,
            international=international,
            observations=observations,
        )

    @staticmethod
    def _reference(application: Application) -> Any:  # noqa: ANN401 - a date; Any keeps the import runtime-free
        return prior_art_query(application)[1].reference_date

    @staticmethod
    def _bibliography(application: Application) -> v.Bibliography:
        def parties(kind: PartyKind) -> list[v.Party]:
            return [v.Party(p.name, p.country, p.address) for p in application.parties if p.kind == kind]

        return v.Bibliography(
            number=str(application.number),
            office=application.receiving_office,
            filing_date=application.filing_date,
            received_at=application.received_at,
            language=application.language,
            title=application.title,
            abstract=application.abstract,
            applicants=parties(PartyKind.APPLICANT),
            inventors=parties(PartyKind.INVENTOR),
            priorities=[(p.office, p.number, p.filed_on) for p in application.priorities],
            ipc=[c.symbol for c in application.ipc_classes],
            reference_date=DeskService._reference(application),
            publication_date=application.publication_date,
            applicant_reference=application.applicant_reference,
            content_digest=application.content_digest,
        )

    async def _stored_prior_art(self, user: User, number: str, reference: date) -> v.PriorArt:
        """The latest search run in the background (after formalities), shown until the examiner searches again."""
        stored = await self.examination.automated_searches(user, number)
        if not stored:
            return v.PriorArt(ran=False, available=True, hits=[], reference_date=reference)
        latest = stored[0]
        found = [msgspec.convert(hit, ps.HitOut) for hit in latest.hits]
        return v.PriorArt(
            ran=True,
            available=True,
            hits=_hits(found, reference),
            reference_date=reference,
            stored_at=latest.created_at,
        )

    async def prior_art(self, user: User, number: str) -> v.PriorArt:
        """Prior art for the application, searched now with its title, abstract and current claims.

        Raises:
            NotFoundError: the user may not see the application.
        """
        application = await self.filing.get_visible(user, number)
        reference = self._reference(application)
        try:
            found = (await find_prior_art(self.state, application)).hits
        except SearchUnavailableError as exc:
            return v.PriorArt(ran=True, available=False, hits=[], reference_date=reference, message=exc.detail)
        return v.PriorArt(ran=True, available=True, hits=_hits(found, reference), reference_date=reference)

    async def treat_observation(self, user: User, number: str, observation_id: uuid.UUID, form: forms.Form) -> None:
        """Record what was done with observations, through the API's service and its schema.

        Raises:
            InvalidRequestError: the form does not name a known outcome.
        """
        observations = ObservationService(self.session)
        await observations.treatable(user, number, observation_id)  # who and what first: existence must not leak
        try:
            data = msgspec.convert(
                {"outcome": forms.first(form, "outcome"), "note": forms.first(form, "note") or None}, TreatmentIn
            )
        except msgspec.ValidationError as exc:
            raise InvalidRequestError(
                "Choose what was done with the observations.", errors=[FieldError("outcome", str(exc))]
            ) from None
        await observations.treat(user, number, observation_id, data)

    async def act(self, user: User, number: str, action: str, form: forms.Form) -> es.ActionResult:
        """Take one transition from a submitted form, through the same service call as the API.

        The form becomes the API's body and is checked by the API's schema (:class:`es.ActionIn`): building the
        struct directly skipped its checks, and reasons with NUL or BEL reached the history.

        Raises:
            NotFoundError, ConflictError, InvalidRequestError, WorkflowError: as ``POST …/actions/{action}``.
            SchemaViolationError: the form breaks the API's schema (the API's 400).
        """
        raw = {"payload": forms.payload_for(_form_kind(action), form), "reason": forms.first(form, "reason") or None}
        return await self.examination.act(user, number, action, decode(es.ActionIn, raw))

    async def document(self, user: User, number: str, sha256: str) -> tuple[str, str, bytes]:
        """A filed document's name, media type and verified bytes.

        Raises:
            NotFoundError: the user may not see the application, or it has no such document.
        """
        document, content = await self.filing.document(user, number, sha256)
        return document.filename, document.media_type, content


def _deadline_row(deadline: es.DeadlineOut) -> v.DeadlineRow:
    return v.DeadlineRow(
        kind=deadline.kind,
        due_date=deadline.due_date,
        days_left=deadline.days_left,
        on_expiry=deadline.on_expiry,
        explanation=[(s.step, s.date, s.detail) for s in deadline.explanation],
    )


def _hits(found: list[ps.HitOut], reference: date) -> list[v.Hit]:
    """Hits as the prior-art panel shows them, numbered from 1, matched terms highlighted (escaped first)."""
    return [
        v.Hit(
            index=i,
            document_id=h.document_id,
            title=h.title,
            language=h.language,
            found_by=h.found_by,
            passage=v.highlight(h.passage.text, h.matched_terms),
            passage_section=h.passage.section,
            passage_id=h.passage.id,
            publication_date=h.publication_date,
            days_before_reference=(reference - h.publication_date).days if h.publication_date else None,
            flag=h.flag,
            score=h.score,
        )
        for i, h in enumerate(found, start=1)
    ]
