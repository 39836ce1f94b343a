"""The treasurer's dashboard of a fund and the district's rollup view, with SVG charts."""

from __future__ import annotations

import calendar
import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import catch_up_for_read, idempotency_for
from api.errors import STATUS_BY_CODE
from api.routers import fund_reports as report_routes
from api.routers import funds as fund_routes
from api.web.charts import bar_chart
from api.web.donation_form import PROBLEM_OF_FIELD, FormProblem, read_donation_form
from api.web.i18n import language_of, texts
from api.web.people_pages import error_page, page_message, redirect_to_login, staff_actor
from api.web.rendering import render, yuan
from api.web.sessions import check_csrf, page_engine, page_runner, page_services
from projections import (
    entity_reports,
    fund_queries,
    fund_reports,
    page_queries,
    queries,
    record_queries,
)
from projections.queries import APPROVAL_BASIS, SERVICE_BASIS
from timebank.application.authz import ADMINISTRATION, OFFICE_FIGURES, VOLUNTEER_RECORDS, may_read
from timebank.domain.errors import DomainError
from timebank.domain.values import SHANGHAI, hours_text, utc_now
from timebank.domain.vocabulary import DONOR_TYPE

router = APIRouter(include_in_schema=False)


MAX_CHART_MONTHS = 24


def months_between(start: date, end: date) -> list[tuple[int, int]]:
    """The (year, month)s of a period, at most the last MAX_CHART_MONTHS of them."""
    months, (year, month) = [], (start.year, start.month)
    while (year, month) <= (end.year, end.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months[-MAX_CHART_MONTHS:]


def month_labels(months: list[tuple[int, int]], lang: str) -> list[str]:
    """11月 / Nov within one year; 2026-11 when the period spans years."""
    if len({year for year, _ in months}) > 1:
        return [f"{year}-{month:02d}" for year, month in months]
    return [f"{month}月" if lang == "zh" else calendar.month_abbr[month]
            for _, month in months]


def yuan_figure(fen: int) -> str:
    """Fen as yuan with fen, for charts: 123456 -> 1,234.56 (integer arithmetic)."""
    return yuan(fen).lstrip("-¥") if fen >= 0 else "-" + yuan(fen).lstrip("-¥")


def _date(text: str | None, default: date) -> date:
    try:
        return date.fromisoformat(text) if text else default
    except ValueError:
        return default


@router.get("/staff/funds/{fund_id}", response_class=HTMLResponse)
def fund_dashboard(request: Request, fund_id: str, as_of: str | None = None,
                   donation: str = "") -> Response:
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    return _dashboard(request, actor, fund_id, as_of, recorded_id=donation)


def _dashboard(request: Request, actor: Any, fund_id: str, as_of: str | None = None, *,
               status: int = 200, recorded_id: str = "", form_error: str | None = None,
               form_values: dict[str, str] | None = None) -> Response:
    services = page_services(request)
    engine = page_engine(request)
    try:
        fund = services.load_fund(fund_id)
        services.authorize_fund(actor, fund)
    except DomainError as exc:
        return error_page(request, exc)
    catch_up_for_read(page_runner(request))
    lang = language_of(request)
    t = texts(lang)
    today = utc_now().astimezone(SHANGHAI).date()
    day = _date(as_of, today)
    statement = fund_queries.statement(engine, str(fund.id), day)
    trial = fund_queries.trial_balance(engine, [str(fund.id)], day)
    year_start = date(day.year, 1, 1)
    # The charts follow the day asked for: income and cash of its year, up to that day.
    income = page_queries.fund_income_by_donor_type(engine, str(fund.id), year_start, day)
    donations = fund_queries.fund_donations(engine, str(fund.id), 20)
    for row in donations:  # readers of the fund may see donors (see docs/security.md)
        row["donor_name"] = services.donor_name(fund, row["donation_id"])
    recorded = (fund_queries.donation(engine, str(fund.id), recorded_id)
                if _is_uuid(recorded_id) else None)
    months = months_between(year_start, day)
    flows = page_queries.fund_monthly_cash(engine, str(fund.id), year_start, day)
    inflow = [flows.get(m, (0, 0))[0] for m in months]
    outflow = [flows.get(m, (0, 0))[1] for m in months]
    # The charity-law indicators are the legal entity's (GET …/entity/indicators), for those
    # who may read the entity; tracing is the fund's own (GET …/reports/tracing).
    try:
        entity = services.entity_fund(actor, fund.id)
    except DomainError:
        indicators = None
    else:
        profile, _ = services.entity_profile(entity.id)
        indicators = entity_reports.indicators(engine, str(entity.id), day.year, profile,
                                               today)
    traced = fund_reports.tracing(engine, str(fund.id), day,
                                  report_routes.disbursement_grants(services, fund))
    return render(
        request, "fund_dashboard.html", status, fund=fund, statement=statement, trial=trial,
        indicators=indicators, traced=traced, percent=percent,
        as_of=day.isoformat(), yuan=yuan, grants=fund_queries.fund_grants(engine, str(fund.id)),
        donations=donations, recorded=recorded, may_record=_may_record(services, actor, fund),
        today=today.isoformat(), form_error=form_error,
        form=form_values or {}, form_key=uuid.uuid4().hex,
        income_chart=bar_chart([(t["chart_income_series"], list(income.values()))],
                               [DONOR_TYPE.label(k, lang) for k in income],
                               t["chart_income_as_of"].format(start=year_start.isoformat(),
                                                              end=day.isoformat()),
                               shown=yuan_figure, data_label=t["chart_figures"]),
        flow_chart=bar_chart([(t["chart_inflow"], inflow), (t["chart_outflow"], outflow)],
                             month_labels(months, lang),
                             t["chart_flows_as_of"].format(start=year_start.isoformat(),
                                                           end=day.isoformat()),
                             shown=yuan_figure, data_label=t["chart_figures"]),
    )


def percent(ratio: str | None) -> str:
    """"0.7000" -> "70.00%"; no basis to divide by -> "—"."""
    return "—" if ratio is None else f"{Decimal(ratio) * 100:.2f}%"


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _may_record(services: Any, actor: Any, fund: Any) -> bool:
    """The form is offered to those the command will let write (the fund's treasurers)."""
    try:
        services.authorize_fund(actor, fund, write=True)
    except DomainError:
        return False
    return True


@router.post("/staff/funds/{fund_id}/donations", response_class=HTMLResponse)
def record_donation(
    request: Request,
    fund_id: str,
    key: Annotated[str, Form(max_length=64)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
    donor_type: Annotated[str, Form(max_length=20)] = "",
    amount: Annotated[str, Form(max_length=30)] = "",
    donor_name: Annotated[str, Form(max_length=100)] = "",
    anonymous: Annotated[str, Form(max_length=3)] = "",
    purpose: Annotated[str, Form(max_length=100)] = "",
    in_kind: Annotated[str, Form(max_length=200)] = "",
    received_on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """The treasurer's form: the same command as POST /api/v1/funds/{id}/donations, the form's
    key making a double submit harmless; refused input is shown and changes nothing."""
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    services = page_services(request)
    values = {"donor_type": donor_type, "amount": amount, "donor_name": donor_name,
              "anonymous": anonymous, "purpose": purpose, "in_kind": in_kind,
              "received_on": received_on}
    t = texts(language_of(request))
    try:
        check_csrf(request, csrf)
        form = read_donation_form(values)
        idem = idempotency_for(services, key, actor, f"donation:{fund_id}",
                               form.fingerprint_payload())
        body = services.receive_donation(
            actor, fund_id, form.amount_fen, form.donor_name, form.donor_type,
            form.restricted_purpose, form.anonymous, idem, in_kind_description=form.in_kind,
            booked_on=form.booked_on)
    except FormProblem as problem:
        return _dashboard(request, actor, fund_id, status=422, form_error=t[problem.key],
                          form_values=values)
    except DomainError as exc:
        field_key = PROBLEM_OF_FIELD.get(str(exc.context.get("field")))
        message = t[field_key] if exc.code == "invalid_input" and field_key else (
            page_message(request, exc))
        return _dashboard(request, actor, fund_id, status=STATUS_BY_CODE.get(exc.code, 400),
                          form_error=message, form_values=values)
    return RedirectResponse(f"/staff/funds/{fund_id}?" + urlencode(
        {"donation": body["donation_id"]}), status_code=303)


@router.get("/staff/funds/{fund_id}/donations/{donation_id}/receipt.pdf")
def donation_receipt_pdf(request: Request, fund_id: str, donation_id: str) -> Response:
    """The printable receipt (捐赠票据), as the API renders it, for the fund's readers."""
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    runner = page_runner(request)
    catch_up_for_read(runner)
    try:
        return fund_routes.donation_receipt(fund_id, donation_id, actor,
                                            page_services(request), runner)
    except DomainError as exc:
        return error_page(request, exc)


@router.get("/staff/funds/{fund_id}/journal.csv")
def fund_journal_csv(request: Request, fund_id: str) -> Response:
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    return report_routes.journal_csv(fund_id, actor, page_services(request),
                                     page_runner(request))


@router.get("/staff/funds/{fund_id}/statement.xlsx")
def fund_statement_xlsx(request: Request, fund_id: str, as_of: str | None = None) -> Response:
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    day = _date(as_of, utc_now().astimezone(SHANGHAI).date())
    return report_routes.statement_xlsx(fund_id, actor, page_services(request),
                                        page_runner(request),
                                        day)


@router.get("/staff/offices/{office_id}", response_class=HTMLResponse)
def district_view(
    request: Request,
    office_id: str,
    date_from: Annotated[str | None, Query(alias="from")] = None,
    date_to: Annotated[str | None, Query(alias="to")] = None,
    basis: str = SERVICE_BASIS,
) -> Response:
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    services = page_services(request)
    engine = page_engine(request)
    try:
        scope = services.read_scope(actor, OFFICE_FIGURES, office_id)
    except DomainError as exc:
        return error_page(request, exc)
    catch_up_for_read(page_runner(request))
    today = utc_now().astimezone(SHANGHAI).date()
    start = _date(date_from, date(today.year, 1, 1))
    end = _date(date_to, today)
    if end < start:
        start, end = end, start
    basis = basis if basis in (SERVICE_BASIS, APPROVAL_BASIS) else SERVICE_BASIS
    tree = queries.rollup(engine, str(scope.office_id), start, end, basis)
    # The chart shows the period asked for, month by month, by the day of the service.
    by_month = queries.monthly_service(engine, scope, start, end)
    months = months_between(start, end)
    lang = language_of(request)
    t = texts(lang)
    hours_chart = bar_chart(
        [(t["chart_hours_series"], [by_month.get(m, (0, 0))[0] for m in months])],
        month_labels(months, lang),
        t["chart_hours_by_month"].format(start=start.isoformat(), end=end.isoformat()),
        shown=hours_text, data_label=t["chart_figures"])
    points_chart = bar_chart(
        [(t["chart_points_series"], [by_month.get(m, (0, 0))[1] for m in months])],
        month_labels(months, lang),
        t["chart_points_by_month"].format(start=start.isoformat(), end=end.isoformat()),
        data_label=t["chart_figures"])
    # 更正申请逾期: the branch (and the bank) see how many of their offices' are late.
    overdue = None
    if may_read(actor, VOLUNTEER_RECORDS):
        overdue = record_queries.count_overdue_corrections(
            engine, services.read_scope(actor, VOLUNTEER_RECORDS, office_id), today)
    # A bank's administrator lands here: the bank's settings are one link away, for those
    # the read gate lets administer the bank.
    settings = tree is not None and tree.get("kind") == "bank"
    if settings:
        try:
            services.read_scope(actor, ADMINISTRATION, str(scope.office_id))
        except DomainError:
            settings = False
    return render(request, "district.html", tree=tree, charts=[hours_chart, points_chart],
                  date_from=start.isoformat(), date_to=end.isoformat(), basis=basis,
                  settings=settings, overdue_corrections=overdue,
                  office_id=str(scope.office_id))
