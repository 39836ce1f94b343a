"""The treasurer's dashboard of a fund and the district's rollup view, with SVG charts."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select

from api.deps import catch_up_for_read
from api.routers import fund_reports as report_routes
from api.web.charts import bar_chart
from api.web.people_pages import page_message, redirect_to_login, staff_actor
from api.web.rendering import render, yuan
from projections import fund_queries, queries
from projections.tables import fund_journal, office_daily_totals, offices
from timebank.domain.errors import DomainError
from timebank.domain.values import SHANGHAI, utc_now

router = APIRouter(include_in_schema=False)

DONOR_TYPES_ZH = {"government": "政府", "enterprise": "企业", "individual": "个人",
                  "resident": "居民", "bazaar": "集市"}
NEXT_STEP = {"proposed": "居民议事表决", "approved": "分期拨付或结项", "rejected": "—",
             "closed": "—", "cancelled": "—"}


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
def fund_dashboard(request: Request, fund_id: str, as_of: str | None = None) -> Response:
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    services = request.app.state.runtime.app
    engine = request.app.state.runtime.engine
    try:
        fund = services.load_fund(fund_id)
        services.authorize_fund(actor, fund)
    except DomainError as exc:
        return HTMLResponse(page_message(request, exc), status_code=403 if exc.code == "forbidden"
                            else 404)
    catch_up_for_read(request.app.state.runner)
    today = utc_now().astimezone(SHANGHAI).date()
    day = _date(as_of, today)
    statement = fund_queries.statement(engine, str(fund.id), day)
    trial = fund_queries.trial_balance(engine, [str(fund.id)], day)
    income = fund_queries.transparency(engine, str(fund.id))["income_by_donor_type"]
    donations = fund_queries.fund_donations(engine, str(fund.id), 20)
    for row in donations:  # readers of the fund may see donors (see docs/security.md)
        row["donor_name"] = services.donor_name(fund, row["donation_id"])
    inflow, outflow = _monthly_flows(engine, str(fund.id), day.year)
    return render(
        request, "fund_dashboard.html", fund=fund, statement=statement, trial=trial,
        as_of=day.isoformat(), yuan=yuan, grants=fund_queries.fund_grants(engine, str(fund.id)),
        donations=donations, next_step=NEXT_STEP,
        income_chart=bar_chart([("收入（元）", [v // 100 for v in income.values()])],
                               [DONOR_TYPES_ZH.get(k, k) for k in income], "按来源的收入"),
        flow_chart=bar_chart([("流入（元）", [v // 100 for v in inflow]),
                              ("流出（元）", [v // 100 for v in outflow])],
                             [f"{m}月" for m in range(1, 13)], f"{day.year} 年每月收支"),
    )


@router.get("/staff/funds/{fund_id}/journal.csv")
def fund_journal_csv(request: Request, fund_id: str) -> Response:
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    runtime = request.app.state.runtime
    return report_routes.journal_csv(fund_id, actor, runtime.app, request.app.state.runner)


@router.get("/staff/funds/{fund_id}/statement.xlsx")
def fund_statement_xlsx(request: Request, fund_id: str, as_of: str | None = None) -> Response:
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    runtime = request.app.state.runtime
    day = _date(as_of, utc_now().astimezone(SHANGHAI).date())
    return report_routes.statement_xlsx(fund_id, actor, runtime.app, request.app.state.runner,
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
    services = request.app.state.runtime.app
    engine = request.app.state.runtime.engine
    try:
        office = services.read_office(actor, office_id)
    except DomainError as exc:
        return HTMLResponse(page_message(request, exc), status_code=403)
    catch_up_for_read(request.app.state.runner)
    today = utc_now().astimezone(SHANGHAI).date()
    start = _date(date_from, date(today.year, 1, 1))
    end = _date(date_to, today)
    tree = queries.rollup(engine, str(office.id), start, end)
    prefix = queries.office_path(engine, str(office.id)) or "/none/"
    t = office_daily_totals
    month = func.extract("month", t.c.day)
    with engine.connect() as conn:
        rows = conn.execute(
            select(month, func.sum(t.c.approved_minutes), func.sum(t.c.points_earned))
            .where(t.c.office_id.in_(select(offices.c.office_id)
                                     .where(offices.c.path.startswith(prefix))),
                   t.c.day >= start, t.c.day <= end)
            .group_by(month)
        ).all()
    hours: dict[int, int] = defaultdict(int)
    points: dict[int, int] = defaultdict(int)
    for m, minutes, earned in rows:
        hours[int(m)] += int(minutes or 0) // 60
        points[int(m)] += int(earned or 0)
    months = list(range(1, 13))
    chart = bar_chart([("服务时长（小时）", [hours[m] for m in months]),
                       ("获得积分", [points[m] for m in months])],
                      [f"{m}月" for m in months], "每月服务时长与积分")
    return render(request, "district.html", tree=tree, chart=chart,
                  date_from=start.isoformat(), date_to=end.isoformat())
