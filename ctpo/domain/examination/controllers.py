"""HTTP endpoints of examination: state and allowed actions, transitions, history, deadlines, queues, calendars."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post, put
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.security.jwt import Token
from litestar.status_codes import HTTP_200_OK

from ctpo.db.models import User
from ctpo.domain.examination import schemas as s
from ctpo.domain.examination.dossier import DossierService
from ctpo.domain.examination.services import ExaminationService
from ctpo.domain.filings.services import FilingService


class ExaminationController(Controller):
    """The examination workflow of one application."""

    path = "/applications/{number:str}"
    tags = ["Examination"]  # noqa: RUF012

    @get("/state", summary="State and the actions you may take now")
    async def state(
        self,
        request: Request[User, Token, Any],
        number: FromPath[str],
        examination_service: NamedDependency[ExaminationService],
    ) -> s.StateOut:
        """What the caller may do now: the desk offers exactly these."""
        return await examination_service.status(request.user, number)

    @post("/actions/{action:str}", status_code=HTTP_200_OK, summary="Take an action (transition)")
    async def act(
        self,
        request: Request[User, Token, Any],
        number: FromPath[str],
        action: FromPath[str],
        data: JSONBody[s.ActionIn],
        examination_service: NamedDependency[ExaminationService],
    ) -> s.ActionResult:
        """Checked for state, role, office and deadline; 409 lists what is allowed now."""
        return await examination_service.act(request.user, number, action, data)

    @get("/history", summary="The append-only history")
    async def history(
        self,
        request: Request[User, Token, Any],
        number: FromPath[str],
        examination_service: NamedDependency[ExaminationService],
    ) -> list[s.HistoryOut]:
        """Every transition with actor, role, office, time and payload digest."""
        return await examination_service.history(request.user, number)

    @get("/deadlines", summary="Open deadlines, each explained step by step")
    async def deadlines(
        self,
        request: Request[User, Token, Any],
        number: FromPath[str],
        examination_service: NamedDependency[ExaminationService],
    ) -> list[s.DeadlineOut]:
        """Trigger, period, month-end rule, each non-working day skipped, due date."""
        return await examination_service.deadlines(request.user, number)

    @get("/dossier", summary="The examiner's view: file, state, history, deadlines, office actions side by side")
    async def dossier(
        self,
        request: Request[User, Token, Any],
        number: FromPath[str],
        examination_service: NamedDependency[ExaminationService],
        filing_service: NamedDependency[FilingService],
        state: State,
    ) -> s.DossierOut:
        """One round trip for the desk; the same visibility rules as each part."""
        return await DossierService(examination_service, filing_service, state).dossier(request.user, number)

    @get("/procedural-documents", summary="Office actions, responses, search reports")
    async def documents(
        self,
        request: Request[User, Token, Any],
        number: FromPath[str],
        examination_service: NamedDependency[ExaminationService],
        kind: Annotated[str | None, QueryParameter(name="kind", max_length=40)] = None,
    ) -> list[s.ProceduralDocumentOut]:
        """As issued; a search report exists (and is shown) only once the examiner has issued it."""
        return await examination_service.documents(request.user, number, kind)


class OfficeWorkController(Controller):
    """An office's queue and calendar."""

    path = "/offices/{office:str}"
    tags = ["Examination"]  # noqa: RUF012

    @get("/queue", summary="The office's queue, nearest deadline first")
    async def queue(
        self,
        request: Request[User, Token, Any],
        office: FromPath[str],
        examination_service: NamedDependency[ExaminationService],
        in_state: Annotated[str | None, QueryParameter(name="state", max_length=40)] = None,
        ipc: Annotated[
            str | None, QueryParameter(name="ipc", max_length=20, description="IPC prefix, e.g. H01M")
        ] = None,
        language: Annotated[str | None, QueryParameter(name="language", max_length=2)] = None,
        limit: Annotated[int, QueryParameter(name="limit", ge=1, le=500)] = 50,
        offset: Annotated[int, QueryParameter(name="offset", ge=0, le=10_000_000)] = 0,
    ) -> list[s.QueueItem]:
        """Examiners and administrators of the office."""
        return await examination_service.queue(
            request.user, office, state=in_state, ipc=ipc, language=language, limit=limit, offset=offset
        )

    @get("/calendar", summary="The office's calendar corrections")
    async def calendar(
        self,
        request: Request[User, Token, Any],
        office: FromPath[str],
        examination_service: NamedDependency[ExaminationService],
    ) -> list[s.CalendarDayOut]:
        """Closures and openings on top of the statutory holidays."""
        return await examination_service.calendar_days(request.user, office)

    @put("/calendar/{day:date}", summary="Record a closure or an opening; running deadlines move")
    async def set_day(
        self,
        request: Request[User, Token, Any],
        office: FromPath[str],
        day: FromPath[date],
        data: JSONBody[s.CalendarDayIn],
        examination_service: NamedDependency[ExaminationService],
    ) -> s.CalendarChangeOut:
        """Office administrators; each moved deadline is logged in its application's history."""
        return await examination_service.change_calendar(request.user, office, day, kind=data.kind, reason=data.reason)

    @delete("/calendar/{day:date}", status_code=HTTP_200_OK, summary="Remove a correction; deadlines move back")
    async def remove_day(
        self,
        request: Request[User, Token, Any],
        office: FromPath[str],
        day: FromPath[date],
        examination_service: NamedDependency[ExaminationService],
    ) -> s.CalendarChangeOut:
        """Office administrators."""
        return await examination_service.change_calendar(request.user, office, day, kind=None)
