"""HTTP endpoints of filing: thin, each calls one service method."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

import anyio
import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import FormMultiDict, UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, HeaderParameter, JSONBody, QueryParameter
from litestar.security.jwt import Token
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from ctpo.db.models import Role, User
from ctpo.domain.filings import schemas as s
from ctpo.domain.filings.document_types import ACCEPTED
from ctpo.domain.filings.services import FilingService, Upload, uploads_from_json
from ctpo.lib.errors import FieldError, ForbiddenError, InvalidRequestError
from ctpo.server.request_session import SINGLE_STATEMENT_WRITES

IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        max_length=200,
        required=False,
        description="Any unique string; a retried request with the same key returns the first receipt.",
    ),
]


@dataclass
class MultipartFiling:
    """A filing as ``multipart/form-data``: the application as JSON, documents as files."""

    application: str
    """The application, JSON-encoded as for ``POST /applications`` (without ``documents``)."""
    documents: list[UploadFile] = field(default_factory=list)


MULTIPART_PARTS = ("application", "documents")
"""The parts a multipart filing has: one ``application`` (JSON), one ``documents`` per file."""


def _check_parts(form: FormMultiDict) -> None:
    """Refuse parts the filing does not name, or a missing or repeated application part.

    A part under another name (``document``, ``file``) would otherwise be dropped while the filing succeeds
    without it: for a legal filing, the worst outcome. Nothing is filed unless every part is accounted for.

    Raises:
        InvalidRequestError: naming each unexpected part and the expected ones.
    """
    names = [name for name, _value in form.multi_items()]
    errors = [
        FieldError(name, "unknown part; a multipart filing has one part 'application' and a part 'documents' per file")
        for name in dict.fromkeys(names)
        if name not in MULTIPART_PARTS
    ]
    if names.count("application") != 1:
        errors.append(
            FieldError("application", f"exactly one 'application' part is needed, not {names.count('application')}")
        )
    if errors:
        raise InvalidRequestError("The multipart filing has parts it does not take; nothing was filed.", errors=errors)


def _require_applicant(user: User) -> None:
    if user.role != Role.APPLICANT:
        raise ForbiddenError("Only applicants and their representatives file applications.")


def _receipt_response(result: Any) -> Response[s.Receipt]:  # noqa: ANN401 - FilingResult, kept loose for Litestar
    headers = {"Location": f"/applications/{result.receipt.application_number}"}
    if not result.created:
        headers["Idempotent-Replayed"] = "true"
    status = HTTP_201_CREATED if result.created else HTTP_200_OK
    return Response(result.receipt, status_code=status, headers=headers)


class FilingController(Controller):
    """Filing and reading applications."""

    path = "/applications"
    tags = ["Filing"]  # noqa: RUF012 - Litestar's declared type

    @post(
        "/",
        summary="File an application (JSON)",
        description="Files at once and returns the receipt. Documents may be sent inline as base64.",
        status_code=HTTP_201_CREATED,
        opt={SINGLE_STATEMENT_WRITES: True},  # the filing writes with one statement (FilingService.file)
    )
    async def file_json(
        self,
        request: Request[User, Token, Any],
        data: JSONBody[s.ApplicationIn],
        filing_service: NamedDependency[FilingService],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[s.Receipt]:
        """File an application sent as JSON."""
        _require_applicant(request.user)
        # base64 of megabytes is CPU: decoded in a worker thread (no documents, no hand-off)
        uploads = await anyio.to_thread.run_sync(uploads_from_json, data.documents) if data.documents else []
        result = await filing_service.file(request.user, data, uploads, idempotency_key=idempotency_key)
        return _receipt_response(result)

    @post(
        "/multipart",
        summary="File an application with document files (multipart)",
        description="Part `application` holds the JSON application; each `documents` part is a PDF, XML or "
        "plain-text file. Returns the receipt with each document's SHA-256.",
        status_code=HTTP_201_CREATED,
        opt={SINGLE_STATEMENT_WRITES: True},
    )
    async def file_multipart(
        self,
        request: Request[User, Token, Any],
        data: Annotated[MultipartFiling, Body(media_type=RequestEncodingType.MULTI_PART)],
        filing_service: NamedDependency[FilingService],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[s.Receipt]:
        """File an application sent as multipart form data."""
        _require_applicant(request.user)
        _check_parts(await request.form())  # parsed once already for ``data``; cached on the request
        try:
            application = msgspec.json.decode(data.application, type=s.ApplicationIn)
        except msgspec.ValidationError as exc:
            raise InvalidRequestError(
                "The 'application' part does not match the application schema.",
                errors=[FieldError("application", str(exc).replace("`", "'"))],
            ) from None
        except msgspec.DecodeError:
            raise InvalidRequestError(
                "The 'application' part is not valid JSON.", errors=[FieldError("application", "not valid JSON")]
            ) from None
        if application.documents:
            raise InvalidRequestError(
                "Send documents as file parts in a multipart filing, not inline.",
                errors=[FieldError("application.documents", "must be empty in a multipart filing")],
            )
        uploads = [
            Upload(f"documents[{i}]", upload.filename or f"document-{i}", await upload.read(), upload.content_type)
            for i, upload in enumerate(data.documents)
        ]  # counted with the inline ones' limit by the service
        result = await filing_service.file(request.user, application, uploads, idempotency_key=idempotency_key)
        return _receipt_response(result)

    @get("/", summary="List the applications you can see")
    async def list_applications(
        self,
        request: Request[User, Token, Any],
        filing_service: NamedDependency[FilingService],
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
        offset: Annotated[int, QueryParameter(ge=0, le=10_000_000)] = 0,
    ) -> list[s.ApplicationSummary]:
        """Applicants see their own; staff see their office's."""
        return await filing_service.list_visible(request.user, limit=limit, offset=offset)

    @get("/{number:str}", summary="Read an application")
    async def get_application(
        self, request: Request[User, Token, Any], number: FromPath[str], filing_service: NamedDependency[FilingService]
    ) -> s.ApplicationOut:
        """The whole file; 404 for files you may not see, so their existence does not leak."""
        return await filing_service.read(request.user, number)

    @get("/{number:str}/receipt", summary="The filing receipt, again")
    async def get_receipt(
        self, request: Request[User, Token, Any], number: FromPath[str], filing_service: NamedDependency[FilingService]
    ) -> s.Receipt:
        """The same receipt as at filing."""
        return await filing_service.receipt(request.user, number)

    @get(
        "/{number:str}/documents/{sha256:str}",
        summary="Download a document",
        media_type="application/octet-stream",
        opt={"response_media_types": ACCEPTED},  # sent as what it is (ctpo.server.openapi documents each)
    )
    async def get_document(
        self,
        request: Request[User, Token, Any],
        number: FromPath[str],
        sha256: FromPath[str],
        filing_service: NamedDependency[FilingService],
    ) -> Response[bytes]:
        """The stored bytes, verified against their hash before they are sent."""
        document, content = await filing_service.document(request.user, number, sha256)
        return Response(
            content,
            media_type=document.media_type,
            headers={
                "Content-Disposition": f"attachment; filename*=UTF-8''{_quote(document.filename)}",
                "Digest": f"sha-256={sha256}",
            },
        )


def _quote(filename: str) -> str:
    from urllib.parse import quote  # noqa: PLC0415

    return quote(filename, safe="")
