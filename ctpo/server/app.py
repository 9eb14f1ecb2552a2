"""The application factory: everything the service is made of, assembled from settings in one place."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import anyio
from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme, Tag

from ctpo.background import hear_calendar_changes, run_in_process_jobs, run_in_process_sweeper, run_search
from ctpo.db.engine import create_engine, create_session_factory
from ctpo.db.migrate import upgrade
from ctpo.db.models import utcnow
from ctpo.desk import DeskController, static_files_router, template_config
from ctpo.domain.accounts.controllers import AuthController, MeController, StaffController
from ctpo.domain.audit.context import request_context_middleware, trusted_networks
from ctpo.domain.audit.controllers import AuditController
from ctpo.domain.examination.calendars import SHARED_CALENDARS, SharedCalendars
from ctpo.domain.examination.controllers import ExaminationController, OfficeWorkController
from ctpo.domain.fees.controllers import FeeController, MoneyController
from ctpo.domain.filings.controllers import FilingController
from ctpo.domain.filings.services import MAX_DOCUMENTS
from ctpo.domain.filings.storage import DocumentStore
from ctpo.domain.international.controllers import InternationalController
from ctpo.domain.jobs.controllers import JobController
from ctpo.domain.legal_status.controllers import LegalStatusController
from ctpo.domain.notifications.controllers import CommunicationController, InboxController
from ctpo.domain.observations.controllers import ObservationController
from ctpo.domain.offices.controllers import OfficeController, health
from ctpo.domain.prior_art.controllers import SearchController
from ctpo.domain.publications.controllers import PublicationController
from ctpo.domain.representatives.controllers import (
    OfficeRepresentativeController,
    PowerOfAttorneyController,
    RepresentativeListController,
)
from ctpo.domain.transfers.controllers import TransferController
from ctpo.domain.worksharing.controllers import (
    AssignableExaminersController,
    ExaminerProfileController,
    SharedFilesController,
)
from ctpo.lib.logs import configure_logging
from ctpo.lib.memory import freeze_long_lived
from ctpo.lib.ratelimit import RateLimiter, rate_limiter_for
from ctpo.lib.settings import Settings, get_settings
from ctpo.register import TEMPLATES as REGISTER_TEMPLATES
from ctpo.register import RegisterController
from ctpo.server.api_docs import assets_router, render_plugins
from ctpo.server.auth import build_jwt_auth
from ctpo.server.deps import (
    provide_account_service,
    provide_db_session,
    provide_examination_service,
    provide_fee_service,
    provide_filing_service,
    provide_legal_status_service,
)
from ctpo.server.home import home
from ctpo.server.observability import PROMETHEUS, HealthController, MetricsController
from ctpo.server.openapi import document_problems
from ctpo.server.openapi_payloads import document_action_payloads
from ctpo.server.problems import EXCEPTION_HANDLERS
from ctpo.server.request_guards import refuse_malformed_requests
from ctpo.server.request_ids import outermost_request_ids
from ctpo.server.request_session import outer_request_session
from ctpo.server.response_headers import outermost_response_headers

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator
    from contextlib import AbstractAsyncContextManager

logger = logging.getLogger("ctpo")

API_DESCRIPTION = """\
Filing, examination and prior-art search for the Common Turkic Patent Organization (TR, AZ, KZ, KG, UZ).

Log in with `POST /auth/login` and send the token as `Authorization: Bearer <token>`.
Every error is RFC 9457 problem details (`application/problem+json`) naming the fields at fault.
"""


def _lifespan(rate_limiter: RateLimiter) -> AbstractAsyncContextManager[None]:
    from contextlib import asynccontextmanager  # noqa: PLC0415

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncGenerator[None, None]:
        # The settings the handlers read (app.state.settings): one source for the whole app, which lets the tests
        # start one built app on a fresh database and data folder per test (tests/conftest.py: app).
        settings: Settings = app.state.settings
        await anyio.to_thread.run_sync(upgrade, settings.database_url)
        engine = create_engine(settings.database_url)
        app.state.engine = engine
        # PostgreSQL: the process keeps the calendars it read, told of changes by LISTEN (hear_calendar_changes)
        calendars = SharedCalendars() if engine.dialect.name == "postgresql" else None
        app.state.calendars = calendars
        app.state.session_factory = create_session_factory(
            engine, {SHARED_CALENDARS: calendars} if calendars is not None else None
        )
        await anyio.to_thread.run_sync(app.state.document_store.sweep_incoming)  # leftovers of killed writes
        if settings.load_sample_data:
            from ctpo.demo import load_demo  # noqa: PLC0415 - only the demo start needs it

            await load_demo(app.state.session_factory, app.state.document_store)
        if settings.server.freeze_long_lived:  # the app, its routes and the demo data: kept until the process exits
            freeze_long_lived()
        try:
            async with (
                asynccontextmanager(run_in_process_sweeper)(settings),
                asynccontextmanager(run_search)(settings, app.state),
                asynccontextmanager(run_in_process_jobs)(settings, app.state),
                asynccontextmanager(hear_calendar_changes)(settings, calendars),
            ):
                yield
        finally:
            await engine.dispose()
            await rate_limiter.aclose()

    return lifespan  # type: ignore[return-value]


def create_app(settings: Settings | None = None) -> Litestar:
    """A configured service; ``settings`` defaults to the environment."""
    settings = settings or get_settings()
    configure_logging(settings)
    jwt_auth = build_jwt_auth(settings)
    # a misconfigured list stops the start, not the first login
    proxies = trusted_networks(settings.server.trusted_proxies)
    rate_limiter = rate_limiter_for(settings)  # one per process; its buckets in Redis when CTPO_REDIS_URL is set
    state = State(
        {
            "settings": settings,
            "jwt_auth": jwt_auth,
            "document_store": DocumentStore(settings.storage_dir),
            "clock": utcnow,  # tests replace it to live through twenty years of renewals
            "search": None,  # the SearchRuntime once ctpo.background.run_search starts it; None while off
        }
    )
    openapi = OpenAPIConfig(
        title="CTPO filing system",
        version="0.1.0",
        description=API_DESCRIPTION,
        tags=[
            Tag(name="Filing", description="File applications and read them back"),
            Tag(name="Examination", description="The shared workflow: actions, history, deadlines, queues"),
            Tag(name="Search", description="Cross-lingual prior-art search"),
            Tag(name="Publication", description="Published documents (ST.16 kinds) and their corrections"),
            Tag(name="Accounts", description="Login, registration and office staff"),
            Tag(name="Representation", description="Registered representatives and powers of attorney"),
            Tag(name="Offices", description="Member offices"),
            Tag(name="Operations", description="Liveness and readiness"),
        ],
        components=Components(
            security_schemes={"BearerToken": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")}
        ),
        security=[{"BearerToken": []}],
        render_plugins=render_plugins(),
        path="/schema",
    )
    app = Litestar(
        route_handlers=[
            FilingController,
            InternationalController,
            TransferController,
            ObservationController,
            InboxController,
            CommunicationController,
            ExaminationController,
            LegalStatusController,
            FeeController,
            MoneyController,
            OfficeWorkController,
            SearchController,
            PublicationController,
            AuthController,
            MeController,
            StaffController,
            AuditController,
            ExaminerProfileController,
            AssignableExaminersController,
            SharedFilesController,
            OfficeController,
            HealthController,
            JobController,
            RepresentativeListController,
            OfficeRepresentativeController,
            PowerOfAttorneyController,
            MetricsController,
            health,
            DeskController,
            RegisterController,
            static_files_router(),
            assets_router(),
            home,
        ],
        state=state,
        dependencies={
            "db_session": Provide(provide_db_session, sync_to_thread=False),
            "filing_service": Provide(provide_filing_service, sync_to_thread=False),
            "account_service": Provide(provide_account_service, sync_to_thread=False),
            "examination_service": Provide(provide_examination_service, sync_to_thread=False),
            "legal_status_service": Provide(provide_legal_status_service, sync_to_thread=False),
            "fee_service": Provide(provide_fee_service, sync_to_thread=False),
            "rate_limiter": Provide(lambda: rate_limiter, use_cache=True, sync_to_thread=False),
        },
        on_app_init=[jwt_auth.on_app_init, outer_request_session, outermost_request_ids, outermost_response_headers],
        middleware=[PROMETHEUS.middleware, request_context_middleware(proxies)],
        exception_handlers=EXCEPTION_HANDLERS,
        before_request=refuse_malformed_requests,
        openapi_config=openapi,
        logging_config=None,  # configure_logging owns the root logger (Litestar's replaced it: no request ids)
        template_config=template_config(REGISTER_TEMPLATES),
        request_max_body_size=settings.server.max_request_bytes,
        multipart_form_part_limit=MAX_DOCUMENTS + 10,  # beyond: refused while parsing; up to it: 422 naming the count
        lifespan=[_lifespan(rate_limiter)],
    )
    document_problems(app)
    document_action_payloads(app)
    return app


def app_factory() -> Litestar:
    """Entry point for ASGI servers started with ``--factory``."""
    return create_app()
