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

from ctpo.lib.logs import request_id

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

HEADER: Final = "x-request-id"
_SANE: Final = re.compile(r"[A-Za-z0-9._:-]{1,64}")
"""What an incoming id may look like; anything else (long, odd characters) is replaced rather than logged."""

access_log = logging.getLogger("ctpo.access")


def incoming_id(scope: Scope) -> str:
    """The request's id: the sane ``X-Request-ID`` it came with, or a new random one."""
    for name, value in scope.get("headers", []):
        if name.decode("latin-1").lower() == HEADER:
            candidate = value.decode("latin-1")
            if _SANE.fullmatch(candidate):
                return candidate
    return uuid.uuid4().hex


def request_id_middleware(app: ASGIApp) -> ASGIApp:
    """ASGI middleware: bind the id, echo it in the response, log one access record."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        rid = incoming_id(scope)
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableScopeHeaders.from_message(message)[HEADER] = rid
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        finally:
            access_log.info(
                "%s %s %d",
                scope.get("method", ""),
                scope.get("path", ""),
                status,
                extra={
                    "method": scope.get("method"),
                    "path": scope.get("path"),
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "client": (scope.get("client") or ("", 0))[0],
                },
            )
            request_id.reset(token)

    return middleware
