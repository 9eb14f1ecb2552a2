"""Every request gets an id: the proxy's or client's ``X-Request-ID`` when it is a sane token, else a new one.

The id is put in the logging context (:data:`ctpo.lib.logs.request_id`) for every record logged while the
request runs, returned in the response's ``X-Request-ID``, and one access record per request is logged with it.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import TYPE_CHECKING, Final

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType

from ctpo.lib.logs import ACCESS_LOGGER, request_id

if TYPE_CHECKING:
    from litestar.config.app import AppConfig
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

HEADER: Final = "x-request-id"
_SANE: Final = re.compile(r"[A-Za-z0-9._:-]{1,64}")
"""What an incoming id may look like; anything else (long, odd characters) is replaced rather than logged."""

access_log = logging.getLogger(ACCESS_LOGGER)


def incoming_id(scope: Scope) -> str:
    """The request's id: the sane ``X-Request-ID`` it came with, or a new random one."""
    for name, value in scope.get("headers", []):
        if name.decode("latin-1").lower() == HEADER:
            candidate = value.decode("latin-1")
            if _SANE.fullmatch(candidate):
                return candidate
    return uuid.uuid4().hex


_STATE_KEY: Final = "ctpo_request"


def request_id_middleware(app: ASGIApp) -> ASGIApp:
    """ASGI middleware: bind the request id to the logging context and remember it and the start time."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        rid = incoming_id(scope)
        scope.setdefault("state", {})[_STATE_KEY] = (rid, time.perf_counter())
        token = request_id.set(rid)
        try:
            await app(scope, receive, send)
        finally:
            request_id.reset(token)

    return middleware


async def stamp_response(message: Message, scope: Scope) -> None:
    """``before_send`` hook: the id in the response headers, and one access record per response.

    A hook rather than the middleware's own ``send``: errors raised in other middleware (a 401 from
    authentication) are answered by Litestar's exception handling, which sends past every middleware.
    """
    if message["type"] != "http.response.start" or scope["type"] != ScopeType.HTTP:
        return
    rid, started = scope.get("state", {}).get(_STATE_KEY, (None, None))
    if rid is None:  # answered by the router before any middleware ran (unknown path, wrong method)
        rid, started = incoming_id(scope), None
    MutableScopeHeaders.from_message(message)[HEADER] = rid
    token = request_id.set(rid)
    try:
        access_log.info(
            "%s %s %d",
            scope.get("method", ""),
            scope.get("path", ""),
            message["status"],
            extra={
                "method": scope.get("method"),
                "path": scope.get("path"),
                "status": message["status"],
                "duration_ms": None if started is None else round((time.perf_counter() - started) * 1000, 2),
                "client": (scope.get("client") or ("", 0))[0],
            },
        )
    finally:
        request_id.reset(token)


def outermost_request_ids(app_config: AppConfig) -> AppConfig:
    """``on_app_init`` hook: the request-id middleware outside every other one, authentication included.

    Every record logged while the request runs, in authentication too, then carries the id. Register it after
    the auth hook. It also adds :func:`stamp_response` to ``before_send``.
    """
    app_config.middleware.insert(0, request_id_middleware)
    app_config.before_send.append(stamp_response)
    return app_config
