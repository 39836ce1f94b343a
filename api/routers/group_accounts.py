"""Group accounts (团体时间账户): a team's hours, earned together, only ever donated."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import (
    CurrentActor,
    IdempotencyKey,
    ReadModels,
    Services,
    catch_up_for_read,
    idempotency_for,
)
from api.schemas import TimeDonationOut
from api.schemas_requests import GroupAccountCreate, GroupAccountOut, GroupDonation, GroupService
from projections import time_queries
from timebank.domain.time_accounts import TimeAccount, minutes_of_hours
from timebank.domain.values import hours_text, shanghai_date, utc_now

router = APIRouter(tags=["time bank"])


def group_out(account: TimeAccount, read_models: Any) -> dict[str, Any]:
    catch_up_for_read(read_models)
    view = time_queries.time_account_view(read_models.engine, account.passbook_no)
    return {"account_id": str(account.id), "number": account.passbook_no,
            "name": account.name, "office_id": str(account.office_id),
            "bank_id": str(account.bank_id), "balance_hours": view["balance_hours"],
            "entries": view["entries"]}


@router.post("/offices/{office_id}/group-accounts", status_code=201,
             response_model=GroupAccountOut)
def open_group_account(office_id: str, body: GroupAccountCreate, actor: CurrentActor,
                       services: Services, read_models: ReadModels,
                       idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    idem = idempotency_for(services, idempotency_key, actor, "group-account",
                           {"office_id": office_id, **body.model_dump()}, required=False)
    account = services.open_group_account(actor, office_id, body.name, idem)
    return group_out(account, read_models)


@router.get("/group-accounts/{account_id}", response_model=GroupAccountOut)
def read_group_account(account_id: str, actor: CurrentActor, services: Services,
                       read_models: ReadModels) -> dict[str, Any]:
    return group_out(services.read_group_account(actor, account_id), read_models)


@router.post("/group-accounts/{account_id}/services", status_code=201,
             response_model=GroupAccountOut)
def record_group_service(account_id: str, body: GroupService, actor: CurrentActor,
                         services: Services, read_models: ReadModels,
                         idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    """The hours a group served together at an activity of a time-bank category."""
    idem = idempotency_for(services, idempotency_key, actor, f"group-service:{account_id}",
                           body.model_dump())
    account = services.record_group_service(actor, account_id, body.activity_id,
                                            minutes_of_hours(body.hours), body.note, idem)
    return group_out(account, read_models)


@router.post("/group-accounts/{account_id}/donations", status_code=201,
             response_model=TimeDonationOut)
def donate_group_hours(account_id: str, body: GroupDonation, actor: CurrentActor,
                       services: Services, read_models: ReadModels,
                       idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    """A group's hours go to the bank's public pool: the only way they leave it."""
    idem = idempotency_for(services, idempotency_key, actor, f"group-donation:{account_id}",
                           body.model_dump())
    answer = services.donate_group_hours(actor, account_id, minutes_of_hours(body.hours),
                                         body.note, idem)
    account = services.load_group_account(account_id)
    year = shanghai_date(utc_now()).year
    return {"donation_id": answer["donation_id"], "balance_hours": hours_text(account.balance),
            "given_this_year_hours": hours_text(account.given_in(year))}
