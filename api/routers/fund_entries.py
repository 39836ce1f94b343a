"""Entries a foundation's books need beyond gifts, grants and running costs: a restriction
released with a second person's approval, money held as agent (受托代理), goods given out,
and the legal entity's year-end closing (docs/funds-entity-api.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter
from pydantic import Field, StrictInt

from api.deps import CurrentActor, IdempotencyKey, ReadModels, Services, idempotency_for
from api.schemas import ApiModel
from projections import fund_queries
from timebank.domain.funds import DONOR_TYPES
from timebank.domain.releases import ReleaseRequest

router = APIRouter(tags=["community funds"])


class ReleaseRequestCreate(ApiModel):
    purpose: str = Field(max_length=100, description="The restriction to release.")
    amount_fen: StrictInt
    reason: str = Field(min_length=1, max_length=2000)


class ReleaseDecline(ApiModel):
    reason: str = Field(min_length=1, max_length=2000)


class ReleaseRequestOut(ApiModel):
    request_id: str
    fund_id: str
    purpose: str
    amount_fen: int
    reason: str
    status: str = Field(description="requested | approved | declined")
    requested_by: str | None = Field(description="The requesting account's id.")
    entry_id: str | None = Field(description="The fund's entry, once approved.")


class CustodialIn(ApiModel):
    amount_fen: StrictInt
    beneficiary: str = Field(min_length=1, max_length=100,
                             description="Who the donor named (a reference is enough: a "
                                         "person's name is personal data).")
    donor_name: str | None = Field(default=None, max_length=100)
    donor_type: str = Field(description=f"One of {', '.join(DONOR_TYPES)}.")
    booked_on: date | None = None


class CustodialOut(ApiModel):
    beneficiary: str = Field(min_length=1, max_length=100)
    amount_fen: StrictInt
    booked_on: date | None = None


class CustodialEntry(ApiModel):
    entry_id: str
    amount_fen: int
    held_for_beneficiary_fen: int


class InKindDistribution(ApiModel):
    amount_fen: StrictInt = Field(description="The goods' value at their recorded valuation.")
    description: str = Field(min_length=1, max_length=200)
    quantity: StrictInt
    unit: str = Field(default="", max_length=20)
    recipient: str = Field(min_length=1, max_length=200,
                           description="The project or beneficiary the goods went to.")
    purpose: str | None = Field(default=None, max_length=100,
                                description="Goods given for this purpose (their class).")
    grant_id: str | None = None
    booked_on: date | None = None


class InKindEntry(ApiModel):
    entry_id: str
    amount_fen: int
    quantity: int


class YearClose(ApiModel):
    year: StrictInt = Field(ge=2000, le=2999)
    reason: str = Field(default="", max_length=500)


class ClosedFund(ApiModel):
    fund_id: str
    closed_until: str | None
    closed_years: list[int]


class YearClosed(ApiModel):
    entity_fund_id: str
    year: int
    funds: list[ClosedFund]


def release_out(request: ReleaseRequest) -> dict[str, Any]:
    return {"request_id": str(request.id), "fund_id": str(request.fund_id),
            "purpose": request.purpose, "amount_fen": request.amount_fen,
            "reason": request.reason, "status": request.status,
            "requested_by": request.requested_by.get("id"),
            "entry_id": str(request.entry_id) if request.entry_id else None}


@router.post("/funds/{fund_id}/release-requests", status_code=201,
             response_model=ReleaseRequestOut)
def request_release(fund_id: str, body: ReleaseRequestCreate, actor: CurrentActor,
                    services: Services) -> dict[str, Any]:
    """A treasurer asks to release restricted money without the donor's consent; nothing
    moves until a second person approves."""
    return release_out(services.request_release(actor, fund_id, body.purpose,
                                                body.amount_fen, body.reason))


@router.post("/release-requests/{request_id}/approve", response_model=ReleaseRequestOut)
def approve_release(request_id: str, actor: CurrentActor, services: Services
                    ) -> dict[str, Any]:
    """A bank admin of the fund's bank (or a system administrator) — not the requester —
    approves: the release is entered, both people recorded on it."""
    return release_out(services.approve_release(actor, request_id))


@router.post("/release-requests/{request_id}/decline", response_model=ReleaseRequestOut)
def decline_release(request_id: str, body: ReleaseDecline, actor: CurrentActor,
                    services: Services) -> dict[str, Any]:
    return release_out(services.decline_release(actor, request_id, body.reason))


@router.post("/funds/{fund_id}/custodial-receipts", status_code=201,
             response_model=CustodialEntry)
def receive_custodial(fund_id: str, body: CustodialIn, actor: CurrentActor,
                      services: Services, idempotency_key: IdempotencyKey = None
                      ) -> dict[str, Any]:
    """受托代理: money a donor directs to a beneficiary they name — held as agent, never
    income (no donation receipt)."""
    idem = idempotency_for(services, idempotency_key, actor, f"custodial-in:{fund_id}",
                           body.model_dump(mode="json"))
    return services.receive_custodial(actor, fund_id, body.amount_fen, body.beneficiary,
                                      body.donor_name, body.donor_type, idem,
                                      booked_on=body.booked_on)


@router.post("/funds/{fund_id}/custodial-payments", status_code=201,
             response_model=CustodialEntry)
def pay_custodial(fund_id: str, body: CustodialOut, actor: CurrentActor, services: Services,
                  idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    """Passing held money on to its beneficiary: never a programme cost."""
    idem = idempotency_for(services, idempotency_key, actor, f"custodial-out:{fund_id}",
                           body.model_dump(mode="json"))
    return services.pay_custodial(actor, fund_id, body.amount_fen, body.beneficiary, idem,
                                  booked_on=body.booked_on)


@router.post("/funds/{fund_id}/in-kind-distributions", status_code=201,
             response_model=InKindEntry)
def distribute_in_kind(fund_id: str, body: InKindDistribution, actor: CurrentActor,
                       services: Services, idempotency_key: IdempotencyKey = None
                       ) -> dict[str, Any]:
    """Donated goods handed to a project or beneficiary (quantity and value): they leave
    存货 and are a programme cost."""
    idem = idempotency_for(services, idempotency_key, actor, f"in-kind-out:{fund_id}",
                           body.model_dump(mode="json"))
    return services.distribute_in_kind(
        actor, fund_id, body.amount_fen, body.purpose, body.description, body.quantity,
        body.unit, body.recipient, idem, booked_on=body.booked_on, grant_id=body.grant_id)


@router.post("/funds/{fund_id}/entity/year-end-closing", response_model=YearClosed)
def close_year(fund_id: str, body: YearClose, actor: CurrentActor, services: Services,
               read_models: ReadModels) -> dict[str, Any]:
    """结转: the legal entity's income and costs of `year` carried into unrestricted and
    restricted net assets, for the foundation and every fund it hosts in one entry each;
    the books are closed up to 31 December (a bank admin's reopening lets them move again,
    and a second closing carries what was added)."""
    head = services.entity_fund(actor, fund_id, write=True)
    closed = services.close_entity_year(
        actor, head.id, body.year, body.reason,
        hosted_before=fund_queries.hosted_fund_ids(read_models.engine, str(head.id)))
    return {"entity_fund_id": str(head.id), "year": body.year,
            "funds": [{"fund_id": str(f.id), "closed_until": f.closed_until,
                       "closed_years": sorted(f.closed_years)} for f in closed]}
