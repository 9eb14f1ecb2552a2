"""Fees and payments as the API sees them: who may pay, see, refund and publish; each act in one transaction."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

import msgspec
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ctpo.db.models import (
    Application,
    Designation,
    FeePayment,
    LedgerAccount,
    LedgerLeg,
    LedgerTransaction,
    Patent,
    PatentState,
    PublishedFeeSchedule,
    Renewal,
    Role,
    User,
    utcnow,
)
from ctpo.domain.access import FileAccess
from ctpo.domain.audit.services import audit_record
from ctpo.domain.examination.store import load_calendar
from ctpo.domain.fees import ledger
from ctpo.domain.fees import schemas as s
from ctpo.domain.fees.dues import euros, fee_schedules, fees_due, shipped_schedules
from ctpo.domain.fees.lifecycle import ACTIVE
from ctpo.domain.fees.payments import (
    BANK_TRANSFER,
    Answer,
    PaymentOrder,
    answer_of,
    fund_deposit,
    pay_fee,
    previous_answer,
    previous_result,
    reference_reused,
    refund_payment,
)
from ctpo.domain.fees.surrender import surrender_state
from ctpo.domain.legal_status import record_legal_events
from ctpo.lib.errors import ConflictError, FieldError, ForbiddenError, InvalidRequestError, NotFoundError
from workflows import ApplicationState, OfficeCode
from workflows.fees import (
    UNIT_OF_ACCOUNT,
    FeeSchedule,
    FeeSchedules,
    NotInForceError,
    ScheduleError,
    parse_schedule,
    schedule_to_data,
)
from workflows.legal_status import KeyEvent, LegalEvent, status_in
from workflows.offices import OFFICES

if TYPE_CHECKING:
    import uuid
    from collections.abc import Callable
    from datetime import date, datetime

    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import Session


def _unparseable(exc: ScheduleError) -> InvalidRequestError:
    return InvalidRequestError("The fee schedule cannot be accepted.", errors=[FieldError(exc.field, exc.message)])


def schedule_out(schedule: FeeSchedule) -> s.FeeScheduleOut:
    """A fee schedule as the API shows it: the shape it is stored and published in."""
    return msgspec.convert(schedule_to_data(schedule), s.FeeScheduleOut)


class FeeService:
    """Fees due, payments, deposit accounts, designations, the patent, schedules and revenue."""

    def __init__(self, session: AsyncSession, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.session = session
        self.clock = clock

    async def schedules(self) -> FeeSchedules:
        """The shipped schedules and those office administrators published."""
        return await self.session.run_sync(fee_schedules)

    async def schedule_list(self) -> list[s.FeeScheduleOut]:
        """Every schedule with its effective date, as published."""
        return [schedule_out(x) for x in (await self.schedules()).schedules]

    async def _file(self, user: User, number: str) -> Application:
        return await FileAccess(self.session).get(user, number)

    async def _party_file(self, user: User, number: str) -> Application:
        """The file if ``user`` is its applicant or representative; office staff get 403, others 404."""
        application = await self._file(user, number)
        if user.role != Role.APPLICANT:
            raise ForbiddenError("Only the applicant or its representative may do this.")
        if not await FileAccess(self.session).acts_as_applicant(user, application.number):
            raise NotFoundError(f"There is no application {number} that you can see.")
        return application

    async def dues(self, user: User, number: str, entitlement: str | None = None) -> list[s.DueOut]:
        """The fees the application may pay today."""
        application = await self._file(user, number)
        schedules = await self.schedules()
        now = self.clock()
        today = OFFICES[OfficeCode(application.receiving_office)].local_date(now)
        try:
            schedule = schedules.in_force(today)
        except NotInForceError:
            return []
        from workflows.fees import Entitlement  # noqa: PLC0415

        try:
            declared = Entitlement(entitlement) if entitlement else None
        except ValueError:
            raise InvalidRequestError(
                "No such entitlement.", errors=[FieldError("entitlement", f"one of {', '.join(Entitlement)}")]
            ) from None

        def read(session: Session) -> list[s.DueOut]:
            calendar = load_calendar(session, OfficeCode(application.receiving_office))
            return [
                s.DueOut(
                    fee=d.fee.value,
                    amount=euros(d.amount_cents),
                    currency=UNIT_OF_ACCOUNT,
                    schedule_from=d.schedule_from,
                    state=d.state,
                    year=d.year,
                    quantity=d.quantity,
                    surcharge=euros(d.surcharge_cents),
                    details=d.details,
                )
                for d in fees_due(session, application, schedule, today, calendar, entitlement=declared)
            ]

        return await self.session.run_sync(read)

    async def pay(self, user: User, number: str, data: s.PaymentIn) -> s.PaymentOut:
        """Pay a fee of the application; a repeated reference answers the first result.

        Raises:
            NotFoundError: the caller may not see the application.
            ForbiddenError: staff of another office, or staff paying from a deposit account.
            InvalidRequestError: bad input, fee not due, underpayment (nothing written).
            OverdrawError: the deposit account does not cover the fee (nothing written).
        """
        application = await self._file(user, number)
        staff = user.role != Role.APPLICANT
        if staff and (user.role != Role.OFFICE_ADMIN or user.office != application.receiving_office):
            raise ForbiddenError("Bank transfers are recorded by administrators of the receiving office.")
        if not staff and not await FileAccess(self.session).acts_as_applicant(user, application.number):
            raise ForbiddenError("Only the applicant or its representative pays from a deposit account.")
        if staff and data.method != BANK_TRANSFER:
            raise InvalidRequestError(
                "Office staff record bank transfers.", errors=[FieldError("method", f"use {BANK_TRANSFER}")]
            )
        done = await self.session.run_sync(lambda session: previous_result(session, data.reference))
        if isinstance(done, s.PaymentOut) and done.application_number == number:
            return done  # the same request again: its first answer (a reference is never reused across files)
        if done is not None:
            raise reference_reused()
        schedules = await self.schedules()
        now = self.clock()
        order = PaymentOrder(
            reference=data.reference,
            fee=data.fee,
            amount=data.amount,
            currency=data.currency,
            method=data.method,
            state=data.state,
            year=data.year,
            entitlement=data.entitlement,
            bank_reference=data.bank_reference,
        )

        def write(session: Session) -> s.PaymentOut:
            calendar = load_calendar(session, OfficeCode(application.receiving_office))
            return pay_fee(
                session,
                application,
                order,
                payer_id=user.id,
                staff=staff,
                now=now,
                schedules=schedules,
                calendar=calendar,
            )

        return await self._commit_once(write, data.reference, s.PaymentOut)

    async def _commit_once(self, write: Callable[[Session], Answer], reference: str, kind: type[Answer]) -> Answer:
        """Run ``write`` and commit; if a concurrent request used the same reference first, answer its result."""
        try:
            result = await self.session.run_sync(write)
            await self.session.commit()
        except IntegrityError:
            await self.session.rollback()
            first = await self.session.run_sync(lambda session: previous_answer(session, reference, kind))
            if first is None:
                raise ConflictError("A concurrent change got in the way; try again.") from None
            return first
        except Exception:
            await self.session.rollback()
            raise
        return result

    async def payments(self, user: User, number: str) -> list[s.LedgerAnswer]:
        """Every payment and refund of the application, oldest first, as answered when made."""
        application = await self._file(user, number)
        rows = await self.session.execute(
            select(LedgerTransaction.kind, LedgerTransaction.result)
            .where(LedgerTransaction.application_id == application.id)
            .order_by(LedgerTransaction.id)
        )
        return [answer_of(row.kind, row.result) for row in rows.all()]

    async def refund(self, user: User, payment_reference: str, data: s.RefundIn) -> s.RefundOut:
        """Reverse a fee payment (administrators of the application's receiving office).

        Raises:
            ForbiddenError: not an office administrator of that office.
            NotFoundError: no such payment.
        """
        if user.role != Role.OFFICE_ADMIN:
            raise ForbiddenError("Refunds are made by office administrators.")
        original = (
            await self.session.execute(
                select(LedgerTransaction.application_id).where(LedgerTransaction.reference == payment_reference)
            )
        ).first()
        office = None
        if original is not None and original[0] is not None:
            application = await self.session.get(Application, original[0])
            office = application.receiving_office if application else None
        if office is None or office != user.office:
            raise NotFoundError(f"There is no fee payment {payment_reference} of your office.")
        now = self.clock()
        today = OFFICES[OfficeCode(office)].local_date(now)

        def write(session: Session) -> s.RefundOut:
            result = refund_payment(
                session,
                payment_reference=payment_reference,
                reference=data.reference,
                staff_id=user.id,
                now=now,
                today=today,
            )
            session.add(audit_record(user, "payment.refund", office=user.office, details=msgspec.to_builtins(result)))
            return result

        return await self._commit_once(write, data.reference, s.RefundOut)

    async def fund(self, user: User, holder_id: uuid.UUID, data: s.FundingIn) -> s.FundingOut:
        """Credit a deposit account with money received (office administrators).

        Raises:
            ForbiddenError: not an office administrator.
            NotFoundError: no such account holder.
        """
        if user.role != Role.OFFICE_ADMIN or user.office is None:
            raise ForbiddenError("Deposit accounts are funded by office administrators.")
        holder = await self.session.get(User, holder_id)
        if holder is None or holder.role != Role.APPLICANT:
            raise NotFoundError("There is no applicant or representative with this id.")
        now = self.clock()
        today = OFFICES[OfficeCode(user.office)].local_date(now)

        def write(session: Session) -> s.FundingOut:
            result = fund_deposit(
                session,
                holder_id=holder_id,
                reference=data.reference,
                amount=data.amount,
                currency=data.currency,
                bank_reference=data.bank_reference,
                staff_id=user.id,
                now=now,
                today=today,
            )
            details = msgspec.to_builtins(result)
            session.add(
                audit_record(user, "deposit.fund", office=user.office, target_user_id=holder_id, details=details)
            )
            return result

        return await self._commit_once(write, data.reference, s.FundingOut)

    async def deposit(self, user: User, holder_id: uuid.UUID | None = None) -> s.DepositOut:
        """A deposit account with its entries; its balance and the sum of its ledger are both shown."""
        holder = holder_id or user.id
        if holder != user.id and user.role != Role.OFFICE_ADMIN:
            raise NotFoundError("There is no deposit account you can see with this id.")

        def read(session: Session) -> s.DepositOut:
            acct = session.execute(
                select(LedgerAccount).where(LedgerAccount.code == ledger.deposit_code(holder))
            ).scalar_one_or_none()
            if acct is None:
                return s.DepositOut(str(holder), "0.00", "0.00", UNIT_OF_ACCOUNT, [])
            entries = session.execute(
                select(
                    LedgerLeg.amount_cents,
                    LedgerTransaction.kind,
                    LedgerTransaction.reference,
                    LedgerTransaction.paid_on,
                )
                .join(LedgerTransaction, LedgerTransaction.id == LedgerLeg.transaction_id)
                .where(LedgerLeg.account_id == acct.id)
                .order_by(LedgerLeg.id)
            ).all()
            return s.DepositOut(
                holder_id=str(holder),
                balance=euros(acct.balance_cents),
                ledger_sum=euros(ledger.ledger_sum(session, acct.id)),
                currency=UNIT_OF_ACCOUNT,
                entries=[s.DepositEntryOut(euros(c), k, r, d) for c, k, r, d in entries],
            )

        return await self.session.run_sync(read)

    async def designations(self, user: User, number: str) -> list[s.DesignationOut]:
        """The states the application designates, and those withdrawn."""
        application = await self._file(user, number)
        rows = await self.session.execute(
            select(Designation).where(Designation.application_id == application.id).order_by(Designation.state)
        )
        return [s.DesignationOut(d.state, d.status) for d in rows.scalars()]

    async def withdraw_designation(self, user: User, number: str, state: str) -> list[s.DesignationOut]:
        """Withdraw one designation (the applicant or its representative; EPC Art. 79(3)).

        Raises:
            ConflictError: not designated, already withdrawn, or the application is no longer pending.
        """
        application = await self._party_file(user, number)
        code = state.upper()
        if ApplicationState(application.state) not in status_pending_states():
            raise ConflictError("Designations can be withdrawn only while the application is pending.")
        designation = await self.session.get(Designation, (application.id, code))
        if designation is None or designation.status != ACTIVE:
            raise ConflictError(
                f"{code} is not designated by {number}.",
                errors=[FieldError("state", f"{code} is not an active designation")],
            )
        remaining = (
            await self.session.execute(
                select(func.count()).where(Designation.application_id == application.id, Designation.status == ACTIVE)
            )
        ).scalar_one()
        if remaining == 1:
            raise ConflictError(
                "The last designation cannot be withdrawn; withdraw the application instead.",
                errors=[FieldError("state", "the only designated state left")],
            )
        now = self.clock()
        designation.status = "withdrawn"
        designation.changed_at = now
        status, phase = status_in(ApplicationState(application.state))
        today = OFFICES[OfficeCode(application.receiving_office)].local_date(now)
        event = LegalEvent(
            KeyEvent.APPLICATION_WITHDRAWN, status, phase, today, state=OfficeCode(code), payload={"designation": code}
        )
        await self.session.run_sync(record_legal_events, application.id, [event], recorded_at=now)
        await self.session.commit()
        return await self.designations(user, number)

    async def patent(self, user: User, number: str) -> s.PatentOut:
        """The granted patent: its number and its status and renewals in each state."""
        application = await self._file(user, number)
        patent = await self.session.get(Patent, application.id)
        if patent is None:
            raise NotFoundError(f"{number} has not been granted.")
        states = await self.session.execute(
            select(PatentState).where(PatentState.application_id == application.id).order_by(PatentState.state)
        )
        renewals = await self.session.execute(
            select(Renewal).where(Renewal.application_id == application.id).order_by(Renewal.year, Renewal.scope)
        )
        return s.PatentOut(
            number=patent.number,
            granted_on=patent.granted_on,
            expires_on=patent.expires_on,
            states=[s.PatentStateOut(p.state, p.status, p.status_date) for p in states.scalars()],
            renewals=[
                s.RenewalOut(r.scope, r.year, r.due_date, r.payable_from, r.pay_until, r.grace_end, r.status)
                for r in renewals.scalars()
            ],
        )

    async def surrender_state(self, user: User, number: str, state: str) -> s.PatentOut:
        """Surrender the patent in one designated state, from today (:mod:`ctpo.domain.fees.surrender`).

        Raises:
            ForbiddenError / NotFoundError: not the holder or its representative; no patent.
            InvalidRequestError / ConflictError: not a member state; not in force there (nothing written).
        """
        application = await self._party_file(user, number)
        now = self.clock()
        today = OFFICES[OfficeCode(application.receiving_office)].local_date(now)
        try:
            await self.session.run_sync(surrender_state, application.id, state, today, now)
            await self.session.commit()
        except Exception:
            await self.session.rollback()
            raise
        return await self.patent(user, number)

    async def publish_schedule(self, user: User, data: dict[str, Any]) -> s.FeeScheduleOut:
        """Publish a fee schedule effective from a future date (office administrators).

        Raises:
            ForbiddenError: not an office administrator.
            InvalidRequestError: malformed, or dated today or in the past (naming the field).
        """
        if user.role != Role.OFFICE_ADMIN:
            raise ForbiddenError("Fee schedules are published by office administrators.")
        try:
            schedule = parse_schedule(data)
        except ScheduleError as exc:
            raise _unparseable(exc) from None
        today = min(OFFICES[code].local_date(self.clock()) for code in OfficeCode)
        if schedule.effective_from <= today:
            raise InvalidRequestError(
                "A fee schedule takes effect on a future date only.",
                errors=[FieldError("effective_from", f"{schedule.effective_from} is not after {today}")],
            )
        try:
            (await self.schedules()).with_schedule(schedule)
        except ScheduleError as exc:
            raise _unparseable(exc) from None
        stored = schedule_to_data(schedule)
        self.session.add(
            PublishedFeeSchedule(effective_from=schedule.effective_from, data=stored, published_by=user.id)
        )
        self.session.add(audit_record(user, "fees.publish_schedule", office=user.office, details=stored))
        try:
            await self.session.commit()
        except IntegrityError:
            await self.session.rollback()
            raise ConflictError(f"A schedule already takes effect on {schedule.effective_from}.") from None
        return schedule_out(schedule)

    async def revenue(self, user: User, office: str, start: date, end: date) -> list[s.RevenueRow]:
        """The office's share of fees paid from ``start`` to ``end`` inclusive, per fee (refunds deducted).

        Raises:
            ForbiddenError / NotFoundError: not an administrator of that office.
        """
        code = office.upper()
        if user.role != Role.OFFICE_ADMIN:
            raise ForbiddenError("Revenue reports are for office administrators.")
        if user.office != code:
            raise NotFoundError(f"There is no revenue report of office {code} that you can see.")
        if end < start:
            raise InvalidRequestError("The period ends before it starts.", errors=[FieldError("to", "before from")])
        paid = select(FeePayment.transaction_id.label("tid"), FeePayment.fee.label("fee")).subquery()
        settled = func.coalesce(LedgerTransaction.reverses_id, LedgerTransaction.id)
        rows = await self.session.execute(
            select(LedgerAccount.code, paid.c.fee, func.count(), func.sum(LedgerLeg.amount_cents))
            .join(LedgerLeg, LedgerLeg.account_id == LedgerAccount.id)
            .join(LedgerTransaction, LedgerTransaction.id == LedgerLeg.transaction_id)
            .join(paid, paid.c.tid == settled)
            .where(
                LedgerAccount.code.in_([ledger.revenue_code(code), ledger.revenue_code("CTPO")]),
                LedgerTransaction.paid_on >= start,
                LedgerTransaction.paid_on <= end,
            )
            .group_by(LedgerAccount.code, paid.c.fee)
            .order_by(LedgerAccount.code, paid.c.fee)
        )
        out = []
        for acct, fee, n, total in rows.tuples():
            party = str(acct).split(":", 1)[1]
            out.append(s.RevenueRow(party, str(fee), int(n), euros(int(total)), UNIT_OF_ACCOUNT))
        return out


def status_pending_states() -> frozenset[ApplicationState]:
    """States in which a designation may still be withdrawn."""
    from workflows.states import PENDING_STATES  # noqa: PLC0415

    return PENDING_STATES


def revenue_csv(rows: list[s.RevenueRow], office: str, start: date, end: date) -> str:
    """The revenue report as CSV (one header line, one line per party and fee)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["office", "from", "to", "party", "fee", "payments", "amount", "currency"])
    for r in rows:
        writer.writerow(
            [office.upper(), start.isoformat(), end.isoformat(), r.party, r.fee, r.payments, r.amount, r.currency]
        )
    return out.getvalue()


__all__ = ["FeeService", "revenue_csv", "shipped_schedules"]
