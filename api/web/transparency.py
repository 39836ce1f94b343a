"""信息公开: the public page of a legal entity (a foundation with the funds it hosts), by year —
income by source, the statement of activities' lines, net assets, projects and grants — and
the latest signed checkpoint. Figures only: no donor, no personal data."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import catch_up_for_read
from api.web.error_pages import error_page
from api.web.rendering import render, yuan
from api.web.sessions import page_partition, page_runner, use_partition
from projections import audit_queries, entity_reports
from timebank.domain.checkpoints import Checkpoint
from timebank.domain.errors import DomainError
from timebank.domain.values import shanghai_date, utc_now

router = APIRouter(include_in_schema=False)

SHOWN_LINES = ("donation_income", "government_grant_income", "income_total", "program_costs",
               "management_costs", "fundraising_costs", "other_costs", "expense_total",
               "change_in_net_assets")


@router.get("/transparency/funds/{fund_id}", response_class=HTMLResponse)
def fund_page(request: Request, fund_id: str, year: int | None = None) -> HTMLResponse:
    partition = use_partition(request, fund_id)  # public: the fund's own bank's books
    runner = page_runner(request)
    try:
        fund = partition.app.load_fund(fund_id)
        entity = partition.app.load_fund(fund.host_fund_id) if fund.host_fund_id else fund
    except DomainError as exc:
        return error_page(request, exc)
    this_year = shanghai_date(utc_now()).year
    year = year if year is not None and 2000 <= year <= this_year else this_year
    catch_up_for_read(runner)
    figures = entity_reports.public_year(partition.engine, str(entity.id), year)
    checkpoint = None
    latest = audit_queries.latest_checkpoint_id(partition.engine)
    if latest:
        checkpoint = partition.app.load(Checkpoint, latest)
    return render(request, "transparency.html", fund=fund, entity=entity, figures=figures,
                  years=list(range(figures["first_year"], this_year + 1)),
                  shown_lines=SHOWN_LINES, checkpoint=checkpoint, yuan=yuan)



@router.get("/transparency/checkpoints", response_class=HTMLResponse)
def checkpoints_page(request: Request) -> HTMLResponse:
    """账本校验点公示: every signed checkpoint, newest first, for anyone to keep — a copy
    of the anchor a database writer cannot reach once it has been published."""
    partition = page_partition(request)  # `?office_id=`: the partition holding that office
    catch_up_for_read(page_runner(request))
    checkpoints = audit_queries.exported_checkpoints(partition.engine, partition.app)
    return render(request, "checkpoints.html", checkpoints=list(reversed(checkpoints)),
                  office_id=request.query_params.get("office_id", "")[:64])


@router.get("/transparency/checkpoints.jsonl")
def checkpoints_file(request: Request) -> Response:
    """The same, as the anchor file `timebank audit verify --anchor` reads (a bank
    partition's with `?office_id=`, for `--partition`)."""
    partition = page_partition(request)
    catch_up_for_read(page_runner(request))
    lines = [json.dumps(c, sort_keys=True)
             for c in audit_queries.exported_checkpoints(partition.engine, partition.app)]
    return Response("".join(line + "\n" for line in lines), media_type="application/jsonl",
                    headers={"Content-Disposition": 'attachment; filename="checkpoints.jsonl"'})
