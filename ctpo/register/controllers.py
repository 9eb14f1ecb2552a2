"""HTTP of the public register: server-rendered pages under ``/register``, no login, in the seven languages.

Handlers pick the language, call one function of :mod:`ctpo.register.services` and render a template. Every
route is public, rate-limited per client and cacheable; an unknown and an unpublished file get the same 404.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote

import anyio
from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER
from sqlalchemy.ext.asyncio import AsyncSession

from ctpo.db.models import utcnow
from ctpo.desk.i18n import LANGUAGE_NAMES, LANGUAGES, choose_language
from ctpo.domain.prior_art.runtime import SearchNotReadyError
from ctpo.domain.prior_art.services import SearchUnavailableError, hits_out, search_runtime
from ctpo.domain.publications.documents import publication_data
from ctpo.exchange.st96 import export_st96
from ctpo.lib.ratelimit import RateLimiter
from ctpo.register import services
from ctpo.register.bulletin import bulletin, bulletin_xml
from ctpo.register.i18n import RegisterTranslator
from ctpo.server.auth import PUBLIC
from ctpo.server.quotas import spend
from workflows import OFFICES, OfficeCode
from workflows.bulletin import BulletinIssue, issue_named, issue_of_day

if TYPE_CHECKING:
    from ctpo.lib.settings import Settings

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_KIND = re.compile(r"^[AB][1-9]$")
MAX_QUERY = 500


async def register_quota(request: Request[Any, Any, Any], rate_limiter: RateLimiter) -> None:
    """Every register route depends on it: one request of the client's per-minute rate, refused with 429 first.

    Raises:
        RateLimitedError: over the rate (``CTPO_REGISTER_RATE``), said in the page's language.
    """
    settings: Settings = request.app.state.settings
    refusal = RegisterTranslator(_language(request))("register.too_many")
    await spend(rate_limiter, "register", settings.rate_limits.register_requests_per_minute, refusal)


def _language(request: Request[Any, Any, Any]) -> str:
    return choose_language(request.query_params.get("lang"), request.headers.get("accept-language"))


def _page(request: Request[Any, Any, Any], name: str, status: int = 200, **context: object) -> Template:
    lang = _language(request)
    here = request.url.path
    settings: Settings = request.app.state.settings
    # published data changes only by new events: a short public cache, per language; errors are not cached long
    max_age = settings.publication.register_cache_seconds if status == 200 else 30  # noqa: PLR2004
    return Template(
        template_name=f"register/{name}.html",
        status_code=status,
        headers={"Cache-Control": f"public, max-age={max_age}", "Vary": "Accept-Language"},
        context={
            "t": RegisterTranslator(lang),
            "lang": lang,
            "languages": LANGUAGES,
            "language_names": LANGUAGE_NAMES,
            "here": here,
            "q": request.query_params,
            "link": lambda path: f"{path}{'&' if '?' in path else '?'}lang={lang}",
            **context,
        },
    )


def _not_found(request: Request[Any, Any, Any]) -> Template:
    return _page(request, "not_found", status=404)


def _xml(content: bytes, settings: Settings) -> Response[bytes]:
    """Register data for machines: XML, cached publicly as long as the pages (bulletin issues and ST.96 alike)."""
    return Response(
        content,
        media_type="application/xml; charset=utf-8",
        headers={"Cache-Control": f"public, max-age={settings.publication.register_cache_seconds}"},
    )


def _issue(state: State, year: int, week: int) -> BulletinIssue | None:
    """The issue ``year``/``week``, or ``None`` if there is no such week."""
    try:
        return issue_named(year, week, state.settings.publication.bulletin_weekday)
    except (ValueError, OverflowError):
        return None


class RegisterController(Controller):
    """The public register: look up, read, inspect, search."""

    path = "/register"
    opt = PUBLIC
    include_in_schema = False
    dependencies = {"_quota": Provide(register_quota)}  # noqa: RUF012 - every route takes it: one request spent

    @get("/", name="register:home")
    async def home(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        _quota: NamedDependency[None],
    ) -> Template:
        """The search forms and the latest publications."""
        return _page(request, "home", recent=await services.recent(db_session))

    @get("/search", name="register:search")
    async def search(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        _quota: NamedDependency[None],
        number: Annotated[str | None, QueryParameter(max_length=MAX_QUERY)] = None,
        name: Annotated[str | None, QueryParameter(max_length=MAX_QUERY)] = None,
    ) -> Template | Redirect:
        """By number (straight to the entry) or by a party's name in any script."""
        if number and number.strip():
            app = await services.find_application(db_session, number)
            if app is None:
                return _page(request, "results", status=404, results=[], query=number)
            return Redirect(f"/register/{quote(app.number)}?lang={_language(request)}", status_code=HTTP_303_SEE_OTHER)
        results = await services.search_names(db_session, name or "") if name else []
        return _page(request, "results", results=results, query=name or "")

    @get("/prior-art", name="register:prior-art")
    async def prior_art(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        _quota: NamedDependency[None],
        state: State,
        text: Annotated[str | None, QueryParameter(max_length=MAX_QUERY)] = None,
    ) -> Template:
        """Prior-art search over published documents only (the corpus holds nothing else; hits are checked)."""
        if not text or not text.strip():
            return _page(request, "prior_art", hits=[], text="", unavailable=False)
        try:
            runtime = search_runtime(state)
            hits = await anyio.to_thread.run_sync(lambda: hits_out(runtime.search(text, k=20), runtime))
        except (SearchUnavailableError, SearchNotReadyError):
            return _page(request, "prior_art", status=503, hits=[], text=text, unavailable=True)
        filing_numbers = [h.document_id for h in hits if services.looks_like_application_number(h.document_id)]
        published = await services.published_ids(db_session, filing_numbers)
        hits = [
            h for h in hits if not services.looks_like_application_number(h.document_id) or h.document_id in published
        ]
        return _page(request, "prior_art", hits=hits, text=text, unavailable=False)

    @get("/bulletin", name="register:bulletin-current")
    async def current_bulletin(
        self, request: Request[Any, Any, Any], state: State, _quota: NamedDependency[None]
    ) -> Redirect:
        """The issue of the current week (on the calendar of the westernmost office, where the week ends last)."""
        today = OFFICES[OfficeCode.TR].local_date(utcnow())
        issue = issue_of_day(today, state.settings.publication.bulletin_weekday)
        return Redirect(
            f"/register/bulletin/{issue.year}/{issue.week}?lang={_language(request)}", status_code=HTTP_303_SEE_OTHER
        )

    @get("/bulletin/{year:int}/{week:int}", name="register:bulletin")
    async def bulletin_page(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        _quota: NamedDependency[None],
        state: State,
        year: FromPath[int],
        week: FromPath[int],
    ) -> Template:
        """One issue as a page: the week's publications and legal events."""
        issue = _issue(state, year, week)
        if issue is None:
            return _not_found(request)
        previous = issue_of_day(issue.start - timedelta(days=1), state.settings.publication.bulletin_weekday)
        return _page(request, "bulletin", content=await bulletin(db_session, issue), previous=previous)

    @get("/bulletin/{year:int}/{week:int}/xml", name="register:bulletin-xml")
    async def bulletin_data(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        _quota: NamedDependency[None],
        state: State,
        year: FromPath[int],
        week: FromPath[int],
    ) -> Response[bytes] | Template:
        """One issue as XML, for machines."""
        issue = _issue(state, year, week)
        if issue is None:
            return _not_found(request)
        content = await bulletin(db_session, issue)
        # A week's XML grows with the office's output: built in a thread, like the ST.96 export.
        return _xml(await anyio.to_thread.run_sync(bulletin_xml, content), state.settings)

    @get("/{number:str}", name="register:entry")
    async def entry(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        _quota: NamedDependency[None],
        number: FromPath[str],
    ) -> Template:
        """Bibliographic data, legal status, published documents, open documents and citations of one file."""
        found = await services.entry(db_session, number)
        if found is None:
            return _not_found(request)
        return _page(request, "entry", entry=found, app=found.application)

    @get("/{number:str}/publications/{kind:str}", name="register:publication")
    async def publication(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        _quota: NamedDependency[None],
        state: State,
        number: FromPath[str],
        kind: FromPath[str],
    ) -> Response[bytes] | Template:
        """The published document's PDF (``XT 0000017 A1``), as stored under its SHA-256."""
        if not _KIND.match(kind.upper()):
            return _not_found(request)
        digest = await services.published_pdf_digest(db_session, number, kind)
        if digest is None:
            return _not_found(request)
        content = await anyio.to_thread.run_sync(state.document_store.get, digest)
        return Response(
            content,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'inline; filename="{digest[:16]}-{kind.upper()}.pdf"',
                "ETag": f'"{digest}"',
                "Cache-Control": "public, max-age=31536000, immutable",
            },
        )

    @get("/{number:str}/publications/{kind:str}/st96", name="register:st96")
    async def st96(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        _quota: NamedDependency[None],
        number: FromPath[str],
        kind: FromPath[str],
    ) -> Response[bytes] | Template:
        """The published document's bibliographic data, abstract, description and claims as WIPO ST.96 XML."""
        if not _KIND.match(kind.upper()):
            return _not_found(request)
        found = await services.publication_id(db_session, number, kind)
        if found is None:
            return _not_found(request)
        data = await db_session.run_sync(lambda session: publication_data(session, found))
        return _xml(await anyio.to_thread.run_sync(export_st96, data), request.app.state.settings)

    @get("/{number:str}/documents/{sha256:str}", name="register:document")
    async def document(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        _quota: NamedDependency[None],
        state: State,
        number: FromPath[str],
        sha256: FromPath[str],
    ) -> Response[bytes] | Template:
        """A document filed with a published application (file inspection)."""
        if not _SHA256.match(sha256):
            return _not_found(request)
        document = await services.open_document(db_session, number, sha256)
        if document is None:
            return _not_found(request)
        content = await anyio.to_thread.run_sync(state.document_store.get, sha256)
        return Response(
            content,
            media_type=document.media_type,
            headers={
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(document.filename)}",
                "X-Content-Type-Options": "nosniff",
                "ETag": f'"{sha256}"',
            },
        )
