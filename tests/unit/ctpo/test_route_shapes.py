"""Every API route is one service call answered with a response schema (docs/architecture.md, "a route").

A handler that maps rows itself, builds a dict or composes several services puts domain shaping in HTTP code, and
the desk, which calls the same services, then shapes the same rows a second way. These tests read each handler of
``ctpo/domain/*/controllers.py``: its return annotation must be a msgspec schema (or a list, union or ``Response``
of schemas, or None) and its body, docstring aside, one ``return await service_call(...)``. The few handlers that
do HTTP's own work (issue a token, choose CSV or JSON, set replay headers) are listed with the reason; an entry
that no longer needs its exemption fails too, so the list cannot go stale.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import textwrap
import types
import typing
from pathlib import Path

import msgspec
import pytest
from litestar import Controller, Response
from litestar.handlers import HTTPRouteHandler

ROOT = Path(__file__).resolve().parents[3]

EXEMPT_BODY = {
    "accounts.login": "checks the password through the service, then issues the bearer token (HTTP auth)",
    "accounts.register": "reads the client address of the request for the service's throttle",
    "accounts.me": "answers the caller's own account (the request's user, mapped by user_out); no service",
    "fees.revenue": "the same rows as JSON or CSV, by the format parameter",
    "international.enter": "201 or a replay (200 with Idempotent-Replayed) and the Location header",
    "offices.list_offices": "the fixed table of member offices; no service",
    "filings.file_json": "201 or a replay (200 with Idempotent-Replayed), headers; base64 decoded off the loop",
    "filings.file_multipart": "201 or a replay, headers; checks the multipart parts and decodes the JSON part",
    "filings.get_document": "bytes with their media type and file name",
}
"""Handlers whose body may be more than one awaited service call, and why."""

EXEMPT_RETURN = {
    "fees.revenue": "JSON rows or a CSV text (Response[Any])",
    "filings.get_document": "the document's bytes",
}
"""Handlers whose answer is not a schema, and why."""


def _handlers() -> list[tuple[str, HTTPRouteHandler]]:
    found = []
    for path in sorted((ROOT / "ctpo" / "domain").glob("*/controllers.py")):
        context = path.parent.name
        module = importlib.import_module(f"ctpo.domain.{context}.controllers")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, Controller) or cls.__module__ != module.__name__:
                continue
            for _, member in inspect.getmembers(cls):
                if isinstance(member, HTTPRouteHandler):
                    found.append((f"{context}.{member.fn.__name__}", member))
    return sorted(found, key=lambda pair: pair[0])


HANDLERS = _handlers()


def _is_schema(hint: object) -> bool:
    """A msgspec struct, or a list, union or ``Response`` of them, or None."""
    if hint is None or hint is type(None):
        return True
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in {list, typing.Union, types.UnionType}:
        return all(_is_schema(arg) for arg in args)
    if origin is Response or (isinstance(origin, type) and issubclass(origin, Response)):
        return all(_is_schema(arg) for arg in args)
    return isinstance(hint, type) and issubclass(hint, msgspec.Struct)


def _one_service_call(handler: HTTPRouteHandler) -> bool:
    """The body, docstring aside, is ``return await call(...)`` (or ``await call(...)`` for a 204)."""
    function = ast.parse(textwrap.dedent(inspect.getsource(handler.fn))).body[0]
    assert isinstance(function, ast.AsyncFunctionDef | ast.FunctionDef)
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    if len(body) != 1 or not isinstance(body[0], ast.Return | ast.Expr):
        return False
    value = body[0].value
    return isinstance(value, ast.Await) and isinstance(value.value, ast.Call)


def test_the_handlers_are_found():
    names = {name for name, _ in HANDLERS}
    assert {"fees.pay", "examination.history", "representatives.mine", "accounts.list_staff"} <= names
    assert set(EXEMPT_BODY) <= names, "an exemption names a handler that does not exist"
    assert set(EXEMPT_RETURN) <= names, "an exemption names a handler that does not exist"


@pytest.mark.parametrize(("name", "handler"), HANDLERS, ids=[name for name, _ in HANDLERS])
def test_a_route_answers_a_response_schema(name: str, handler: HTTPRouteHandler):
    hint = typing.get_type_hints(handler.fn, include_extras=False)["return"]
    assert _is_schema(hint) != (name in EXEMPT_RETURN), (
        f"{name} returns {hint}: answer a schema from the context's schemas.py (a service method returns it)"
        if name not in EXEMPT_RETURN
        else f"{name} now returns a schema: remove it from EXEMPT_RETURN"
    )


@pytest.mark.parametrize(("name", "handler"), HANDLERS, ids=[name for name, _ in HANDLERS])
def test_a_route_is_one_service_call(name: str, handler: HTTPRouteHandler):
    assert _one_service_call(handler) != (name in EXEMPT_BODY), (
        f"{name} does more than return one awaited service call: move the mapping or composition into the service"
        if name not in EXEMPT_BODY
        else f"{name} is now one service call: remove it from EXEMPT_BODY"
    )
