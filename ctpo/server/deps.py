"""Request-scoped dependencies: a database session per request and the services built on it."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from ctpo.domain.accounts.services import AccountService
from ctpo.domain.examination.services import ExaminationService
from ctpo.domain.fees.services import FeeService
from ctpo.domain.filings.services import FilingService
from ctpo.domain.legal_status.services import LegalStatusService
from ctpo.server.request_session import request_session


def provide_db_session(request: Request[Any, Any, Any]) -> AsyncSession:
    """One session per request (the one the token lookup used), rolled back at the end unless a service committed."""
    return request_session(request)


def provide_filing_service(state: State, db_session: NamedDependency[AsyncSession]) -> FilingService:
    """The filing service bound to this request's session."""
    settings = state.settings
    return FilingService(
        db_session, state.document_store, max_document_bytes=settings.max_document_bytes, clock=state.clock
    )


def provide_account_service(db_session: NamedDependency[AsyncSession]) -> AccountService:
    """The account service bound to this request's session."""
    return AccountService(db_session)


def provide_examination_service(state: State, db_session: NamedDependency[AsyncSession]) -> ExaminationService:
    """The examination service bound to this request's session and the app's clock."""
    return ExaminationService(db_session, clock=state.clock)


def provide_legal_status_service(db_session: NamedDependency[AsyncSession]) -> LegalStatusService:
    """The legal-status service bound to this request's session."""
    return LegalStatusService(db_session)


def provide_fee_service(state: State, db_session: NamedDependency[AsyncSession]) -> FeeService:
    """The fee service bound to this request's session and the app's clock."""
    return FeeService(db_session, clock=state.clock)
