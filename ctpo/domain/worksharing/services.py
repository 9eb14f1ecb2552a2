"""Work sharing: examiners' profiles, who may be given a file, and the assignments across offices.

The access rule itself is not here: the examiner a file is assigned to sees it through
:func:`ctpo.domain.access.assigned_examiner`, and acts on it through :func:`workflows.machine.works_on`, both on the
file's ``claimed_by``. This module decides who may be assigned, and shows both offices what was.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import aliased

from ctpo.db.models import Application, ExaminerField, ExaminerLanguage, IpcClass, Role, User
from ctpo.domain.access import FileAccess, require_admin_of
from ctpo.domain.audit.services import audit_record, record_list_read
from ctpo.domain.worksharing import schemas as s
from ctpo.domain.worksharing.profile import ExaminerProfile, field_overlap, parse_profile
from ctpo.lib.errors import FieldError, ForbiddenError, InvalidRequestError, NotFoundError
from workflows.languages import Language
from workflows.states import FINAL_STATES, STAFF_ROLES

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from sqlalchemy.ext.asyncio import AsyncSession

    from ctpo.db.models import AuditRecord

ASSIGN_AUDIT = "application.assign"
"""The audit action of an assignment (the name every audited act gets: ``application.<action>``)."""


def _examiner_of(user: User) -> bool:
    return user.role is Role.EXAMINER and user.is_active and user.office is not None


class WorkSharingService:
    """Profiles, assignable examiners and the assignments across offices, on one request's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _examiner(self, examiner_id: uuid.UUID) -> User:
        examiner = await self.session.get(User, examiner_id)
        if examiner is None or examiner.role is not Role.EXAMINER:
            raise NotFoundError("There is no examiner with this id.")
        return examiner

    async def _profiles(self, users: Sequence[User]) -> dict[uuid.UUID, ExaminerProfile]:
        ids = [u.id for u in users]
        languages: dict[uuid.UUID, list[Language]] = {i: [] for i in ids}
        fields: dict[uuid.UUID, list[str]] = {i: [] for i in ids}
        if ids:
            for user_id, language in await self.session.execute(
                select(ExaminerLanguage.user_id, ExaminerLanguage.language).where(ExaminerLanguage.user_id.in_(ids))
            ):
                languages[user_id].append(Language(language))
            for user_id, prefix in await self.session.execute(
                select(ExaminerField.user_id, ExaminerField.ipc_prefix).where(ExaminerField.user_id.in_(ids))
            ):
                fields[user_id].append(prefix)
        return {i: ExaminerProfile(tuple(sorted(languages[i])), tuple(sorted(fields[i]))) for i in ids}

    @staticmethod
    def _out(user: User, profile: ExaminerProfile) -> s.ExaminerProfileOut:
        return s.ExaminerProfileOut(
            examiner_id=str(user.id),
            full_name=user.full_name,
            office=user.office or "",
            languages=[str(language) for language in profile.languages],
            ipc_fields=list(profile.ipc_fields),
        )

    async def profile(self, user: User, examiner_id: uuid.UUID) -> s.ExaminerProfileOut:
        """An examiner's profile: office staff of every member office may read it (they assign across offices).

        Raises:
            ForbiddenError: an applicant.
            NotFoundError: no examiner has this id.
        """
        if user.role not in STAFF_ROLES:
            raise ForbiddenError("Examiners' profiles are for office staff.")
        examiner = await self._examiner(examiner_id)
        return self._out(examiner, (await self._profiles([examiner]))[examiner.id])

    async def office_profiles(self, admin: User, office: str) -> list[s.ExaminerProfileOut]:
        """The active examiners of the office with what they declared, by name: what its administrator maintains.

        Raises:
            ForbiddenError: not an office administrator.
            NotFoundError: the administrator of another office.
        """
        office = require_admin_of(admin, office, purpose="Office administrators maintain their examiners' profiles.")
        query = (
            select(User)
            .where(User.office == office, User.role == Role.EXAMINER, User.is_active.is_(True))
            .order_by(User.full_name, User.email)
        )
        examiners = list((await self.session.execute(query)).scalars().all())
        profiles = await self._profiles(examiners)
        return [self._out(e, profiles[e.id]) for e in examiners]

    async def set_profile(
        self, user: User, examiner_id: uuid.UUID, languages: Iterable[str], ipc_fields: Iterable[str]
    ) -> s.ExaminerProfileOut:
        """Replace what an examiner declares; by the examiner, or an administrator of their office (audited).

        Raises:
            ForbiddenError: anybody else.
            NotFoundError: no examiner has this id.
            InvalidRequestError: naming each entry that is not a working language or an IPC class/subclass.
        """
        if user.role not in STAFF_ROLES:
            raise ForbiddenError("Examiners' profiles are for office staff.")
        examiner = await self._examiner(examiner_id)
        if user.id != examiner.id and not (user.role is Role.OFFICE_ADMIN and user.office == examiner.office):
            raise ForbiddenError("Only the examiner or an administrator of their office changes their profile.")
        profile = parse_profile(languages, ipc_fields)
        await self.session.execute(delete(ExaminerLanguage).where(ExaminerLanguage.user_id == examiner.id))
        await self.session.execute(delete(ExaminerField).where(ExaminerField.user_id == examiner.id))
        self.session.add_all(ExaminerLanguage(user_id=examiner.id, language=str(lang)) for lang in profile.languages)
        self.session.add_all(ExaminerField(user_id=examiner.id, ipc_prefix=prefix) for prefix in profile.ipc_fields)
        if user.id != examiner.id:  # an administrator's act on an account is audited; the examiner's own is not
            self.session.add(
                audit_record(
                    user,
                    "examiner.profile",
                    office=examiner.office,
                    target_user_id=examiner.id,
                    details={
                        "languages": [str(lang) for lang in profile.languages],
                        "ipc_fields": list(profile.ipc_fields),
                    },
                )
            )
        await self.session.commit()
        return self._out(examiner, profile)

    async def assignee(self, application: Application, examiner_id: object) -> User:
        """The examiner an assignment names, if they may be given the file.

        Active, of any member office, and reading the file's language of proceedings (work sharing; EPC Art. 14(3):
        the proceedings are conducted in the language the file was filed in).

        Raises:
            InvalidRequestError: naming ``payload.examiner_id`` and saying why (unknown, inactive, or the language).
        """
        try:
            examiner = await self.session.get(User, uuid.UUID(str(examiner_id)))
        except ValueError:
            examiner = None
        if examiner is None or not _examiner_of(examiner):
            raise InvalidRequestError(
                "Assign the file to an active examiner of a member office.",
                errors=[FieldError("payload.examiner_id", "no active examiner has this id")],
            )
        reads = await self.session.scalar(
            select(ExaminerLanguage.language).where(
                ExaminerLanguage.user_id == examiner.id, ExaminerLanguage.language == application.language
            )
        )
        if reads is None:
            message = f"{examiner.full_name} does not read {application.language}, the language of the proceedings"
            raise InvalidRequestError(
                f"Assign the file to an examiner who reads its language ({application.language}).",
                errors=[FieldError("payload.examiner_id", message)],
            )
        return examiner

    async def assignment_audits(
        self, admin: User, application: Application, examiner: User, previous_id: uuid.UUID | None
    ) -> list[AuditRecord]:
        """One record of the assignment for each office concerned: the file's, the examiner's, the previous one's.

        Each office's administrators read their own office's log, so an assignment across offices is recorded in
        both (and, on a reassignment, in the office of the examiner who no longer holds the file).
        """
        previous = await self.session.get(User, previous_id) if previous_id else None
        details: dict[str, Any] = {
            "examiner_id": str(examiner.id),
            "examiner_email": examiner.email,
            "from_office": application.receiving_office,
            "to_office": examiner.office,
            "previous_examiner_id": str(previous.id) if previous else None,
            "previous_examiner_office": previous.office if previous else None,
        }
        offices = dict.fromkeys(
            o for o in (application.receiving_office, examiner.office, previous.office if previous else None) if o
        )
        return [
            audit_record(
                admin,
                ASSIGN_AUDIT,
                office=office,
                application_number=application.number,
                target_user_id=examiner.id,
                details=details,
            )
            for office in offices
        ]

    async def suggestions(self, admin: User, number: str) -> list[s.SuggestionOut]:
        """The examiners of every member office who may be given the file, best match first.

        Those who read its language; first those whose IPC fields cover most of its symbols, then those of the
        file's own office (no sharing needed), then by name.

        Raises:
            NotFoundError: the caller may not see the file.
            ForbiddenError: the caller does not administer its office (assignments are theirs).
        """
        purpose = "Office administrators assign files."
        if admin.role is not Role.OFFICE_ADMIN:
            raise ForbiddenError(purpose)  # before the file is read: nothing to audit
        application = await FileAccess(self.session).get(admin, number)
        require_admin_of(admin, application.receiving_office, purpose=purpose)
        symbols = list(
            (await self.session.execute(select(IpcClass.symbol).where(IpcClass.application_id == application.id)))
            .scalars()
            .all()
        )
        readers = select(ExaminerLanguage.user_id).where(ExaminerLanguage.language == application.language)
        examiners = list(
            (
                await self.session.execute(
                    select(User).where(
                        User.id.in_(readers),
                        User.role == Role.EXAMINER,
                        User.is_active.is_(True),
                        User.office.is_not(None),
                    )
                )
            )
            .scalars()
            .all()
        )
        profiles = await self._profiles(examiners)
        found = [
            s.SuggestionOut(
                examiner=self._out(e, profiles[e.id]),
                matching_ipc=list(field_overlap(profiles[e.id].ipc_fields, symbols)),
                same_office=e.office == application.receiving_office,
            )
            for e in examiners
        ]
        found.sort(key=lambda x: (-len(x.matching_ipc), not x.same_office, x.examiner.full_name, x.examiner.office))
        return found

    async def shared_files(self, admin: User, office: str) -> s.SharedFilesOut:
        """The office's files held by examiners of other offices, and the other offices' files its examiners hold.

        Open files only: a closed file's assignment is in its history and the audit log.

        Raises:
            ForbiddenError: not an office administrator.
            NotFoundError: the administrator of another office.
        """
        office = require_admin_of(admin, office, purpose="Office administrators see their office's work sharing.")
        holder = aliased(User)
        query = (
            select(Application, holder)
            .join(holder, holder.id == Application.claimed_by)
            .where(holder.office != Application.receiving_office, Application.state.not_in(FINAL_STATES))
            .order_by(Application.receiving_office, Application.number)
        )
        lent = (await self.session.execute(query.where(Application.receiving_office == office))).all()
        borrowed = (await self.session.execute(query.where(holder.office == office))).all()
        await record_list_read(self.session, admin, [row[0] for row in (*lent, *borrowed)])

        def out(application: Application, examiner: User) -> s.SharedFileOut:
            return s.SharedFileOut(
                application_number=application.number,
                file_office=application.receiving_office,
                language=application.language,
                state=str(application.state),
                examiner_id=str(examiner.id),
                examiner_name=examiner.full_name,
                examiner_office=examiner.office or "",
            )

        return s.SharedFilesOut(
            office=office, lent=[out(*row) for row in lent], borrowed=[out(*row) for row in borrowed]
        )
