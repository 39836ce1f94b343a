"""时间银行: the bank's time-bank rules, time accounts, the hours pool, and 通存通兑 —
inter-bank transfers of hours (202 pending, then posted or voided) and the clearing."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from api.deps import (
    CurrentActor,
    IdempotencyKey,
    ReadModels,
    RequestPartition,
    Services,
    catch_up_for_read,
    idempotency_for,
)
from api.schemas import (
    ClearingReport,
    HoursPoolOut,
    InterbankBooks,
    InterbankTransferCreate,
    InterbankTransferOut,
    PoolFunding,
    TimeAccountOut,
    TimeBankRulesIn,
    TimeBankRulesOut,
    TimeDonationCreate,
    TimeDonationOut,
    TimeGiftCreate,
    TimeGiftOut,
)
from projections import time_queries
from timebank.application.authz import CITY_CLEARING
from timebank.application.interbank import transfer_out
from timebank.domain.errors import DomainError
from timebank.domain.offices import Office
from timebank.domain.time_accounts import minutes_of_hours
from timebank.interbank import CityTransfers

router = APIRouter(tags=["time bank"])

From = Annotated[date | None, Query(alias="from", description="First day (inclusive).")]
To = Annotated[date | None, Query(alias="to", description="Last day (inclusive).")]


def rules_out(bank: Office) -> dict[str, Any]:
    return {"bank_id": str(bank.id), **bank.time_rules().as_record()}


def _period(first: date | None, last: date | None) -> None:
    if first and last and last < first:
        raise DomainError("invalid_time_range", field="to")


@router.put("/offices/{bank_id}/time-bank-rules", response_model=TimeBankRulesOut)
def change_time_bank_rules(bank_id: str, body: TimeBankRulesIn, actor: CurrentActor,
                           services: Services) -> dict[str, Any]:
    bank = services.change_time_bank_rules(actor, bank_id, body.model_dump())
    return rules_out(bank)


@router.get("/offices/{bank_id}/time-bank-rules", response_model=TimeBankRulesOut)
def read_time_bank_rules(bank_id: str, actor: CurrentActor,
                         services: Services) -> dict[str, Any]:
    return rules_out(services.bank_of(services.read_office(actor, bank_id)))


@router.get("/volunteers/{volunteer_id}/time-account", response_model=TimeAccountOut)
def read_time_account(volunteer_id: str, actor: CurrentActor, services: Services,
                      read_models: ReadModels) -> dict[str, Any]:
    volunteer = services.read_time_account(actor, volunteer_id)
    return time_queries.time_account_view(read_models.engine, volunteer.passbook_no)


@router.get("/offices/{bank_id}/hours-pool", response_model=HoursPoolOut)
def read_hours_pool(bank_id: str, actor: CurrentActor, services: Services,
                    read_models: ReadModels) -> dict[str, Any]:
    bank = services.bank_of(services.read_office(actor, bank_id))
    return time_queries.pool_view(read_models.engine, str(bank.id))


@router.post("/offices/{bank_id}/hours-pool/fundings", status_code=201,
             response_model=HoursPoolOut)
def fund_hours_pool(bank_id: str, body: PoolFunding, actor: CurrentActor, services: Services,
                    read_models: ReadModels, idempotency_key: IdempotencyKey = None
                    ) -> dict[str, Any]:
    """The bank puts hours into its public pool (a recorded decision, with its reason)."""
    idem = idempotency_for(services, idempotency_key, actor, "pool-funding",
                           body.model_dump(), required=False)
    pool = services.fund_pool(actor, bank_id, minutes_of_hours(body.hours), body.reason, idem)
    catch_up_for_read(read_models)
    return time_queries.pool_view(read_models.engine, str(pool.bank_id))


@router.post("/time-gifts", status_code=201, response_model=TimeGiftOut)
def give_hours(body: TimeGiftCreate, actor: CurrentActor, services: Services,
               idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    """赠与亲属: hours to a family member's passbook of the same bank, the relation recorded,
    within the bank's yearly limit."""
    idem = idempotency_for(services, idempotency_key, actor, "time-gift", body.model_dump())
    return services.give_hours(actor, body.from_passbook, body.to_passbook,
                               minutes_of_hours(body.hours), body.relation, body.note, idem)


@router.post("/time-donations", status_code=201, response_model=TimeDonationOut)
def donate_hours(body: TimeDonationCreate, actor: CurrentActor, services: Services,
                 idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    """捐赠公益池: hours to the bank's public pool, within the bank's yearly limit."""
    idem = idempotency_for(services, idempotency_key, actor, "time-donation",
                           body.model_dump())
    return services.donate_hours(actor, body.passbook, minutes_of_hours(body.hours),
                                 body.note, idem)


@router.post("/interbank-transfers", status_code=202, response_model=InterbankTransferOut)
def request_interbank_transfer(
    request: Request,
    body: InterbankTransferCreate,
    actor: CurrentActor,
    partition: RequestPartition,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """通存通兑: hours from this bank's passbook to one in another bank of the city. Answers
    202 with the transfer pending; it is then posted (credited in the other bank) or voided
    (the hours return), which `GET /interbank-transfers/{transfer_id}` shows."""
    idem = idempotency_for(partition.app, idempotency_key, actor, "interbank-transfer",
                           body.model_dump())
    minutes = minutes_of_hours(body.hours)
    city: CityTransfers = request.app.state.city_transfers
    answer = city.request(partition, actor, body.from_passbook, body.to_bank_id,
                          body.to_passbook, minutes, body.note, idem)
    return JSONResponse(answer, status_code=202)


@router.get("/interbank-transfers/{transfer_id}", response_model=InterbankTransferOut)
def read_interbank_transfer(transfer_id: str, actor: CurrentActor,
                            services: Services) -> dict[str, Any]:
    return transfer_out(services.read_interbank_transfer(actor, transfer_id))


@router.get("/offices/{bank_id}/interbank-books", response_model=InterbankBooks)
def read_interbank_books(bank_id: str, actor: CurrentActor, services: Services,
                         read_models: ReadModels, date_from: From = None,
                         date_to: To = None) -> dict[str, Any]:
    """The bank's books with every other bank of the city: hours sent and received, and
    what it owes each (or is owed), by the day each transfer was credited."""
    _period(date_from, date_to)
    bank = services.bank_of(services.read_office(actor, bank_id))
    return {"bank_id": str(bank.id), "from": date_from, "to": date_to,
            "lines": time_queries.bank_books(read_models.engine, str(bank.id), date_from,
                                             date_to)}


@router.get("/interbank/clearing", response_model=ClearingReport)
def clearing_report(request: Request, actor: CurrentActor, services: Services,
                    date_from: From = None, date_to: To = None) -> dict[str, Any]:
    """The city's clearing for a period: every pair of banks netted from both banks' own
    books (each partition's), balanced when both books agree. City-wide: administrators."""
    _period(date_from, date_to)
    services.read_scope(actor, CITY_CLEARING)  # administrators: everything; others refused
    books, pending = [], 0
    for partition in request.app.state.runtime.partitions.all():
        runner = request.app.state.runners[partition.key]
        catch_up_for_read(runner)
        books.append(time_queries.ledger_rows(partition.engine, None, date_from, date_to))
        pending += len(time_queries.pending_transfer_ids(partition.engine))
    return {**time_queries.clearing_report(books, date_from, date_to),
            "pending_transfers": pending}

