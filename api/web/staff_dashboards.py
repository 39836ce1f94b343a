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
from sqlalchemy import func, select

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
from projections import fund_queries, fund_reports, queries
from projections.tables import fund_journal
from timebank.application.authz import OFFICE_FIGURES
from timebank.domain.errors import DomainError
from timebank.domain.funds import DONOR_TYPES
from timebank.domain.values import SHANGHAI, utc_now

router = APIRouter(include_in_schema=False)


def month_labels(lang: str) -> list[str]:
    return [f"{m}月" if lang == "zh" else calendar.month_abbr[m] for m in range(1, 13)]


def _date(text: str | None, default: date) -> date:
    try:
        return date.fromisoformat(text) if text else default
    except ValueError:
        return default


def _monthly_flows(engine: Any, fund_id: str, year: int) -> tuple[list[int], list[int]]:
    j = fund_journal
    month = func.extract("month", j.c.booked_on)
    with engine.connect() as conn:
        rows = conn.execute(
            select(month, func.sum(j.c.debit_fen), func.sum(j.c.credit_fen))
            .where(j.c.fund_id == fund_id, j.c.account == "cash",
                   j.c.booked_on >= date(year, 1, 1), j.c.booked_on <= date(year, 12, 31))
            .group_by(month)
        ).all()
    inflow, outflow = [0] * 12, [0] * 12
    for m, debit, credit in rows:
        inflow[int(m) - 1] += int(debit or 0)
        outflow[int(m) - 1] += int(credit or 0)
    return inflow, outflow


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
        return HTMLResponse(page_message(request, exc), status_code=403 if exc.code == "forbidden"
                            else 404)
    catch_up_for_read(page_runner(request))
    lang = language_of(request)
    t = texts(lang)
    today = utc_now().astimezone(SHANGHAI).date()
    day = _date(as_of, today)
    statement = fund_queries.statement(engine, str(fund.id), day)
    trial = fund_queries.trial_balance(engine, [str(fund.id)], day)
    income = fund_queries.transparency(engine, str(fund.id))["income_by_donor_type"]
    donations = fund_queries.fund_donations(engine, str(fund.id), 20)
    for row in donations:  # readers of the fund may see donors (see docs/security.md)
        row["donor_name"] = services.donor_name(fund, row["donation_id"])
    recorded = (fund_queries.donation(engine, str(fund.id), recorded_id)
                if _is_uuid(recorded_id) else None)
    inflow, outflow = _monthly_flows(engine, str(fund.id), day.year)
    # The same figures as GET …/reports/indicators and …/reports/tracing, as of the chosen day.
    indicators = fund_reports.indicators(engine, str(fund.id), day.year,
                                         dict(fund.indicator_limits), today)
    traced = fund_reports.tracing(engine, str(fund.id), day,
                                  report_routes.disbursement_grants(services, fund))
    return render(
        request, "fund_dashboard.html", status, fund=fund, statement=statement, trial=trial,
        indicators=indicators, traced=traced, percent=percent,
        as_of=day.isoformat(), yuan=yuan, grants=fund_queries.fund_grants(engine, str(fund.id)),
        donations=donations, recorded=recorded, may_record=_may_record(services, actor, fund),
        donor_types=DONOR_TYPES, today=today.isoformat(), form_error=form_error,
        form=form_values or {}, form_key=uuid.uuid4().hex,
        income_chart=bar_chart([(t["chart_income_series"], [v // 100 for v in income.values()])],
                               [t.get(f"donor_{k}", k) for k in income], t["chart_income"]),
        flow_chart=bar_chart([(t["chart_inflow"], [v // 100 for v in inflow]),
                              (t["chart_outflow"], [v // 100 for v in outflow])],
                             month_labels(lang), t["chart_flows"].format(year=day.year)),
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
) -> Response:
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    services = page_services(request)
    engine = page_engine(request)
    try:
        scope = services.read_scope(actor, OFFICE_FIGURES, office_id)
    except DomainError as exc:
        return HTMLResponse(page_message(request, exc), status_code=403)
    catch_up_for_read(page_runner(request))
    today = utc_now().astimezone(SHANGHAI).date()
    start = _date(date_from, date(today.year, 1, 1))
    end = _date(date_to, today)
    tree = queries.rollup(engine, str(scope.office_id), start, end)
    by_month = queries.monthly_service(engine, scope, start, end)
    hours = {m: minutes // 60 for m, (minutes, _earned) in by_month.items()}
    points = {m: earned for m, (_minutes, earned) in by_month.items()}
    months = list(range(1, 13))
    lang = language_of(request)
    t = texts(lang)
    chart = bar_chart([(t["chart_hours_series"], [hours.get(m, 0) for m in months]),
                       (t["chart_points_series"], [points.get(m, 0) for m in months])],
                      month_labels(lang), t["chart_service"])
    return render(request, "district.html", tree=tree, chart=chart,
                  date_from=start.isoformat(), date_to=end.isoformat())
