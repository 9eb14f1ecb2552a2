"""Every error leaves as RFC 9457 problem details (``application/problem+json``), mapped here once."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import Empty
from litestar.utils.scope.state import ScopeState

from ctpo.db.engine import DatabaseUnavailableError
from ctpo.lib.decoding import SCHEMA_DETAIL, field_errors, plain
from ctpo.lib.errors import CtpoError, Problem
from workflows import (
    DeadlinePassed,
    Forbidden,
    GuardFailed,
    IllegalTransition,
    InvalidPayload,
    StaleSnapshotError,
    WorkflowError,
)
from workflows.machine import TRANSITIONS_BY_ACTION

if TYPE_CHECKING:
    from litestar.types import ExceptionHandlersMap

PROBLEM_JSON = "application/problem+json"
logger = logging.getLogger("ctpo.errors")

_TITLES = {
    400: "Malformed request",
    401: "Not logged in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    422: "The request cannot be accepted",
    429: "Too many requests",
    503: "Service unavailable",
}


def _response(problem: Problem, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(
        content=problem.to_dict(), status_code=problem.status, media_type=PROBLEM_JSON, headers=headers or {}
    )


def _validation_errors(request: Request[Any, Any, Any], exc: ValidationException) -> list[dict[str, str]]:
    """Each parameter at fault, and each field of the body (not only the first msgspec met, not ``data``)."""
    items = [item for item in (exc.extra if isinstance(exc.extra, list) else []) if isinstance(item, dict)]
    errors = []
    body_walked = False
    for item in items:
        if item.get("source") == "body" or item.get("key") == "data":
            if not body_walked:
                body_walked = True
                if walked := _body_errors(request):
                    errors.extend(walked)
                    continue
            else:
                continue
        field = str(item.get("key") or item.get("source") or "body")
        errors.append({"field": "body" if field == "data" else field, "message": plain(str(item.get("message", "")))})
    return errors


def _body_errors(request: Request[Any, Any, Any]) -> list[dict[str, str]]:
    """The body, already decoded by Litestar, walked against the handler's ``data`` type (every field at fault)."""
    data_field = request.route_handler.parsed_data_field
    decoded = ScopeState.from_scope(request.scope).json
    if data_field is None or decoded is Empty:
        return []
    return [{"field": e.field, "message": e.message} for e in field_errors(data_field.annotation, decoded)]


def handle_domain_error(request: Request[Any, Any, Any], exc: CtpoError) -> Response[Any]:
    """Our own errors carry their status, a human detail and the fields at fault."""
    problem = Problem(
        status=exc.status_code,
        title=exc.title,
        detail=exc.detail,
        instance=request.url.path,
        errors=[{"field": e.field, "message": e.message} | ({"code": e.code} if e.code else {}) for e in exc.errors],
        extra=exc.extra,
    )
    return _response(problem, exc.headers)


def handle_http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """Framework errors (routing, body decoding, auth, size limit) in the same shape as ours."""
    status = exc.status_code
    errors = _validation_errors(request, exc) if isinstance(exc, ValidationException) else []
    detail = exc.detail if exc.detail and exc.detail != _TITLES.get(status) else _TITLES.get(status, "Error")
    if status == 400 and errors:  # noqa: PLR2004
        detail = SCHEMA_DETAIL
    problem = Problem(
        status=status, title=_TITLES.get(status, "Error"), detail=detail, instance=request.url.path, errors=errors
    )
    headers = dict(exc.headers or {})
    if status == 401:  # noqa: PLR2004
        headers.setdefault("WWW-Authenticate", "Bearer")
    return _response(problem, headers)


def handle_workflow_error(request: Request[Any, Any, Any], exc: WorkflowError) -> Response[Any]:
    """Refusals of the examination workflow: which state, which actions are allowed now, which guard failed."""
    extra: dict[str, Any] = {}
    errors: list[dict[str, str]] = []
    detail = str(exc)
    if isinstance(exc, IllegalTransition) and exc.action not in TRANSITIONS_BY_ACTION:
        status, title = 404, "No such action"
        detail = f"There is no action {exc.action!r}; allowed now: {', '.join(exc.allowed) or '-'}."
        extra = {"action": exc.action, "allowed_actions": list(exc.allowed)}
    elif isinstance(exc, IllegalTransition):
        status, title = 409, "Not possible in the current state"
        extra = {"state": exc.state.value, "action": exc.action, "allowed_actions": list(exc.allowed)}
    elif isinstance(exc, Forbidden):
        status, title = 403, "Not allowed"
    elif isinstance(exc, InvalidPayload):
        status, title = 422, "The request cannot be accepted"
        errors = [{"field": f"payload.{exc.field}" if exc.field else "payload", "message": str(exc)}]
    elif isinstance(exc, DeadlinePassed):
        status, title = 409, "Time limit expired"
        extra = {"guard": exc.guard}
    elif isinstance(exc, GuardFailed):
        status, title = 409, "Condition not met"
        extra = {"guard": exc.guard}
    elif isinstance(exc, StaleSnapshotError):
        status, title = 409, "Changed by someone else"
    else:
        status, title = 409, "Conflict"
    if isinstance(exc, StaleSnapshotError):
        detail = "Someone else acted on this application at the same time; reload it and try again."
    problem = Problem(status=status, title=title, detail=detail, instance=request.url.path, errors=errors, extra=extra)
    return _response(problem)


DATABASE_RETRY_AFTER_SECONDS = 5
"""What a client is told to wait before retrying while the database is down."""


def handle_database_unavailable(request: Request[Any, Any, Any], exc: DatabaseUnavailableError) -> Response[Any]:
    """The database is down or restarting: 503 with Retry-After, not 500; the pool reconnects once it is back."""
    logger.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc.__cause__ or exc)
    problem = Problem(
        status=503,
        title=_TITLES[503],
        detail="The office database cannot be reached at the moment. Retry in a few seconds; a filing retried "
        "with the same Idempotency-Key is filed at most once.",
        instance=request.url.path,
        extra={"unavailable": ["database"]},
    )
    return _response(problem, {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)})


def handle_undecodable_body(request: Request[Any, Any, Any], exc: UnicodeDecodeError | RecursionError) -> Response[Any]:
    """The framework could not decode the body: bytes that are not UTF-8, or JSON nested beyond reason.

    Both are raised while Litestar decodes the request, before any handler runs, so nothing was read or stored.
    """
    detail = (
        "The request is not valid UTF-8 text."
        if isinstance(exc, UnicodeDecodeError)
        else "The request body is nested too deeply to be read."
    )
    problem = Problem(status=400, title=_TITLES[400], detail=detail, instance=request.url.path)
    return _response(problem)


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A bug: log it with the request, tell the client nothing internal."""
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    problem = Problem(
        status=HTTP_500_INTERNAL_SERVER_ERROR,
        title="Internal error",
        detail="The office system failed to handle this request. Nothing was filed. Please retry later.",
        instance=request.url.path,
    )
    return _response(problem)


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    CtpoError: handle_domain_error,
    WorkflowError: handle_workflow_error,
    HTTPException: handle_http_error,
    DatabaseUnavailableError: handle_database_unavailable,
    UnicodeDecodeError: handle_undecodable_body,
    RecursionError: handle_undecodable_body,
    Exception: handle_unexpected,
}

__all__ = ["EXCEPTION_HANDLERS", "PROBLEM_JSON", "MediaType"]
