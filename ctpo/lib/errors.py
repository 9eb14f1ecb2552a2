"""One hierarchy of domain errors; the HTTP layer maps them to RFC 9457 problem details in one place."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class FieldError:
    """One thing wrong with one field of a request, said so a person can fix it."""

    field: str
    """Where in the request: a dotted path such as ``claims[2].text``."""
    message: str
    code: str = ""
    """What kind of fault, stable for clients and translations (``required``, ``too_long``…); empty if unclassified."""
    params: dict[str, object] = dataclasses.field(default_factory=dict)
    """The values the message names (``{"limit": 500}``), for a translated message."""


class CtpoError(Exception):
    """Base of every error the service raises on purpose."""

    status_code: int = 500
    title: str = "Internal error"

    def __init__(
        self, detail: str, *, errors: list[FieldError] | None = None, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.extra = extra or {}

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers the response must carry (``Retry-After`` of a 429 or 503); none by default."""
        return {}


class InvalidRequestError(CtpoError):
    """The request is well-formed but says something the office cannot accept."""

    status_code = 422
    title = "The request cannot be accepted"


class NotFoundError(CtpoError):
    """Nothing the caller may see exists under that name (also used where existence must not leak)."""

    status_code = 404
    title = "Not found"


class ForbiddenError(CtpoError):
    """The caller is known but their role does not allow this."""

    status_code = 403
    title = "Not allowed"


class ConflictError(CtpoError):
    """The request clashes with the current state of a resource."""

    status_code = 409
    title = "Conflict"


class UnsupportedMediaError(CtpoError):
    """An uploaded document is not of a type the office accepts."""

    status_code = 415
    title = "Unsupported document type"


class PayloadTooLargeError(CtpoError):
    """An upload exceeds the configured limit."""

    status_code = 413
    title = "Too large"


@dataclass(frozen=True, slots=True)
class Problem:
    """An RFC 9457 problem details body."""

    status: int
    title: str
    detail: str
    type: str = "about:blank"
    instance: str | None = None
    errors: list[dict[str, str]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON body, with extension members flattened in as RFC 9457 allows."""
        body: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status, "detail": self.detail}
        if self.instance:
            body["instance"] = self.instance
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extra)
        return body
