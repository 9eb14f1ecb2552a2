"""Refuse requests that are malformed as HTTP before any handler sees them.

- **Control characters in the URL** (``%00``, ``%0a``…) in the path or the query string: 400. No identifier or
  filter of the API contains one, and PostgreSQL refuses NUL in text, so such a request could only fail later.
- **A body of another type than the operation declares**: 415. A JSON operation accepts ``application/json`` (or
  ``application/*+json``) only, a multipart one ``multipart/form-data`` only. Browsers send ``text/plain`` and
  form bodies across origins without asking first; refusing them keeps the API out of reach of such requests.
- **A compressed body** (``Content-Encoding`` other than ``identity``): 415. The service never inflates request
  bodies, so a compression bomb has nothing to explode in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes

from litestar.enums import RequestEncodingType
from litestar.exceptions import ClientException, HTTPException
from litestar.status_codes import HTTP_413_REQUEST_ENTITY_TOO_LARGE, HTTP_415_UNSUPPORTED_MEDIA_TYPE

if TYPE_CHECKING:
    from litestar import Request
    from litestar.handlers import HTTPRouteHandler

_CONTROL = frozenset(range(0x20)) | {0x7F}


class UnsupportedMediaTypeError(HTTPException):
    """415 for a body the operation does not take."""

    status_code = HTTP_415_UNSUPPORTED_MEDIA_TYPE


def _has_control(data: bytes) -> bool:
    return any(byte in _CONTROL for byte in data)


def expected_body_type(handler: HTTPRouteHandler) -> str | None:
    """``application/json``, ``multipart/form-data``… for handlers that take a body (``data``), else None."""
    data = handler.parsed_fn_signature.parameters.get("data")
    if data is None:
        return None
    media_type = getattr(data.kwarg_definition, "media_type", None) or RequestEncodingType.JSON
    return str(media_type.value if isinstance(media_type, RequestEncodingType) else media_type)


def _matches(expected: str, content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    if expected == RequestEncodingType.JSON.value:
        return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))
    return media == expected


def _has_body(request: Request[Any, Any, Any]) -> bool:
    length = request.headers.get("content-length")
    return (length is not None and length.strip() not in {"", "0"}) or "transfer-encoding" in request.headers


async def refuse_malformed_requests(request: Request[Any, Any, Any]) -> None:
    """``before_request`` hook of the app.

    Raises:
        ClientException: 400 for control characters in the URL.
        HTTPException: 413 for a declared length over ``CTPO_MAX_REQUEST_BYTES``.
        UnsupportedMediaTypeError: 415 for a body of the wrong type or a compressed body.
    """
    if _has_control(request.scope["path"].encode("utf-8", "surrogatepass")) or _has_control(
        unquote_to_bytes(request.scope.get("query_string", b""))
    ):
        raise ClientException("The URL contains control characters.")
    handler: HTTPRouteHandler = request.scope["route_handler"]  # type: ignore[assignment]
    expected = expected_body_type(handler)
    if expected is None or not _has_body(request):
        return
    limit = request.app.state.settings.server.max_request_bytes
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:  # the size is known first: say so before judging the type
        raise HTTPException(
            status_code=HTTP_413_REQUEST_ENTITY_TOO_LARGE, detail=f"The request is larger than {limit} bytes."
        )
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in {"", "identity"}:
        raise UnsupportedMediaTypeError(f"Compressed request bodies ({encoding}) are not accepted; send it as is.")
    content_type = request.headers.get("content-type", "")
    if not _matches(expected, content_type):
        raise UnsupportedMediaTypeError(
            f"This operation takes {expected}, not {content_type.split(';', 1)[0] or 'an undeclared body'}."
        )
