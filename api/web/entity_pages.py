"""The treasurer's view of the legal entity: the foundation with the funds it hosts — its
three statements, the trial balance check, the indicators with the rule row applied, the
disclosure reminders and the exports (the same figures as GET /api/v1/funds/{id}/entity/…)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import catch_up_for_read
from api.routers import entity_reports as api
from api.web.people_pages import error_page, redirect_to_login, staff_actor
from api.web.rendering import render, yuan
from api.web.sessions import page_engine, page_runner, page_services
from api.web.staff_dashboards import percent
from projections import entity_reports
from timebank.domain.errors import DomainError
from timebank.domain.values import SHANGHAI, utc_now

router = APIRouter(include_in_schema=False)


@router.get("/staff/funds/{fund_id}/entity", response_class=HTMLResponse)
def entity_view(request: Request, fund_id: str, as_of: str | None = None) -> Response:
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    services = page_services(request)
    engine = page_engine(request)
    try:
        fund = services.entity_fund(actor, fund_id)
    except DomainError as exc:
        return error_page(request, exc)
    catch_up_for_read(page_runner(request))
    today = utc_now().astimezone(SHANGHAI).date()
    try:
        day = date.fromisoformat(as_of) if as_of else today
    except ValueError:
        day = today
    start = date(day.year, 1, 1)
    fid = str(fund.id)
    profile, recorded = services.entity_profile(fund.id)
    return render(
        request, "entity.html", fund=fund, as_of=day.isoformat(), yuan=yuan, percent=percent,
        sheet=entity_reports.balance_sheet(engine, fid, day),
        activities=entity_reports.activities(engine, fid, start, day),
        flows=entity_reports.cash_flows(engine, fid, start, day),
        trial=entity_reports.trial_balance(engine, fid, day),
        indicators=entity_reports.indicators(engine, fid, day.year, profile, today),
        profile_recorded=recorded,
        reminders=entity_reports.disclosures(engine, fid, today)["reminders"],
    )


def _download(request: Request, fund_id: str, route: Any, **params: Any) -> Response:
    """A download of the API's, for the page's logged-in reader (the same checks)."""
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    catch_up_for_read(page_runner(request))
    try:
        return route(fund_id, actor, page_services(request), page_runner(request), **params)
    except DomainError as exc:
        return error_page(request, exc)


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@router.get("/staff/funds/{fund_id}/entity/statements.xlsx")
def statements_xlsx(request: Request, fund_id: str, as_of: str | None = None) -> Response:
    return _download(request, fund_id, api.entity_statements_xlsx, as_of=_day(as_of))


@router.get("/staff/funds/{fund_id}/entity/statements.pdf")
def statements_pdf(request: Request, fund_id: str, as_of: str | None = None) -> Response:
    return _download(request, fund_id, api.entity_statements_pdf, as_of=_day(as_of))


@router.get("/staff/funds/{fund_id}/entity/annual-report.xlsx")
def annual_report_xlsx(request: Request, fund_id: str, year: int | None = None) -> Response:
    return _download(request, fund_id, api.entity_annual_report_xlsx, year=year)


@router.get("/staff/funds/{fund_id}/entity/receipts.xlsx")
def receipts_xlsx(request: Request, fund_id: str, year: int | None = None) -> Response:
    return _download(request, fund_id, api.entity_receipts_xlsx, year=year)
