"""Make the OpenAPI document say what the service really answers: errors are problem details, public is public.

Litestar documents a validation error as ``{"status_code", "detail", "extra"}`` in ``application/json`` and every
operation as needing the bearer token, while the service answers every error as RFC 9457 problem details
(:mod:`ctpo.server.problems`) and lets anonymous callers use the public routes. A client generated from the
schema, and the schema-driven fuzzing in ``tests/integration/test_fuzz_api.py``, rely on the document, so it is
corrected once here, after all routes are registered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Reference,
    Schema,
)
from litestar.routes import HTTPRoute

from ctpo.server.problems import PROBLEM_JSON

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.openapi.spec import Operation

PROBLEM_SCHEMA_NAME = "ProblemDetails"
_PROBLEM = Schema(
    type=OpenAPIType.OBJECT,
    description="RFC 9457 problem details; extension members (allowed_actions, retry_after, …) may follow.",
    required=["type", "title", "status", "detail"],
    properties={
        "type": Schema(type=OpenAPIType.STRING),
        "title": Schema(type=OpenAPIType.STRING),
        "status": Schema(type=OpenAPIType.INTEGER, minimum=400, maximum=599),
        "detail": Schema(type=OpenAPIType.STRING),
        "instance": Schema(type=OpenAPIType.STRING),
        "errors": Schema(
            type=OpenAPIType.ARRAY,
            description="Each field at fault, named by its path in the request.",
            items=Schema(
                type=OpenAPIType.OBJECT,
                required=["field", "message"],
                properties={"field": Schema(type=OpenAPIType.STRING), "message": Schema(type=OpenAPIType.STRING)},
            ),
        ),
    },
)
_RETRY_AFTER = OpenAPIHeader(
    description="Seconds to wait before retrying.", required=True, schema=Schema(type=OpenAPIType.STRING)
)


def _problem(description: str, *, retry_after: bool = False) -> OpenAPIResponse:
    return OpenAPIResponse(
        description=description,
        content={PROBLEM_JSON: OpenAPIMediaType(schema=Reference(f"#/components/schemas/{PROBLEM_SCHEMA_NAME}"))},
        headers={"Retry-After": _RETRY_AFTER} if retry_after else None,
    )


def _public_operations(app: Litestar) -> set[tuple[str, str]]:
    """(path, method) of the routes that opt out of authentication."""
    public = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for method, (handler, _) in route.route_handler_map.items():
            if handler.opt.get("exclude_from_auth"):
                public.add((route.path_format or "/", method.lower()))
    return public


def _response_media_types(app: Litestar) -> dict[tuple[str, str], tuple[str, ...]]:
    """(path, method) of the routes whose success body comes in one of several media types (downloads)."""
    found = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for method, (handler, _) in route.route_handler_map.items():
            if media_types := handler.opt.get("response_media_types"):
                found[route.path_format or "/", method.lower()] = tuple(media_types)
    return found


def _operations(app: Litestar) -> list[tuple[str, str, Operation]]:
    found = []
    for path, item in (app.openapi_schema.paths or {}).items():
        for method in ("get", "put", "post", "delete", "patch"):
            operation = getattr(item, method, None)
            if operation is not None:
                found.append((path, method, operation))
    return found


def document_problems(app: Litestar) -> None:
    """Rewrite the error responses, security and download types of every operation of the app (in place)."""
    openapi = app.openapi_schema
    if openapi.components.schemas is None:
        openapi.components.schemas = {}
    openapi.components.schemas[PROBLEM_SCHEMA_NAME] = _PROBLEM
    public = _public_operations(app)
    downloads = _response_media_types(app)
    for path, method, operation in _operations(app):
        responses = {code: r for code, r in (operation.responses or {}).items() if not code.startswith(("4", "5"))}
        if (path, method) in downloads:
            for response in responses.values():
                if isinstance(response, OpenAPIResponse) and response.content:
                    binary = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
                    response.content = {t: OpenAPIMediaType(schema=binary) for t in downloads[path, method]}
        responses["400"] = _problem("Malformed request: a parameter or the body does not match the schema.")
        if (path, method) in public:
            operation.security = []
        else:
            responses["401"] = _problem("No valid bearer token: missing, expired, tampered with, or account disabled.")
        if (path, method) == ("/auth/login", "post"):
            responses["429"] = _problem("Too many failed logins for this account or address.", retry_after=True)
        if (path, method) == ("/applications/{number}/observations", "post"):
            responses["429"] = _problem(
                "Too many observations from this address (CTPO_OBSERVATIONS_PER_MINUTE).", retry_after=True
            )
        responses["default"] = _problem(
            "Any other refusal or failure (403, 404, 409, 413, 415, 422, 503, …), as problem details."
        )
        operation.responses = responses
