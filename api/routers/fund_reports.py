"""Community funds' reports as of any date: 业务活动表, 资产负债表, donation tracing, the charity
indicators, and the journal and statements as CSV and XLSX for the accountant."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import ConfigDict, Field

from api.deps import CurrentActor, ReadModels, Services
from api.schemas import ApiModel
from projections import fund_reports
from projections.fund_reports import (
    ACTIVITIES_SHEET,
    BALANCE_SHEET,
    JOURNAL_COLUMNS,
    JOURNAL_SHEET,
    TRACING_RULE,
    yuan,
)
from timebank.application import TimebankApp
from timebank.domain.errors import DomainError
from timebank.domain.funds import Fund
from timebank.domain.values import shanghai_date, utc_now

router = APIRouter(tags=["community funds"])

AsOf = Annotated[date | None, Query(description="The books at the end of this day "
                                                "(Shanghai date; default today).")]
From = Annotated[date | None, Query(alias="from", description="First day (inclusive).")]
To = Annotated[date | None, Query(alias="to", description="Last day (inclusive).")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# -- response shapes -----------------------------------------------------------------------
class Columns(ApiModel):
    unrestricted_fen: int
    restricted_fen: int
    total_fen: int


class ActivityRow(Columns):
    key: str = Field(description="Stable English key, e.g. `donation_income:enterprise`.")
    label: str = Field(description="The row's name in the 业务活动表.")
    section: str = Field(description="income | expenses | transfers | change")


class Activities(ApiModel):
    model_config = ConfigDict(populate_by_name=True)

    fund_id: str
    from_: str = Field(alias="from")
    to: str
    rows: list[ActivityRow]
    net_assets_at_start: Columns
    net_assets_at_end: Columns
    ties: bool = Field(description="Start + change in net assets = end, in every column.")


class SheetRow(ApiModel):
    key: str
    label: str
    year_start_fen: int = Field(description="年初数: at the end of the previous year.")
    end_fen: int = Field(description="期末数: at the end of `as_of`.")


class PurposeBalance(ApiModel):
    purpose: str
    year_start_fen: int
    end_fen: int


class BalanceSheet(ApiModel):
    fund_id: str
    as_of: str
    rows: list[SheetRow]
    restricted_by_purpose: list[PurposeBalance]
    balanced: bool = Field(description="Assets = liabilities + net assets, in both columns.")


class TracedSource(ApiModel):
    donation_id: str | None = Field(description="None: money that came from no donation.")
    receipt_no: str | None
    fund_class: str
    amount_fen: int


class TracedDisbursement(ApiModel):
    disbursement_id: str
    grant_id: str | None
    project: str | None
    purpose: str | None
    booked_on: str
    booked_at: datetime
    amount_fen: int
    accounts: dict[str, int]
    sources: list[TracedSource]


class TracedExpense(ApiModel):
    expense_id: str
    entry_kind: str
    booked_on: str
    booked_at: datetime
    amount_fen: int
    accounts: dict[str, int]
    sources: list[TracedSource]


class TracedVoid(ApiModel):
    donation_id: str
    receipt_no: str | None
    booked_on: str
    amount_fen: int
    sources: list[TracedSource]


class MovedLot(ApiModel):
    donation_id: str | None
    receipt_no: str | None
    from_class: str
    to_class: str
    amount_fen: int


class TracedTransfer(ApiModel):
    entry_kind: str
    ref: str
    booked_on: str
    moved: list[MovedLot]


class Remainder(ApiModel):
    account: str
    fund_class: str
    amount_fen: int


class TracedDonation(ApiModel):
    donation_id: str
    receipt_no: str | None
    donor_type: str | None
    restricted_purpose: str | None
    account: str
    fund_class: str
    amount_fen: int
    spent_fen: int
    refunded_fen: int
    voided: bool
    remaining_fen: int
    remaining: list[Remainder]


class Tracing(ApiModel):
    fund_id: str
    as_of: str
    rule: str
    disbursements: list[TracedDisbursement]
    expenses: list[TracedExpense]
    voids: list[TracedVoid]
    transfers: list[TracedTransfer]
    donations: list[TracedDonation]
    unattributed_fen: int
    ties: bool = Field(description="What the lots hold = what each class of the books holds.")


class YearIncome(ApiModel):
    year: int
    income_fen: int


class IndicatorLimitsApplied(ApiModel):
    """The limits the indicators were measured against (the fund's own, else the rule's)."""

    min_charitable_ratio: str
    max_management_ratio: str
    basis: str


class CharitableIndicator(ApiModel):
    spent_fen: int
    basis: str
    basis_years: list[int]
    basis_fen: int
    ratio: str | None
    limit: str
    required_fen: int
    warning: bool
    forecast_fen: int
    forecast_ratio: str | None
    forecast_warning: bool


class ManagementIndicator(ApiModel):
    management_fen: int
    total_spending_fen: int
    ratio: str | None
    limit: str
    warning: bool
    forecast_total_spending_fen: int
    forecast_ratio: str | None
    forecast_warning: bool


class Indicators(ApiModel):
    fund_id: str
    year: int
    limits: IndicatorLimitsApplied
    income_by_year: list[YearIncome]
    unpaid_approved_grants_fen: int
    charitable: CharitableIndicator
    management: ManagementIndicator


# -- helpers -------------------------------------------------------------------------------
def shanghai_today() -> date:
    return shanghai_date(utc_now())


def readable_fund(services: TimebankApp, actor: Any, fund_id: str) -> Fund:
    fund = services.load_fund(fund_id)
    services.authorize_fund(actor, fund)
    return fund


def period(start: date | None, end: date | None) -> tuple[date, date]:
    """The year to date by default; `from` alone runs to today."""
    end = end or shanghai_today()
    start = start or date(end.year, 1, 1)
    if start > end:
        raise DomainError("invalid_input", "from must not be after to.", field="from")
    return start, end


def disbursement_grants(services: TimebankApp, fund: Fund) -> dict[str, str]:
    """disbursement id -> grant id, from the fund's own GrantPaid events."""
    return {str(e.disbursement_id): str(e.grant_id) for e in services.events.get(fund.id)
            if isinstance(e, Fund.GrantPaid)}


def cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula is kept as text (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return "" if value is None else cell(value)


def xlsx_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()  # a spreadsheet cell holds no time zone
    return cell(value)


def attachment(body: bytes, media_type: str, filename: str) -> Response:
    return Response(body, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def write_journal(sheet: Worksheet, rows: list[dict[str, Any]]) -> None:
    sheet.append([header for _, header in JOURNAL_COLUMNS])
    for row in rows:
        sheet.append([xlsx_value(row[key]) for key, _ in JOURNAL_COLUMNS])
    for column, (key, _) in enumerate(JOURNAL_COLUMNS, start=1):
        fmt = {"booked_on": "yyyy-mm-dd", "debit_yuan": "0.00", "credit_yuan": "0.00"}.get(key)
        if fmt:
            for (value_cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                value_cell.number_format = fmt
    sheet.freeze_panes = "A2"


def xlsx_bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# -- endpoints -----------------------------------------------------------------------------
@router.get("/funds/{fund_id}/reports/activities", response_model=Activities)
def activities_report(
    fund_id: str, actor: CurrentActor, services: Services, read_models: ReadModels,
    start: From = None, end: To = None,
) -> dict[str, Any]:
    """业务活动表 for `from`..`to` (Shanghai dates, default the year to date).

    Income by source (捐赠收入 by donor type), costs (业务活动成本 = grants paid + charitable
    expenses, 管理费用, 筹资费用), 限定性净资产转为非限定性净资产 and the change in net assets,
    each in unrestricted / restricted / total columns. As the accounting system for
    non-profits lays it out, costs are shown unrestricted and restricted money spent on its
    purpose is shown as released from its restriction."""
    fund = readable_fund(services, actor, fund_id)
    start, end = period(start, end)
    return fund_reports.activities(read_models.engine, str(fund.id), start, end)


@router.get("/funds/{fund_id}/reports/balance-sheet", response_model=BalanceSheet)
def balance_sheet_report(
    fund_id: str, actor: CurrentActor, services: Services, read_models: ReadModels,
    as_of: AsOf = None,
) -> dict[str, Any]:
    """资产负债表 at the end of `as_of`: 货币资金, 实物资产, liabilities (none yet), net assets
    unrestricted and restricted by purpose, with the year's opening figures (年初数)."""
    fund = readable_fund(services, actor, fund_id)
    return fund_reports.balance_sheet(read_models.engine, str(fund.id),
                                      as_of or shanghai_today())


@router.get("/funds/{fund_id}/reports/tracing", response_model=Tracing,
            description="Donation → grant tracing at the end of `as_of`: which donations paid "
                        "for which disbursements and expenses, what voids refunded, what "
                        f"transfers moved, and what each donation has left. {TRACING_RULE}")
def tracing_report(
    fund_id: str, actor: CurrentActor, services: Services, read_models: ReadModels,
    as_of: AsOf = None,
) -> dict[str, Any]:
    fund = readable_fund(services, actor, fund_id)
    return fund_reports.tracing(read_models.engine, str(fund.id), as_of or shanghai_today(),
                                disbursement_grants(services, fund))


@router.get("/funds/{fund_id}/reports/indicators", response_model=Indicators)
def indicators_report(
    fund_id: str, actor: CurrentActor, services: Services, read_models: ReadModels,
    year: Annotated[int | None, Query(ge=2000, le=2999,
                                      description="Calendar year (default this year).")] = None,
) -> dict[str, Any]:
    """Charity indicators of `year` against the fund's own limits.

    Charitable spending (grants paid + charitable expenses) against the donation income of
    the basis: the previous year, or the average of the three previous years (of those the
    fund was open). Management costs against total spending. `warning` when a limit is
    broken by the figures so far; the forecast adds what approved grants still have to pay
    (for this year and later years; a past year is over)."""
    fund = readable_fund(services, actor, fund_id)
    today = shanghai_today()
    return fund_reports.indicators(read_models.engine, str(fund.id), year or today.year,
                                   dict(fund.indicator_limits), today)


@router.get("/funds/{fund_id}/exports/journal.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}}})
def journal_csv(
    fund_id: str, actor: CurrentActor, services: Services, read_models: ReadModels,
    start: From = None, end: To = None,
) -> Response:
    """The journal, one line a row: UTF-8 with a BOM and Chinese headers, so Excel opens it."""
    fund = readable_fund(services, actor, fund_id)
    rows = fund_reports.journal_rows(read_models.engine, str(fund.id), start, end)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([header for _, header in JOURNAL_COLUMNS])
    for row in rows:
        writer.writerow([csv_value(row[key]) for key, _ in JOURNAL_COLUMNS])
    return attachment(text.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8",
                      f"fund-{fund.id}-journal.csv")


@router.get("/funds/{fund_id}/exports/journal.xlsx", response_class=Response,
            responses={200: {"content": {XLSX: {}}}})
def journal_xlsx(
    fund_id: str, actor: CurrentActor, services: Services, read_models: ReadModels,
    start: From = None, end: To = None,
) -> Response:
    """The journal as a workbook (sheet 明细账)."""
    fund = readable_fund(services, actor, fund_id)
    book = Workbook()
    sheet = book.active
    sheet.title = JOURNAL_SHEET
    write_journal(sheet, fund_reports.journal_rows(read_models.engine, str(fund.id),
                                                   start, end))
    return attachment(xlsx_bytes(book), XLSX, f"fund-{fund.id}-journal.xlsx")


@router.get("/funds/{fund_id}/exports/statement.xlsx", response_class=Response,
            responses={200: {"content": {XLSX: {}}}})
def statement_xlsx(
    fund_id: str, actor: CurrentActor, services: Services, read_models: ReadModels,
    as_of: AsOf = None,
) -> Response:
    """资产负债表 at `as_of`, 业务活动表 from 1 January to `as_of`, and the 明细账 up to it.

    Each report row carries its stable key; amounts in yuan, then the same in fen."""
    fund = readable_fund(services, actor, fund_id)
    engine, fid = read_models.engine, str(fund.id)
    as_of = as_of or shanghai_today()
    start = date(as_of.year, 1, 1)
    book = Workbook()
    title, subtitle, headers = BALANCE_SHEET
    sheet = book.active
    sheet.title = title
    sheet.append([cell(f"{title} — {fund.name}")])
    sheet.append([subtitle.format(as_of=as_of.isoformat())])
    sheet.append(list(headers))
    for row in fund_reports.balance_sheet(engine, fid, as_of)["rows"]:
        sheet.append([cell(row["label"]), cell(row["key"]), yuan(row["year_start_fen"]),
                      yuan(row["end_fen"]), row["year_start_fen"], row["end_fen"]])
    title, subtitle, headers = ACTIVITIES_SHEET
    sheet = book.create_sheet(title)
    sheet.append([cell(f"{title} — {fund.name}")])
    sheet.append([subtitle.format(start=start.isoformat(), end=as_of.isoformat())])
    sheet.append(list(headers))
    for row in fund_reports.activities(engine, fid, start, as_of)["rows"]:
        sheet.append([cell(row["label"]), cell(row["key"]), yuan(row["unrestricted_fen"]),
                      yuan(row["restricted_fen"]), yuan(row["total_fen"]),
                      row["unrestricted_fen"], row["restricted_fen"], row["total_fen"]])
    for sheet in book.worksheets:
        for value_row in sheet.iter_rows(min_row=4):
            for value_cell in value_row:
                if not isinstance(value_cell.value, int | str):
                    value_cell.number_format = "0.00"
    write_journal(book.create_sheet(JOURNAL_SHEET),
                  fund_reports.journal_rows(engine, fid, None, as_of))
    return attachment(xlsx_bytes(book), XLSX, f"fund-{fund.id}-statement-{as_of}.xlsx")
