"""Recording a transfer: history, parties, owner and authorisations change together, on evidence, or not at all."""

from __future__ import annotations

import base64
import binascii
import re
from typing import TYPE_CHECKING, Any

import anyio
import msgspec
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from ctpo.db.models import Application, Party, PartyKind, PowerOfAttorney, Role, TransferRecord, User
from ctpo.domain.access import FileAccess
from ctpo.domain.examination.services import actor_for
from ctpo.domain.examination.store import apply_decision, load_snapshot
from ctpo.domain.filings.schemas import PartyOut
from ctpo.domain.filings.services import FilingService, Upload
from ctpo.domain.transfers import schemas as s
from ctpo.lib.errors import ConflictError, FieldError, ForbiddenError, InvalidRequestError
from workflows import Role as WorkflowRole
from workflows import StaleSnapshotError
from workflows.offices import OFFICES, OfficeCode
from workflows.texts import text_problem
from workflows.transfers import record_transfer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from workflows import Decision

_COUNTRY = re.compile(r"^[A-Z]{2}$")


def transfer_out(number: str, record: TransferRecord, office: str) -> s.TransferOut:
    """A recorded transfer for the API."""
    return s.TransferOut(
        application_number=number,
        history_seq=record.history_seq,
        recorded_at=record.recorded_at,
        effective_date=OFFICES[OfficeCode(office)].local_date(record.recorded_at),
        from_owner_id=record.from_owner_id,
        to_owner_id=record.to_owner_id,
        previous_applicants=[msgspec.convert(p, PartyOut) for p in record.previous_applicants],
        new_applicants=[msgspec.convert(p, PartyOut) for p in record.new_applicants],
        evidence_filename=record.evidence_filename,
        evidence_sha256=record.evidence_sha256,
    )


class TransferService:
    """Records transfers and lists them."""

    def __init__(self, filing: FilingService) -> None:
        self.filing = filing
        self.session = filing.session

    async def record(self, user: User, number: str, data: s.TransferIn) -> s.TransferOut:
        """Record a transfer requested by the applicant of record (or its representative) or an office admin.

        Raises:
            NotFoundError: the caller may not see the file.
            ForbiddenError: the caller is neither a party nor an administrator of the office.
            InvalidRequestError: unknown new owner, bad parties, or evidence that is not a document we accept.
            ConflictError: the file changed at the same moment.
            WorkflowError: the file is closed (withdrawn, refused, revoked).
        """
        application = await self.filing.get_visible(user, number)
        actor = actor_for(
            user, application, party=await FileAccess(self.session).acts_as_applicant(user, application.number)
        )
        if actor.role not in {WorkflowRole.APPLICANT, WorkflowRole.OFFICE_ADMIN}:
            raise ForbiddenError("A transfer is recorded at the request of the applicant of record or by the office.")
        new_owner = await self._new_owner(data.new_owner_email, application)
        _check_parties(data)
        evidence = self._evidence(data)
        now = self.filing.clock()
        applicants = msgspec.to_builtins(data.applicants)
        payload: dict[str, Any] = {
            "new_owner_id": str(new_owner.id),
            "applicants": applicants,
            "evidence_sha256": evidence.sha256,
        }
        # durable before the row that names it commits; written and fsynced off the event loop
        await anyio.to_thread.run_sync(self.filing.store.put, evidence.content)
        app_id, old_owner = application.id, application.owner_id

        def write(session: Session) -> TransferRecord:
            snapshot = load_snapshot(session, app_id)
            decision: Decision = record_transfer(snapshot, actor, now, payload)
            apply_decision(session, decision, expected_version=snapshot.version, payload=payload)
            previous = session.execute(
                select(Party)
                .where(Party.application_id == app_id, Party.kind == PartyKind.APPLICANT)
                .order_by(Party.position)
            ).scalars()
            previous_out = [{"name": p.name, "country": p.country, "address": p.address} for p in previous]
            session.execute(
                update(Party)
                .where(Party.application_id == app_id, Party.kind == PartyKind.APPLICANT)
                .values(kind=PartyKind.PREVIOUS)
            )
            session.execute(
                insert(Party),
                [
                    {"application_id": app_id, "kind": PartyKind.APPLICANT, "position": i, **p}
                    for i, p in enumerate(applicants)
                ],
            )
            session.execute(update(Application).where(Application.id == app_id).values(owner_id=new_owner.id))
            # authorisations the old owner gave for this file end; its general ones no longer reach it by themselves
            session.execute(
                update(PowerOfAttorney)
                .where(PowerOfAttorney.application_id == app_id, PowerOfAttorney.revoked_at.is_(None))
                .values(revoked_at=now, revoked_by=user.id, revocation_reason="transfer recorded")
            )
            record = TransferRecord(
                application_id=app_id,
                history_seq=decision.history.seq,
                from_owner_id=old_owner,
                to_owner_id=new_owner.id,
                previous_applicants=previous_out,
                new_applicants=applicants,
                evidence_filename=evidence.filename,
                evidence_media_type=evidence.media_type,
                evidence_sha256=evidence.sha256,
                recorded_at=now,
                recorded_by=user.id,
            )
            session.add(record)
            session.flush()
            return record

        try:
            record = await self.session.run_sync(write)
            await self.session.commit()
        except (StaleSnapshotError, IntegrityError):
            await self.session.rollback()
            raise ConflictError("Someone else acted on this file at the same time; reload it and try again.") from None
        return transfer_out(number, record, application.receiving_office)

    async def history(self, user: User, number: str) -> list[s.TransferOut]:
        """The transfers of a file the caller may see, oldest first."""
        application = await self.filing.get_visible(user, number)
        query = (
            select(TransferRecord)
            .where(TransferRecord.application_id == application.id)
            .order_by(TransferRecord.history_seq)
        )
        return [
            transfer_out(number, r, application.receiving_office) for r in (await self.session.execute(query)).scalars()
        ]

    async def _new_owner(self, email: str, application: Application) -> User:
        owner = (
            await self.session.execute(select(User).where(User.email == email.strip().lower()))
        ).scalar_one_or_none()
        if owner is None or owner.role != Role.APPLICANT or not owner.is_active:
            raise InvalidRequestError(
                "The new applicant needs an active applicant account.",
                errors=[FieldError("new_owner_email", "no active applicant account has this e-mail")],
            )
        if owner.id == application.owner_id:
            raise InvalidRequestError(
                "The file already belongs to this account.",
                errors=[FieldError("new_owner_email", "is the applicant of record already")],
            )
        return owner

    def _evidence(self, data: s.TransferIn) -> _Evidence:
        try:
            content = base64.b64decode(data.evidence.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidRequestError(
                "The evidence could not be decoded; nothing was recorded.",
                errors=[FieldError("evidence.content_base64", "is not valid base64")],
            ) from None
        if not content:
            raise InvalidRequestError(
                "A transfer is recorded only on evidence (EPC Rule 22(1)); the document is empty.",
                errors=[FieldError("evidence", "is empty")],
            )
        upload = Upload("evidence", data.evidence.filename, content, data.evidence.media_type)
        receipt = self.filing._check_upload(upload)  # noqa: SLF001 - the one upload check of the filing path
        return _Evidence(receipt.filename, receipt.media_type, receipt.sha256, content)


class _Evidence(msgspec.Struct):
    filename: str
    media_type: str
    sha256: str
    content: bytes


def _check_parties(data: s.TransferIn) -> None:
    """The new applicants meet the filing's rules for names and addresses (workflows.texts), countries ST.3."""
    errors = [
        FieldError(f"applicants[{i}].country", f"'{p.country}' is not a two-letter country code")
        for i, p in enumerate(data.applicants)
        if not _COUNTRY.match(p.country)
    ]
    for i, party in enumerate(data.applicants):
        for name, value, single in (("name", party.name, True), ("address", party.address, False)):
            problem = text_problem(f"applicants[{i}].{name}", value, max_chars=1000, single_line=single)
            if problem is not None:
                errors.append(FieldError(problem.field, problem.message))
    if errors:
        raise InvalidRequestError("The new applicants are not all well described.", errors=errors)
