"""HTTP endpoints of fees, payments, deposit accounts, designations, the patent, schedules and revenue."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.security.jwt import Token
from litestar.status_codes import HTTP_200_OK

from ctpo.db.models import User
from ctpo.domain.fees import schemas as s
from ctpo.domain.fees.services import FeeService, revenue_csv
from ctpo.server.auth import PUBLIC


class FeeController(Controller):
    """Fees of one application: what is due, paying, the payments, designations and the patent."""

    path = "/applications/{number:str}"
    tags = ["Fees and patents"]  # noqa: RUF012

    @get("/fees", summary="Fees due now, with amounts in force today")
    async def dues(
        self,
        request: Request[User, Token, Any],
        number: FromPath[str],
        fee_service: NamedDependency[FeeService],
        entitlement: Annotated[str | None, QueryParameter(name="entitlement", max_length=30)] = None,
    ) -> list[s.DueOut]:
        """Those who may see the file; renewal fees come with their dates explained step by step."""
        return await fee_service.dues(request.user, number, entitlement)

    @post("/payments", status_code=HTTP_200_OK, summary="Pay a fee (deposit account) or record a bank transfer")
    async def pay(
        self,
        request: Request[User, Token, Any],
        number: FromPath[str],
        data: JSONBody[s.PaymentIn],
        fee_service: NamedDependency[FeeService],
    ) -> s.PaymentOut:
        """The same reference returns the first result; an underpayment pays nothing and names the missing amount."""
        return await fee_service.pay(request.user, number, data)

    @get("/payments", summary="Payments and refunds of the application")
    async def payments(
        self, request: Request[User, Token, Any], number: FromPath[str], fee_service: NamedDependency[FeeService]
    ) -> list[s.LedgerAnswer]:
        """As answered when made."""
        return await fee_service.payments(request.user, number)

    @get("/designations", summary="Designated states")
    async def designations(
        self, request: Request[User, Token, Any], number: FromPath[str], fee_service: NamedDependency[FeeService]
    ) -> list[s.DesignationOut]:
        """All member states by default; withdrawn ones are listed as such."""
        return await fee_service.designations(request.user, number)

    @post("/designations/{member_state:str}/withdraw", status_code=HTTP_200_OK, summary="Withdraw a designation")
    async def withdraw_designation(
        self,
        request: Request[User, Token, Any],
        number: FromPath[str],
        member_state: FromPath[str],
        fee_service: NamedDependency[FeeService],
    ) -> list[s.DesignationOut]:
        """The applicant or its representative, while the application is pending."""
        return await fee_service.withdraw_designation(request.user, number, member_state)

    @get("/patent", summary="The granted patent, its status and renewals per state")
    async def patent(
        self, request: Request[User, Token, Any], number: FromPath[str], fee_service: NamedDependency[FeeService]
    ) -> s.PatentOut:
        """404 until granted."""
        return await fee_service.patent(request.user, number)

    @post("/patent/states/{member_state:str}/surrender", status_code=HTTP_200_OK, summary="Surrender in one state")
    async def surrender_state(
        self,
        request: Request[User, Token, Any],
        number: FromPath[str],
        member_state: FromPath[str],
        fee_service: NamedDependency[FeeService],
    ) -> s.PatentOut:
        """The holder or its representative gives the patent up in one state (H11); the others stay in force."""
        return await fee_service.surrender_state(request.user, number, member_state)


class MoneyController(Controller):
    """Deposit accounts, refunds, fee schedules and revenue sharing."""

    path = "/"
    tags = ["Fees and patents"]  # noqa: RUF012

    @get("/deposit-accounts/me", summary="Your deposit account")
    async def my_deposit(
        self, request: Request[User, Token, Any], fee_service: NamedDependency[FeeService]
    ) -> s.DepositOut:
        """Balance, the sum of its ledger (always equal) and every entry."""
        return await fee_service.deposit(request.user)

    @get("/deposit-accounts/{holder_id:uuid}", summary="A holder's deposit account (office administrators)")
    async def deposit(
        self,
        request: Request[User, Token, Any],
        holder_id: FromPath[uuid.UUID],
        fee_service: NamedDependency[FeeService],
    ) -> s.DepositOut:
        """Office administrators, or the holder."""
        return await fee_service.deposit(request.user, holder_id)

    @post("/deposit-accounts/{holder_id:uuid}/credits", status_code=HTTP_200_OK, summary="Fund a deposit account")
    async def fund(
        self,
        request: Request[User, Token, Any],
        holder_id: FromPath[uuid.UUID],
        data: JSONBody[s.FundingIn],
        fee_service: NamedDependency[FeeService],
    ) -> s.FundingOut:
        """Office administrators record money received; the same reference returns the first result."""
        return await fee_service.fund(request.user, holder_id, data)

    @post("/payments/{reference:str}/refund", status_code=HTTP_200_OK, summary="Refund a fee payment")
    async def refund(
        self,
        request: Request[User, Token, Any],
        reference: FromPath[str],
        data: JSONBody[s.RefundIn],
        fee_service: NamedDependency[FeeService],
    ) -> s.RefundOut:
        """A reversing entry, by an administrator of the application's office; the fee is due again."""
        return await fee_service.refund(request.user, reference, data)

    @get("/fees/schedules", summary="Fee schedules, shipped and published", opt=PUBLIC)
    async def schedules(self, fee_service: NamedDependency[FeeService]) -> list[s.FeeScheduleOut]:
        """Every schedule with its effective date; the amount due is the one in force on the day of payment."""
        return await fee_service.schedule_list()

    @post("/fees/schedules", status_code=201, summary="Publish a fee schedule (future date only)")
    async def publish(
        self,
        request: Request[User, Token, Any],
        data: JSONBody[dict[str, Any]],
        fee_service: NamedDependency[FeeService],
    ) -> s.FeeScheduleOut:
        """Office administrators; the body has the shape of a ``[[schedule]]`` of ``schedules.toml``."""
        return await fee_service.publish_schedule(request.user, data)

    @get("/offices/{office:str}/revenue", summary="The office's share of fees, per fee, for a period (JSON or CSV)")
    async def revenue(
        self,
        request: Request[User, Token, Any],
        office: FromPath[str],
        fee_service: NamedDependency[FeeService],
        start: Annotated[date | None, QueryParameter(name="from", description="default: 1 January")] = None,
        end: Annotated[date | None, QueryParameter(name="to", description="default: today")] = None,
        output: Annotated[str, QueryParameter(name="format", pattern="^(json|csv)$")] = "json",
    ) -> Response[Any]:
        """Administrators of the office; the organization's share is listed alongside."""
        end = end or fee_service.clock().date()
        start = start or end.replace(month=1, day=1)
        rows = await fee_service.revenue(request.user, office, start, end)
        if output == "csv":
            return Response(revenue_csv(rows, office, start, end), media_type="text/csv; charset=utf-8")
        return Response(rows, media_type=MediaType.JSON)
