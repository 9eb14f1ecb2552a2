"""HTTP of the examiner's desk: server-rendered pages under ``/desk`` on the API's services and permissions.

Handlers read the request, call one :class:`DeskService` method and pick a template; the rules live in the
services. Every route opts out of the API's bearer-token middleware and resolves its user from the desk's own
cookie instead (:mod:`ctpo.desk.session`), with the same account checks.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.exceptions import HTTPException
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER
from sqlalchemy.ext.asyncio import AsyncSession

from ctpo.desk import forms
from ctpo.desk import views as v
from ctpo.desk.i18n import LANGUAGE_NAMES, LANGUAGES, Translator, choose_language
from ctpo.desk.preferences import remember_language, stored_language
from ctpo.desk.refusals import describe
from ctpo.desk.services import DeskService
from ctpo.desk.session import (
    CSRF_FIELD,
    CSRF_HEADER,
    LANGUAGE_COOKIE,
    PRESESSION_COOKIE,
    SESSION_COOKIE,
    DeskCsrfError,
    DeskForbiddenError,
    DeskLoginRequiredError,
    DeskSession,
    cookie,
    csrf_matches,
    csrf_token,
    decode_session,
    expired,
    new_presession,
    require_staff,
    resolve_user,
)
from ctpo.domain.accounts.schemas import LoginIn
from ctpo.domain.accounts.services import AccountService, AuthenticationError
from ctpo.domain.accounts.throttle import LoginThrottledError, ThrottlePolicy
from ctpo.domain.audit.context import UNKNOWN_ADDRESS, current_request
from ctpo.domain.examination.services import ExaminationService
from ctpo.domain.filings.services import FilingService
from ctpo.lib.decoding import SchemaViolationError, decode
from ctpo.lib.errors import CtpoError, InvalidRequestError, NotFoundError
from ctpo.server.auth import PUBLIC, issue_token, revoke
from ctpo.server.problems import handle_workflow_error
from workflows import WorkflowError
from workflows.states import STAFF_ROLES

logger = logging.getLogger("ctpo.desk")
PARTIAL_HEADER = "X-Desk-Partial"
"""Sent by desk.js when it wants a fragment of the page to swap in, not the whole page."""
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
"""Pages hold unpublished applications: never cached, never framed, no script but the desk's own."""


def provide_desk_service(
    db_session: NamedDependency[AsyncSession],
    filing_service: NamedDependency[FilingService],
    examination_service: NamedDependency[ExaminationService],
    state: State,
) -> DeskService:
    """The page service over this request's filing and examination services."""
    return DeskService(db_session, filing_service, examination_service, state)


async def provide_desk_session(request: Request[Any, Any, Any]) -> DeskSession:
    """The logged-in office staff member (or a redirect to the login page)."""
    return await require_staff(request)


def language_of(request: Request[Any, Any, Any]) -> str:
    """The examiner's chosen interface language, else the browser's, else English."""
    return choose_language(request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language"))


def _here(request: Request[Any, Any, Any]) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def _page_of(request: Request[Any, Any, Any]) -> str:
    """The page a form was posted from: where the language form of a page shown after a refusal leads back to.

    (Its own address is the form's target, which has no GET: switching language there answered a raw 405.)
    """
    number = request.path_params.get("number")
    return f"/desk/applications/{quote(str(number))}" if number else request.url.path  # the login form has a GET


def safe_next(target: str | None, default: str = "/desk/queue") -> str:
    """A redirect target inside the desk only (no open redirect to another site)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/desk/") or "\\" in target:
        return default
    return target


def _with_query(url: str, **params: str) -> str:
    extra = "&".join(f"{k}={quote(val)}" for k, val in params.items())
    return f"{url}{'&' if '?' in url else '?'}{extra}"


def render(
    request: Request[Any, Any, Any],
    template: str,
    *,
    desk: DeskSession | None = None,
    status_code: int = 200,
    csrf: str | None = None,
    **context: Any,  # noqa: ANN401 - template variables
) -> Template:
    """A desk page in the chosen language, with what every page needs (user, CSRF token, language form)."""
    lang = language_of(request)
    return Template(
        template_name=template,
        context={
            "t": Translator(lang),
            "lang": lang,
            "languages": LANGUAGES,
            "language_names": LANGUAGE_NAMES,
            "desk": desk,
            "csrf": csrf if csrf is not None else (desk.csrf_token if desk else ""),
            "csrf_field": CSRF_FIELD,
            "here": _here(request) if request.method == "GET" else _page_of(request),
            "done": request.query_params.get("done", ""),
            "error": None,
            "submitted": v.NOTHING_SUBMITTED,
            **context,
        },
        status_code=status_code,
        headers=SECURITY_HEADERS,
    )


def _partial(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get(PARTIAL_HEADER) == "1"


async def _form(request: Request[Any, Any, Any]) -> dict[str, list[str]]:
    data = await request.form()
    return {key: [str(x) for x in data.getall(key)] for key in data}


def form_value(form: forms.Form, name: str) -> str:
    """A field exactly as typed (a password keeps its spaces)."""
    values = form.get(name) or ()
    return values[0] if values else ""


def _check_csrf(request: Request[Any, Any, Any], form: forms.Form, bound_to: str | None) -> None:
    offered = forms.first(form, CSRF_FIELD) or request.headers.get(CSRF_HEADER)
    if not csrf_matches(request.app.state.settings.auth.secret_key, bound_to, offered):
        raise DeskCsrfError


def _error_status(request: Request[Any, Any, Any], exc: CtpoError | WorkflowError) -> int:
    if isinstance(exc, CtpoError):
        return exc.status_code
    return handle_workflow_error(request, exc).status_code or 409  # the API's mapping, so both answer alike


def _message(t: Translator, exc: CtpoError | WorkflowError) -> tuple[str, str]:
    """A headline in the examiner's language and what is wrong, translated where the desk can name it."""
    notice = describe(t, exc, {})
    said = [notice.explanation] if notice.explanation else [f"{name}: {what}" for name, what in notice.problems]
    return notice.headline, " ".join(said) or notice.detail


def _login_redirect(request: Request[Any, Any, Any], _: Exception) -> Response[Any]:
    target = _here(request) if request.method == "GET" else request.headers.get("referer", "")
    path = urlsplit(target).path + (f"?{urlsplit(target).query}" if urlsplit(target).query else "")
    return Redirect(_with_query("/desk/login", next=safe_next(path)), status_code=HTTP_303_SEE_OTHER)


def _error_page(request: Request[Any, Any, Any], status: int, headline: str, detail: str = "") -> Response[Any]:
    template = "desk/_alert.html" if _partial(request) else "desk/error.html"
    return render(request, template, status_code=status, headline=headline, detail=detail)


def _not_staff(request: Request[Any, Any, Any], _: Exception) -> Response[Any]:
    return _error_page(request, 403, Translator(language_of(request))("error.staff_only"))


def _csrf_failed(request: Request[Any, Any, Any], _: Exception) -> Response[Any]:
    return _error_page(request, 403, Translator(language_of(request))("error.csrf"))


def _domain_error(request: Request[Any, Any, Any], exc: CtpoError) -> Response[Any]:
    headline, detail = _message(Translator(language_of(request)), exc)
    return _error_page(request, exc.status_code, headline, detail)


def _workflow_error(request: Request[Any, Any, Any], exc: WorkflowError) -> Response[Any]:
    headline, detail = _message(Translator(language_of(request)), exc)
    return _error_page(request, _error_status(request, exc), headline, detail)


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    t = Translator(language_of(request))
    return _error_page(request, exc.status_code, t("error.generic"), str(exc.detail or ""))


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _error_page(request, 500, Translator(language_of(request))("error.generic"))


class DeskController(Controller):
    """The examiner's desk: login, the office queue, the application view and its actions."""

    path = "/desk"
    opt = PUBLIC
    include_in_schema = False
    dependencies = {  # noqa: RUF012
        "desk_service": Provide(provide_desk_service, sync_to_thread=False),
        "desk": Provide(provide_desk_session),
    }
    exception_handlers = {  # noqa: RUF012
        DeskLoginRequiredError: _login_redirect,
        DeskForbiddenError: _not_staff,
        DeskCsrfError: _csrf_failed,
        CtpoError: _domain_error,
        WorkflowError: _workflow_error,
        HTTPException: _http_error,
        Exception: _unexpected,
    }

    @get("/")
    async def home(self) -> Redirect:
        """The desk starts at the queue."""
        return Redirect("/desk/queue", status_code=HTTP_303_SEE_OTHER)

    @get("/login")
    async def login_form(
        self,
        request: Request[Any, Any, Any],
        next_url: Annotated[str, QueryParameter(name="next", max_length=500)] = "",
    ) -> Response[Any]:
        """The login form; a pre-session cookie binds its CSRF token."""
        user = await resolve_user(request, request.cookies.get(SESSION_COOKIE))
        if user is not None and user.role in STAFF_ROLES:
            return Redirect(safe_next(next_url), status_code=HTTP_303_SEE_OTHER)
        return self._login_page(request, next_url)

    @staticmethod
    def _login_page(
        request: Request[Any, Any, Any], next_url: str, *, error: str | None = None, status_code: int = 200
    ) -> Response[Any]:
        presession = request.cookies.get(PRESESSION_COOKIE) or new_presession()
        secret = request.app.state.settings.auth.secret_key
        response = render(
            request,
            "desk/login.html",
            csrf=csrf_token(secret, presession),
            next_url=safe_next(next_url),
            error=error,
            status_code=status_code,
        )
        response.cookies.append(cookie(PRESESSION_COOKIE, presession, max_age=None, secure=_over_https()))
        return response

    @post("/login", status_code=HTTP_303_SEE_OTHER)
    async def login(
        self,
        request: Request[Any, Any, Any],
        account_service: NamedDependency[AccountService],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Response[Any]:
        """Check the credentials like ``POST /auth/login`` and keep the same token in an HttpOnly cookie."""
        form = await _form(request)
        _check_csrf(request, form, request.cookies.get(PRESESSION_COOKIE))
        next_url = forms.first(form, "next")
        t = Translator(language_of(request))
        context = current_request()
        try:  # the API's own schema and login: the same checks and the same throttle apply to the desk
            credentials = decode(
                LoginIn, {"email": forms.first(form, "email"), "password": form_value(form, "password")}
            )
            user = await account_service.login(
                credentials.email,
                credentials.password,
                address=context.client_address if context else UNKNOWN_ADDRESS,
                policy=ThrottlePolicy.from_settings(state.settings),
            )
        except SchemaViolationError:
            return self._login_page(request, next_url, error=t("error.invalid"), status_code=400)
        except AuthenticationError:
            return self._login_page(request, next_url, error=t("login.failed"), status_code=401)
        except LoginThrottledError as exc:
            page = self._login_page(request, next_url, error=t("login.throttled"), status_code=429)
            page.headers.update(exc.headers)
            return page
        if user.role not in STAFF_ROLES:
            return self._login_page(request, next_url, error=t("error.staff_only"), status_code=403)
        ttl = timedelta(seconds=state.settings.auth.token_ttl_seconds)
        token = issue_token(state.jwt_auth, user, ttl)
        response = Redirect(safe_next(next_url), status_code=HTTP_303_SEE_OTHER)
        secure = _over_https()
        response.cookies.append(cookie(SESSION_COOKIE, token, max_age=int(ttl.total_seconds()), secure=secure))
        response.cookies.append(expired(PRESESSION_COOKIE))
        language = await stored_language(db_session, user.id)  # the account's choice follows it to this browser
        if language is not None:
            response.cookies.append(cookie(LANGUAGE_COOKIE, language, max_age=LANGUAGE_COOKIE_SECONDS, secure=secure))
        return response

    @post("/logout", status_code=HTTP_303_SEE_OTHER)
    async def logout(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Response[Any]:
        """Revoke the session's token and forget the cookie (the form carries the session's CSRF token)."""
        form = await _form(request)
        _check_csrf(request, form, request.cookies.get(SESSION_COOKIE))
        token = decode_session(request, request.cookies.get(SESSION_COOKIE))
        if token is not None:
            await revoke(db_session, token)  # a copy of the cookie stops working too
        response = Redirect("/desk/login", status_code=HTTP_303_SEE_OTHER)
        response.cookies.append(expired(SESSION_COOKIE))
        return response

    @post("/language", status_code=HTTP_303_SEE_OTHER)
    async def set_language(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Response[Any]:
        """Remember the interface language chosen: in this browser, and on the account when logged in."""
        form = await _form(request)
        session_cookie = request.cookies.get(SESSION_COOKIE)
        _check_csrf(request, form, session_cookie or request.cookies.get(PRESESSION_COOKIE))
        language = forms.first(form, "language")
        user = await resolve_user(request, session_cookie)
        if user is not None:
            await remember_language(db_session, user.id, language)
        response = Redirect(safe_next(forms.first(form, "next")), status_code=HTTP_303_SEE_OTHER)
        if language in LANGUAGES:
            secure = _over_https()
            response.cookies.append(cookie(LANGUAGE_COOKIE, language, max_age=LANGUAGE_COOKIE_SECONDS, secure=secure))
        return response

    @get("/queue")
    async def queue(
        self,
        request: Request[Any, Any, Any],
        desk: NamedDependency[DeskSession],
        desk_service: NamedDependency[DeskService],
        in_state: Annotated[str, QueryParameter(name="state", max_length=40)] = "",
        ipc: Annotated[str, QueryParameter(name="ipc", max_length=20)] = "",
        language: Annotated[str, QueryParameter(name="language", max_length=2)] = "",
        page: Annotated[int, QueryParameter(name="page", ge=1, le=100_000)] = 1,
    ) -> Template:
        """The office queue, nearest deadline first, 50 a page."""
        filters = v.QueueFilters(state=in_state.strip(), ipc=ipc.strip(), language=language.strip())
        queue = await desk_service.queue_page(desk.user, filters, page)
        template = "desk/_queue_results.html" if _partial(request) else "desk/queue.html"
        return render(request, template, desk=desk, q=queue)

    @get("/sharing")
    async def sharing(
        self,
        request: Request[Any, Any, Any],
        desk: NamedDependency[DeskSession],
        desk_service: NamedDependency[DeskService],
    ) -> Template:
        """Work sharing: an examiner's languages and IPC fields; an administrator's files lent and borrowed."""
        page = await desk_service.sharing_page(desk.user)
        saved = request.query_params.get("saved") == "1"
        return render(request, "desk/sharing.html", desk=desk, s=page, saved=saved)

    @post("/sharing", status_code=HTTP_303_SEE_OTHER)
    async def save_profile(
        self,
        request: Request[Any, Any, Any],
        desk: NamedDependency[DeskSession],
        desk_service: NamedDependency[DeskService],
    ) -> Response[Any]:
        """The examiner declares what they read and examine; a refusal shows the page again, naming the entry."""
        return await self._save(request, desk, desk_service, None)

    @post("/sharing/examiners/{user_id:uuid}", status_code=HTTP_303_SEE_OTHER)
    async def save_examiner_profile(
        self,
        request: Request[Any, Any, Any],
        user_id: FromPath[uuid.UUID],
        desk: NamedDependency[DeskSession],
        desk_service: NamedDependency[DeskService],
    ) -> Response[Any]:
        """An administrator maintains the profile of an examiner of their office (as the API does, audited)."""
        return await self._save(request, desk, desk_service, user_id)

    async def _save(
        self,
        request: Request[Any, Any, Any],
        desk: DeskSession,
        desk_service: DeskService,
        examiner_id: uuid.UUID | None,
    ) -> Response[Any]:
        form = await _form(request)
        _check_csrf(request, form, request.cookies.get(SESSION_COOKIE))
        try:
            await desk_service.save_profile(desk.user, form, examiner_id)
        except InvalidRequestError as exc:
            page = await desk_service.sharing_page(desk.user)
            error = describe(Translator(language_of(request)), exc, form)
            return render(request, "desk/sharing.html", desk=desk, s=page, saved=False, status_code=422, error=error)
        return Redirect("/desk/sharing?saved=1", status_code=HTTP_303_SEE_OTHER)

    @get("/applications/{number:str}")
    async def application(
        self,
        request: Request[Any, Any, Any],
        number: FromPath[str],
        desk: NamedDependency[DeskSession],
        desk_service: NamedDependency[DeskService],
    ) -> Template:
        """The application view (prior art is searched on request, see :meth:`prior_art`)."""
        page = await desk_service.application_page(desk.user, number)
        return render(request, "desk/application.html", desk=desk, a=page)

    @get("/applications/{number:str}/prior-art")
    async def prior_art(
        self,
        request: Request[Any, Any, Any],
        number: FromPath[str],
        desk: NamedDependency[DeskSession],
        desk_service: NamedDependency[DeskService],
    ) -> Template:
        """Search prior art now: the panel alone for desk.js, the whole page without script."""
        found = await desk_service.prior_art(desk.user, number)
        page = await desk_service.application_page(desk.user, number, prior_art=found)
        template = "desk/_prior_art.html" if _partial(request) else "desk/application.html"
        return render(request, template, desk=desk, a=page)

    @post("/applications/{number:str}", status_code=HTTP_303_SEE_OTHER)
    async def act(
        self,
        request: Request[Any, Any, Any],
        number: FromPath[str],
        desk: NamedDependency[DeskSession],
        desk_service: NamedDependency[DeskService],
    ) -> Response[Any]:
        """Take the transition named by the form's ``transition`` field through the API's service.

        The forms post to the page's own address: after a refusal the page is shown again *there*, with the
        message in the page's language and the form filled in as it was sent, so a reload or a language switch
        stays on the application (the address was ``…/actions/<action>``, which answered a raw 405 on reload).
        """
        form = await _form(request)
        _check_csrf(request, form, request.cookies.get(SESSION_COOKIE))
        action = forms.first(form, "transition")  # not "action": it would shadow form.action in the browser
        back = safe_next(forms.first(form, "next"), default=f"/desk/applications/{quote(number)}")
        try:
            await desk_service.act(desk.user, number, action, form)
        except (CtpoError, WorkflowError) as exc:
            if isinstance(exc, NotFoundError) or _partial(request):
                raise
            page = await desk_service.application_page(desk.user, number)
            return render(
                request,
                "desk/application.html",
                desk=desk,
                a=page,
                status_code=_error_status(request, exc),
                error=describe(Translator(language_of(request)), exc, form),
                submitted=v.Submitted(action, form),
            )
        return Redirect(_with_query(back, done=action), status_code=HTTP_303_SEE_OTHER)

    @post("/applications/{number:str}/observations/{observation_id:uuid}", status_code=HTTP_303_SEE_OTHER)
    async def treat_observation(
        self,
        request: Request[Any, Any, Any],
        number: FromPath[str],
        observation_id: FromPath[uuid.UUID],
        desk: NamedDependency[DeskSession],
        desk_service: NamedDependency[DeskService],
    ) -> Response[Any]:
        """Record what was done with third-party observations; back to the file, or the page with the refusal."""
        form = await _form(request)
        _check_csrf(request, form, request.cookies.get(SESSION_COOKIE))
        try:
            await desk_service.treat_observation(desk.user, number, observation_id, form)
        except CtpoError as exc:
            if isinstance(exc, NotFoundError):
                raise
            page = await desk_service.application_page(desk.user, number)
            return render(
                request,
                "desk/application.html",
                desk=desk,
                a=page,
                status_code=_error_status(request, exc),
                error=describe(Translator(language_of(request)), exc, form),
            )
        back = _with_query(f"/desk/applications/{quote(number)}", done="record_observation_outcome")
        return Redirect(f"{back}#observations", status_code=HTTP_303_SEE_OTHER)

    @get("/applications/{number:str}/documents/{sha256:str}")
    async def document(
        self,
        number: FromPath[str],
        sha256: FromPath[str],
        desk: NamedDependency[DeskSession],
        desk_service: NamedDependency[DeskService],
    ) -> Response[bytes]:
        """A filed document, as an attachment (never rendered inline: it is the applicant's content)."""
        filename, media_type, content = await desk_service.document(desk.user, number, sha256)
        disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
        headers = {**SECURITY_HEADERS, "Content-Disposition": disposition}
        return Response(content, media_type=media_type, headers=headers)


def _over_https() -> bool:
    """Cookies get ``Secure`` over HTTPS, also behind the documented proxy (its ``X-Forwarded-Proto``)."""
    context = current_request()
    return context is not None and context.https
