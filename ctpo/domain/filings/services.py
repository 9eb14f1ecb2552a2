"""Filing: validate, store documents durably, number and record the application in one transaction."""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio
import msgspec
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ctpo.db.inserts import InsertBatch, collecting_inserts
from ctpo.db.models import (
    Application,
    Claim,
    Document,
    IdempotencyRecord,
    IpcClass,
    Party,
    PartyKind,
    PriorityClaim,
    Role,
    User,
    utcnow,
)
from ctpo.domain.access import FileAccess, concerning
from ctpo.domain.audit.services import record_list_read
from ctpo.domain.examination.store import apply_decision, load_calendar, snapshot_columns
from ctpo.domain.filings import schemas as s
from ctpo.domain.filings.document_types import check_document
from ctpo.domain.filings.numbering import insert_numbered
from ctpo.domain.filings.validation import check_filename, validate_application
from ctpo.domain.representatives.services import RepresentationService
from ctpo.lib.errors import ConflictError, FieldError, InvalidRequestError, NotFoundError, PayloadTooLargeError
from workflows import Actor, open_application
from workflows.offices import OfficeCode, get_office
from workflows.texts import without_claim_number

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence
    from datetime import date, datetime

    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import Session

    from ctpo.domain.filings.storage import DocumentStore
    from workflows import Decision

MAX_DOCUMENTS = 50
"""Documents in one filing, however they are sent (JSON inline or multipart parts)."""

INLINE_CHECK_CHARS = 64 * 1024
"""Up to this much text, and with no documents, a filing's checks run on the event loop, not in a worker thread.

Checking and digesting the text is linear in its size: ~0.02 ms for a usual filing, ~0.2 ms for 60 000 characters
(measured for issue 13), less than the hand-off to a thread and back, which costs two wake-ups of the process."""


@dataclass(frozen=True, slots=True)
class Upload:
    """A document as received, before it is checked."""

    field: str
    """Where in the request it came from, for error messages."""
    filename: str
    content: bytes
    declared_type: str | None


@dataclass(frozen=True, slots=True)
class Opening:
    """How a file opens when it is not a direct filing (entry of an international application).

    The filing path stays one: validation, document storage, numbering, idempotency and the first history entry
    are the same; only the legal filing date, the workflow's first decision and a few extra rows differ.
    """

    filing_date: date
    """The legal filing date (PCT Art. 11(3): the international filing date)."""
    content: dict[str, Any]
    """What else was received, canonical JSON: it goes into the content digest of the receipt."""
    first_decision: Callable[[str, OfficeCode, Actor, datetime, date | None, dict[str, Any], Any], Decision]
    """``(application_id, office, actor, now, earliest_priority, payload, calendar)`` → the file's first decision."""
    extra_rows: Callable[[uuid.UUID, datetime], list[tuple[Any, list[dict[str, Any]]]]]
    """Rows to insert with the application, by model."""
    duplicate: Callable[[AsyncSession], Awaitable[str | None]]
    """Why this opening was already made (a second entry of the same international application), or ``None``."""


@dataclass(frozen=True, slots=True)
class FilingResult:
    """The receipt, and whether this request created the application or replayed an earlier one."""

    receipt: s.Receipt
    created: bool


def uploads_from_json(documents: Sequence[s.DocumentIn]) -> list[Upload]:
    """Decode inline base64 documents of a JSON filing.

    Raises:
        InvalidRequestError: a document's content is not valid base64.
    """
    uploads, errors = [], []
    for i, doc in enumerate(documents):
        try:
            content = base64.b64decode(doc.content_base64, validate=True)
        except (binascii.Error, ValueError):
            errors.append(FieldError(f"documents[{i}].content_base64", "is not valid base64"))
            continue
        uploads.append(Upload(f"documents[{i}]", doc.filename, content, doc.media_type))
    if errors:
        raise InvalidRequestError("A document could not be decoded; nothing was filed.", errors=errors)
    return uploads


def content_digest(
    application: s.ApplicationIn, documents: Sequence[s.DocumentReceipt], extra: dict[str, Any] | None = None
) -> str:
    """SHA-256 of the canonical JSON of what was received, documents by hash instead of bytes."""
    content = msgspec.to_builtins(application)
    if extra:
        content["international"] = extra
    content.pop("on_behalf_of", None)  # who files for whom is not content: the digest covers what was filed
    content["documents"] = [msgspec.to_builtins(doc) for doc in documents]
    canonical = msgspec.json.encode(content, order="sorted")
    return hashlib.sha256(canonical).hexdigest()


class FilingService:
    """Files applications and reads them back within the caller's rights."""

    def __init__(
        self,
        session: AsyncSession,
        store: DocumentStore,
        *,
        max_document_bytes: int,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.session = session
        self.store = store
        self.max_document_bytes = max_document_bytes
        self.clock = clock

    async def file(
        self,
        owner: User,
        application: s.ApplicationIn,
        uploads: Sequence[Upload],
        idempotency_key: str | None,
        opening: Opening | None = None,
    ) -> FilingResult:
        """File an application and return its receipt; nothing is stored if any check fails.

        Raises:
            InvalidRequestError: the application breaks a filing rule, or the idempotency key was used for
                a different request.
            PayloadTooLargeError: a document exceeds the size limit.
            UnsupportedMediaError: a document is not PDF, XML or plain text.
        """
        received_at = self.clock()
        known = application.receiving_office in OfficeCode.__members__
        office = get_office(application.receiving_office) if known else None
        filing_date = office.local_date(received_at) if office else received_at.date()
        if opening is not None:
            filing_date = opening.filing_date
        ipc, receipts, application, digest = await self._checked(application, uploads, filing_date, opening)
        assert office is not None  # noqa: S101

        if idempotency_key is not None:
            replay = await self._replay(owner, idempotency_key, digest)
            if replay is not None:
                return FilingResult(replay, created=False)
        applicant = await self._applicant_of_record(owner, application.on_behalf_of)
        if opening is not None and (duplicate := await opening.duplicate(self.session)) is not None:
            raise ConflictError(duplicate)

        for upload in uploads:  # durable before the row that names them commits (fsync: in a worker thread)
            await anyio.to_thread.run_sync(self.store.put, upload.content)

        try:
            receipt = await self._insert(
                owner=owner,
                applicant=applicant,
                data=application,
                ipc=ipc,
                receipts=receipts,
                digest=digest,
                received_at=received_at,
                filing_date=filing_date,
                idempotency_key=idempotency_key,
                opening=opening,
            )
            await self.session.commit()
        except IntegrityError:
            await self.session.rollback()
            replay = None
            if idempotency_key is not None:
                replay = await self._replay(owner, idempotency_key, digest)  # a concurrent retry won the race
            if replay is None and opening is not None and (duplicate := await opening.duplicate(self.session)):
                raise ConflictError(duplicate) from None  # a concurrent entry of the same application won
            if replay is None:
                raise
            return FilingResult(replay, created=False)
        return FilingResult(receipt, created=True)

    async def _applicant_of_record(self, filer: User, on_behalf_of: str | None) -> User:
        """Who owns the file: the filer, or the client a representative files for under a general authorisation.

        Raises:
            InvalidRequestError: the filer holds no general power of attorney from that account.
        """
        if on_behalf_of is None:
            return filer
        client = (
            await self.session.execute(select(User).where(User.email == on_behalf_of.strip().lower()))
        ).scalar_one_or_none()
        if (
            client is None
            or client.role != Role.APPLICANT
            or not client.is_active
            or client.id == filer.id
            or not await RepresentationService(self.session).active_general(filer, client)
        ):
            raise InvalidRequestError(
                "You can file for a client only as their registered representative with a general power of attorney.",
                errors=[FieldError("on_behalf_of", "no general power of attorney from this account is in force")],
            )
        return client

    async def _checked(
        self, application: s.ApplicationIn, uploads: Sequence[Upload], filing_date: date, opening: Opening | None
    ) -> tuple[list[str], list[s.DocumentReceipt], s.ApplicationIn, str]:
        """Every check of a filing before anything is stored: IPC symbols, document receipts, the content, its digest.

        Validation, hashing and content checks are CPU over megabytes: they run in a worker thread, so no other
        request waits for them.

        Raises:
            InvalidRequestError: too many documents, or a rule broken.
        """
        if len(uploads) > MAX_DOCUMENTS:  # the same count for inline and multipart documents
            raise InvalidRequestError(
                f"{len(uploads)} documents were sent; a filing takes at most {MAX_DOCUMENTS}. Nothing was filed.",
                errors=[FieldError("documents", f"at most {MAX_DOCUMENTS} documents")],
            )

        def check() -> tuple[list[str], list[s.DocumentReceipt], s.ApplicationIn, str]:
            symbols = validate_application(application, filing_date)  # rejects unknown offices
            receipts = [self._check_upload(upload) for upload in uploads]
            received = msgspec.structs.replace(application, documents=[])
            return symbols, receipts, received, content_digest(received, receipts, opening.content if opening else None)

        if not uploads and _text_size(application) <= INLINE_CHECK_CHARS:
            return check()
        return await anyio.to_thread.run_sync(check)

    def _check_upload(self, upload: Upload) -> s.DocumentReceipt:
        check_filename(upload.field, upload.filename)
        if len(upload.content) > self.max_document_bytes:
            raise PayloadTooLargeError(
                f"'{upload.filename}' is {len(upload.content)} bytes; the limit is {self.max_document_bytes}.",
                errors=[FieldError(upload.field, f"larger than {self.max_document_bytes} bytes")],
            )
        media_type = check_document(upload.field, upload.filename, upload.content, upload.declared_type)
        return s.DocumentReceipt(
            filename=upload.filename,
            media_type=media_type,
            size=len(upload.content),
            sha256=hashlib.sha256(upload.content).hexdigest(),
        )

    async def _replay(self, owner: User, key: str, digest: str) -> s.Receipt | None:
        record = await self.session.get(IdempotencyRecord, (owner.id, key))
        if record is None:
            return None
        if record.request_digest != digest:
            raise InvalidRequestError(
                "This Idempotency-Key was already used for a different application; use a new key.",
                errors=[FieldError("Idempotency-Key", "reused with a different request body")],
            )
        query = select(Application).options(selectinload(Application.documents))  # all a receipt shows
        application = (await self.session.execute(query.where(Application.id == record.application_id))).scalar_one()
        return receipt_of(application)

    async def _insert(
        self,
        *,
        owner: User,
        applicant: User,
        data: s.ApplicationIn,
        ipc: list[str],
        receipts: list[s.DocumentReceipt],
        digest: str,
        received_at: datetime,
        filing_date: date,
        idempotency_key: str | None,
        opening: Opening | None,
    ) -> s.Receipt:
        """Write the application and everything it names, in the caller's transaction.

        Core inserts rather than the ORM unit of work: filing is the hottest write path, and the rows are new. Every
        row, the first decision's included, is collected into one batch (:mod:`ctpo.db.inserts`) and written with
        the number: on PostgreSQL in one statement, one round trip instead of eleven.
        """
        office = data.receiving_office
        year = get_office(office).local_date(received_at).year  # numbered in the year of receipt (PCT entries too)
        application_id = uuid.uuid4()
        earliest = min((p.date for p in data.priority_claims), default=None)
        payload = {"content_digest": digest}
        calendar = await self.session.run_sync(lambda session: load_calendar(session, OfficeCode(office)))
        actor = Actor(str(owner.id), Role.APPLICANT)
        if opening is not None:
            case = opening.first_decision(
                str(application_id), OfficeCode(office), actor, received_at, earliest, payload, calendar
            )
        else:
            case = open_application(  # the workflow's first decision: history entry 1 and the publication date
                str(application_id),
                OfficeCode(office),
                actor,
                received_at,
                priority_date=earliest,
                payload=payload,
                calendar=calendar,
            )
        application_row = {
            "id": application_id,
            "receiving_office": office,
            "filing_year": year,
            "filing_date": filing_date,
            "received_at": received_at,
            "owner_id": applicant.id,
            "language": data.language,
            "title": data.title,
            "abstract": data.abstract,
            "description": data.description,
            "applicant_reference": data.applicant_reference,
            "content_digest": digest,
            "earliest_priority_date": earliest,
            "created_at": received_at,
            **snapshot_columns(case.snapshot),
        }
        parties = [
            {
                "application_id": application_id,
                "kind": kind,
                "position": i,
                "name": p.name,
                "country": p.country,
                "address": p.address,
            }
            for kind, people in ((PartyKind.APPLICANT, data.applicants), (PartyKind.INVENTOR, data.inventors))
            for i, p in enumerate(people)
        ]
        children: list[tuple[Any, list[dict[str, Any]]]] = [
            (Party, parties),
            (
                Claim,
                [
                    {
                        "application_id": application_id,
                        "claim_set": 1,
                        "number": c.number,
                        "text": without_claim_number(c.text),  # the number is stored beside the text
                    }
                    for c in data.claims
                ],
            ),
            (
                PriorityClaim,
                [
                    {
                        "application_id": application_id,
                        "position": i,
                        "office": p.office,
                        "number": p.number,
                        "filed_on": p.date,
                    }
                    for i, p in enumerate(data.priority_claims)
                ],
            ),
            (IpcClass, [{"application_id": application_id, "symbol": sym, "position": i} for i, sym in enumerate(ipc)]),
            (
                Document,
                [
                    {
                        "application_id": application_id,
                        "position": i,
                        "filename": r.filename,
                        "media_type": r.media_type,
                        "size": r.size,
                        "sha256": r.sha256,
                        "received_at": received_at,
                    }
                    for i, r in enumerate(receipts)
                ],
            ),
        ]
        if opening is not None:
            children.extend(opening.extra_rows(application_id, received_at))
        if idempotency_key is not None:
            children.append(
                (
                    IdempotencyRecord,
                    [
                        {
                            "owner_id": owner.id,
                            "key": idempotency_key,
                            "request_digest": digest,
                            "application_id": application_id,
                            "created_at": received_at,
                        }
                    ],
                )
            )
        batch = InsertBatch()
        for model, rows in children:
            batch.add(model, rows)

        def decide(session: Session) -> None:
            with collecting_inserts(session, batch):  # the decision's rows join the batch; nothing reads them back
                apply_decision(session, case, expected_version=0, payload=payload)

        await self.session.run_sync(decide)
        # Last: the counter row stays locked until commit, so it is taken by the statement that writes the rows.
        number = await insert_numbered(self.session, application_row, office, year, batch)
        return s.Receipt(
            application_number=number,
            receiving_office=office,
            filing_date=filing_date,
            received_at=received_at,
            title=data.title,
            language=data.language,
            applicant_reference=data.applicant_reference,
            content_digest=digest,
            documents=receipts,
        )

    async def get_visible(self, user: User, number: str) -> Application:
        """The application ``number`` if ``user`` may see it.

        A read by office staff of a file that is not yet published is audited first.

        Raises:
            NotFoundError: it does not exist or belongs to someone else (the two are indistinguishable).
            AuditUnavailableError: the read could not be audited, so it is refused.
        """
        return await FileAccess(self.session).get(user, number, full=True)

    async def read(self, user: User, number: str) -> s.ApplicationOut:
        """The whole file ``number`` if ``user`` may see it (:meth:`get_visible`)."""
        return file_of(await self.get_visible(user, number))

    async def receipt(self, user: User, number: str) -> s.Receipt:
        """The filing receipt of ``number`` again, the same as at filing, if ``user`` may see the file."""
        return receipt_of(await self.get_visible(user, number))

    async def document(self, user: User, number: str, sha256: str) -> tuple[Document, bytes]:
        """A filed document of ``number`` with its bytes verified against the hash, for the API and the desk.

        Raises:
            NotFoundError: the user may not see the application, or it has no such document.
        """
        application = await self.get_visible(user, number)
        document = next((d for d in application.documents if d.sha256 == sha256), None)
        if document is None:
            raise NotFoundError(f"Application {application.number} has no document {sha256}.")
        # Reading and hashing up to max_document_bytes is seconds of disk and CPU: never on the event loop.
        return document, await anyio.to_thread.run_sync(self.store.get, sha256)

    async def list_visible(self, user: User, *, limit: int, offset: int) -> list[s.ApplicationSummary]:
        """The applications ``user`` is a party to (own, represented or its office's files), newest first."""
        query = (
            select(Application)
            .where(concerning(user))
            .order_by(Application.received_at.desc())
            .limit(limit)
            .offset(offset)
        )
        applications = list((await self.session.execute(query)).scalars())
        await record_list_read(self.session, user, applications)
        return [summary_of(a) for a in applications]


def _text_size(application: s.ApplicationIn) -> int:
    """About how many characters the checks of ``application`` go through (lists of parties etc. are bounded)."""
    texts = len(application.title) + len(application.abstract) + len(application.description)
    texts += sum(len(claim.text) for claim in application.claims)
    entries = len(application.applicants) + len(application.inventors) + len(application.priority_claims)
    return texts + 500 * (entries + len(application.ipc))


def _number(claim: s.ClaimIn) -> int:
    return claim.number


def receipt_of(application: Application) -> s.Receipt:
    """The receipt of a stored application; the same bytes every time it is asked for."""
    return s.Receipt(
        application_number=application.number,
        receiving_office=application.receiving_office,
        filing_date=application.filing_date,
        received_at=application.received_at,
        title=application.title,
        language=application.language,
        applicant_reference=application.applicant_reference,
        content_digest=application.content_digest,
        documents=[
            s.DocumentReceipt(filename=d.filename, media_type=d.media_type, size=d.size, sha256=d.sha256)
            for d in application.documents
        ],
    )


def _parties(application: Application, kind: PartyKind) -> list[s.PartyOut]:
    return [s.PartyOut(p.name, p.country, p.address) for p in application.parties if p.kind == kind]


def file_of(application: Application) -> s.ApplicationOut:
    """The full file view of a stored application."""
    claims: dict[int, list[Claim]] = {}
    for claim in sorted(application.claims, key=lambda c: (c.claim_set, c.number)):
        claims.setdefault(claim.claim_set, []).append(claim)
    current = application.claim_set_version
    return s.ApplicationOut(
        application_number=application.number,
        receiving_office=application.receiving_office,
        filing_date=application.filing_date,
        received_at=application.received_at,
        state=application.state,
        language=application.language,
        title=application.title,
        abstract=application.abstract,
        description=application.description,
        claims=[s.ClaimOut(c.number, c.text, c.claim_set) for c in claims.get(current, [])],
        claim_sets=[
            s.ClaimSetOut(version, version == current, [s.ClaimOut(c.number, c.text, c.claim_set) for c in rows])
            for version, rows in sorted(claims.items())
        ],
        applicants=_parties(application, PartyKind.APPLICANT),
        inventors=_parties(application, PartyKind.INVENTOR),
        priority_claims=[s.PriorityClaimOut(p.office, p.number, p.filed_on) for p in application.priorities],
        ipc=[c.symbol for c in application.ipc_classes],
        applicant_reference=application.applicant_reference,
        content_digest=application.content_digest,
        documents=receipt_of(application).documents,
        publication_date=application.publication_date,
    )


def summary_of(application: Application) -> s.ApplicationSummary:
    """One line of a list of applications."""
    return s.ApplicationSummary(
        application_number=application.number,
        receiving_office=application.receiving_office,
        filing_date=application.filing_date,
        state=application.state,
        language=application.language,
        title=application.title,
    )
