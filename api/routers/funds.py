"""Community funds (社区基金会): donations, grants decided by residents, statements."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from api.deps import CurrentActor, IdempotencyKey, ReadModels, Services, idempotency_for
from api.documents.receipt_pdf import render_receipt
from api.schemas import (
    DisbursementCreate,
    DisbursementOut,
    DonationCreate,
    DonationListItem,
    DonationOut,
    EntryOut,
    ExpenseCreate,
    ExpenseOut,
    FundCreate,
    FundOut,
    GrantCancel,
    GrantClose,
    GrantCreate,
    GrantCreated,
    GrantListItem,
    GrantStatus,
    GrantVote,
    IndicatorLimits,
    IndicatorLimitsOut,
    PeriodClose,
    PeriodReopen,
    PeriodsOut,
    PurposeChangeCreate,
    ReclassificationCreate,
    Statement,
    TrialBalance,
    VoidOut,
    VoidRequest,
    VoteRule,
)
from projections import fund_queries
from projections.scoping import scoped_office_ids
from timebank.application.authz import FUNDS
from timebank.domain.errors import DomainError
from timebank.domain.funds import Fund, Grant

router = APIRouter(tags=["community funds"])

AsOf = Annotated[date | None, Query(description="The books as they were at the end of this day.")]


def readable_hosted(services: Services, actor: Any, read_models: Any, host_id: str) -> list[str]:
    """Hosted funds' ids, only those the caller may read in their own right."""
    readable = []
    for hosted in fund_queries.hosted_fund_ids(read_models.engine, host_id):
        try:
            services.authorize_fund(actor, services.load_fund(hosted))
        except DomainError:
            continue
        readable.append(hosted)
    return readable


def fund_out(fund: Fund) -> dict[str, Any]:
    return {
        "id": str(fund.id),
        "name": fund.name,
        "kind": fund.kind,
        "host_fund_id": str(fund.host_fund_id) if fund.host_fund_id else None,
        "office_id": str(fund.office_id),
    }


def grant_status(grant: Grant) -> dict[str, Any]:
    return {
        "grant_id": str(grant.id),
        "status": grant.status,
        "amount_fen": grant.amount_fen,
        "disbursed_fen": grant.disbursed_fen,
    }


@router.post("/funds", status_code=201, response_model=FundOut)
def open_fund(body: FundCreate, actor: CurrentActor, services: Services) -> dict[str, Any]:
    fund = services.open_fund(actor, body.name, body.kind, body.host_fund_id, body.office_id)
    return fund_out(fund)


@router.get("/funds/{fund_id}", response_model=FundOut)
def read_fund(fund_id: str, actor: CurrentActor, services: Services) -> dict[str, Any]:
    fund = services.load_fund(fund_id)
    services.authorize_fund(actor, fund)
    return fund_out(fund)


@router.put("/funds/{fund_id}/vote-rule", response_model=FundOut)
def set_vote_rule(
    fund_id: str, body: VoteRule, actor: CurrentActor, services: Services
) -> dict[str, Any]:
    return fund_out(services.set_vote_rule(actor, fund_id, body.min_turnout, body.two_thirds))


@router.put("/funds/{fund_id}/indicator-limits", response_model=IndicatorLimitsOut)
def set_indicator_limits(
    fund_id: str, body: IndicatorLimits, actor: CurrentActor, services: Services
) -> dict[str, Any]:
    """The charity indicators' limits of this fund (they depend on its type and size)."""
    limits = body.model_dump(exclude_none=True)
    fund = services.set_indicator_limits(actor, fund_id, limits)
    return {"fund_id": str(fund.id), "limits": fund.indicator_limits}


@router.post("/funds/{fund_id}/donations", status_code=201, response_model=DonationOut)
def receive_donation(
    fund_id: str,
    body: DonationCreate,
    actor: CurrentActor,
    services: Services,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    idem = idempotency_for(
        services, idempotency_key, actor, f"donation:{fund_id}", body.model_dump(mode="json")
    )
    return services.receive_donation(
        actor,
        fund_id,
        body.amount_fen,
        body.donor_name,
        body.donor_type,
        body.restricted_purpose,
        body.anonymous,
        idem,
        in_kind_description=body.in_kind,
        booked_on=body.booked_on,
    )


@router.get("/funds/{fund_id}/donations", response_model=list[DonationListItem])
def list_donations(
    fund_id: str,
    actor: CurrentActor,
    services: Services,
    read_models: ReadModels,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    fund = services.load_fund(fund_id)
    services.authorize_fund(actor, fund)
    rows = fund_queries.fund_donations(read_models.engine, str(fund.id), limit)
    for row in rows:  # donor identities: only for the fund's treasurers, auditors, bank admins
        row["donor_name"] = services.donor_name(fund, row["donation_id"])
    return rows


@router.get(
    "/funds/{fund_id}/donations/{donation_id}/receipt.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def donation_receipt(
    fund_id: str,
    donation_id: str,
    actor: CurrentActor,
    services: Services,
    read_models: ReadModels,
) -> Response:
    """The printable receipt; a voided donation's receipt is marked void, never reissued."""
    fund = services.load_fund(fund_id)
    services.authorize_fund(actor, fund)
    donation = fund_queries.donation(read_models.engine, str(fund.id), donation_id)
    if donation is None:
        raise DomainError("not_found", "donation not found.")
    host = services.load_fund(fund.host_fund_id) if fund.host_fund_id else None
    pdf = render_receipt(host.name if host else fund.name, donation,
                         services.donor_name(fund, donation_id),
                         project=fund.name if host else None,
                         officer=services.officer_name(donation.get("recorded_by")))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="receipt-{donation["receipt_no"]}.pdf"'
        },
    )


@router.post("/funds/{fund_id}/donations/{donation_id}/erase-donor", status_code=204)
def erase_donor(
    fund_id: str, donation_id: str, body: VoidRequest, actor: CurrentActor, services: Services
) -> Response:
    """个人信息删除 of a donor (administrators): the gift, its receipt and the books stay."""
    services.erase_donor(actor, fund_id, donation_id, body.reason)
    return Response(status_code=204)


@router.post("/funds/{fund_id}/donations/{donation_id}/void", response_model=VoidOut)
def void_donation(
    fund_id: str, donation_id: str, body: VoidRequest, actor: CurrentActor, services: Services
) -> dict[str, Any]:
    return services.void_donation(actor, fund_id, donation_id, body.reason)


@router.post("/funds/{fund_id}/expenses", status_code=201, response_model=ExpenseOut)
def pay_expense(
    fund_id: str,
    body: ExpenseCreate,
    actor: CurrentActor,
    services: Services,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    idem = idempotency_for(
        services, idempotency_key, actor, f"expense:{fund_id}", body.model_dump(mode="json")
    )
    if body.allocations:
        allocations = [(share.kind, share.amount_fen) for share in body.allocations]
    elif body.kind is not None and body.amount_fen is not None:
        allocations = [(body.kind, body.amount_fen)]
    else:
        raise DomainError(
            "invalid_input", "Give kind and amount_fen, or allocations.", field="kind"
        )
    return services.pay_expense(
        actor,
        fund_id,
        allocations,
        body.description,
        idem,
        allocation_method=body.allocation_method,
        booked_on=body.booked_on,
        decision=body.decision.model_dump() if body.decision else None,
    )


@router.post("/funds/{fund_id}/reclassifications", status_code=201, response_model=EntryOut)
def release_restriction(
    fund_id: str,
    body: ReclassificationCreate,
    actor: CurrentActor,
    services: Services,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """限定性净资产转为非限定性净资产: an explicit entry with its reason and the donors'
    recorded consent. Without consent a second person approves: see
    `POST /funds/{id}/release-requests`."""
    idem = idempotency_for(
        services, idempotency_key, actor, f"reclassify:{fund_id}", body.model_dump(mode="json")
    )
    consent = (body.consent.model_dump(mode="json", exclude={"donation_ids"})
               if body.consent else None)
    return services.release_restriction(
        actor, fund_id, body.purpose, body.amount_fen, body.reason, idem, consent=consent,
        donation_ids=body.consent.donation_ids if body.consent else None,
    )


@router.post("/funds/{fund_id}/purpose-changes", status_code=201, response_model=EntryOut)
def change_purpose(
    fund_id: str,
    body: PurposeChangeCreate,
    actor: CurrentActor,
    services: Services,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """A restricted gift's purpose changes only with the donor's recorded consent."""
    idem = idempotency_for(
        services, idempotency_key, actor, f"repurpose:{fund_id}", body.model_dump(mode="json")
    )
    consent = body.consent.model_dump(mode="json", exclude={"donation_ids"}) if body.consent else {}
    return services.change_purpose(
        actor,
        fund_id,
        body.from_purpose,
        body.to_purpose,
        body.amount_fen,
        consent,
        idem,
        donation_ids=body.consent.donation_ids if body.consent else [],
    )


@router.post("/funds/{fund_id}/periods/close", response_model=PeriodsOut)
def close_period(
    fund_id: str, body: PeriodClose, actor: CurrentActor, services: Services
) -> dict[str, Any]:
    """No entry dated on or before `until` is accepted afterwards (unless reopened)."""
    fund = services.close_period(actor, fund_id, body.until, body.reason)
    return {"fund_id": str(fund.id), "closed_until": fund.closed_until}


@router.post("/funds/{fund_id}/periods/reopen", response_model=PeriodsOut)
def reopen_period(
    fund_id: str, body: PeriodReopen, actor: CurrentActor, services: Services
) -> dict[str, Any]:
    fund = services.reopen_period(actor, fund_id, body.from_, body.reason)
    return {"fund_id": str(fund.id), "closed_until": fund.closed_until}


@router.post("/funds/{fund_id}/grants", status_code=201, response_model=GrantCreated)
def propose_grant(
    fund_id: str, body: GrantCreate, actor: CurrentActor, services: Services
) -> dict[str, Any]:
    grant = services.propose_grant(actor, fund_id, body.project, body.amount_fen, body.purpose)
    return {"grant_id": str(grant.id), "status": grant.status}


@router.get("/funds/{fund_id}/grants", response_model=list[GrantListItem])
def list_grants(
    fund_id: str, actor: CurrentActor, services: Services, read_models: ReadModels
) -> list[dict[str, Any]]:
    fund = services.load_fund(fund_id)
    services.authorize_fund(actor, fund)
    return fund_queries.fund_grants(read_models.engine, str(fund.id))


@router.post("/grants/{grant_id}/approve", response_model=GrantStatus)
def approve_grant(
    grant_id: str, body: GrantVote, actor: CurrentActor, services: Services
) -> dict[str, Any]:
    grant = services.decide_grant(
        actor, grant_id, body.votes_for, body.votes_against, body.votes_abstain, body.minutes
    )
    return grant_status(grant)


@router.post("/grants/{grant_id}/disbursements", status_code=201, response_model=DisbursementOut)
def disburse(
    grant_id: str,
    body: DisbursementCreate,
    actor: CurrentActor,
    services: Services,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    idem = idempotency_for(
        services, idempotency_key, actor, f"disburse:{grant_id}", body.model_dump(mode="json")
    )
    return services.disburse_grant(actor, grant_id, body.amount_fen, idem)


@router.post("/grants/{grant_id}/close", response_model=GrantStatus)
def close_grant(
    grant_id: str, body: GrantClose, actor: CurrentActor, services: Services
) -> dict[str, Any]:
    return grant_status(services.close_grant(actor, grant_id, body.report))


@router.post("/grants/{grant_id}/cancel", response_model=GrantStatus)
def cancel_grant(
    grant_id: str, body: GrantCancel, actor: CurrentActor, services: Services
) -> dict[str, Any]:
    return grant_status(services.cancel_grant(actor, grant_id, body.reason))


@router.get("/funds/{fund_id}/statement", response_model=Statement)
def fund_statement(
    fund_id: str,
    actor: CurrentActor,
    services: Services,
    read_models: ReadModels,
    as_of: AsOf = None,
    at: Annotated[datetime | None, Query(description="An instant (with offset).")] = None,
    corrected: Annotated[
        bool, Query(description="Apply later voids of donations received by then.")
    ] = False,
) -> dict[str, Any]:
    fund = services.load_fund(fund_id)
    services.authorize_fund(actor, fund)
    if at is not None and at.tzinfo is None:
        raise DomainError("invalid_input", "at needs a UTC offset.", field="at")
    result = fund_queries.statement(read_models.engine, str(fund.id), as_of, at, corrected)
    result["special_funds"] = [
        {
            "fund_id": hosted,
            **{
                k: v
                for k, v in fund_queries.statement(
                    read_models.engine, hosted, as_of, at, corrected
                ).items()
                if k in ("balance_fen", "donations_fen", "disbursed_fen")
            },
        }
        for hosted in readable_hosted(services, actor, read_models, str(fund.id))
    ]
    return result


@router.get("/reports/trial-balance", response_model=TrialBalance)
def trial_balance(
    actor: CurrentActor,
    services: Services,
    read_models: ReadModels,
    as_of: AsOf = None,
    fund_id: str | None = None,
    office_id: str | None = None,
) -> dict[str, Any]:
    """All funds of an office subtree (the caller's own by default), or one fund."""
    if fund_id:
        fund = services.load_fund(fund_id)
        services.authorize_fund(actor, fund)
        # A foundation's books include the special funds it hosts (each a sub-ledger).
        ids = [str(fund.id), *readable_hosted(services, actor, read_models, str(fund.id))]
        return fund_queries.trial_balance(read_models.engine, ids, as_of)
    scope = services.read_scope(actor, FUNDS, office_id)
    office_ids = scoped_office_ids(read_models.engine, scope)
    fund_ids = [f["id"] for f in fund_queries.funds_of_offices(read_models.engine, office_ids)]
    return fund_queries.trial_balance(read_models.engine, fund_ids, as_of)
