"""The legal entity's books: a foundation with the special and building funds it hosts is one
legal person. Its organisation profile, its 资产负债表, 业务活动表, 现金流量表, trial balance and
the charity-law indicators (docs/funds-entity-api.md)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from openpyxl import Workbook
from pydantic import ConfigDict, Field

from api.deps import CurrentActor, ReadModels, Services
from api.documents.statements import (
    annual_report_xlsx,
    statement_tables,
    statements_pdf,
    statements_xlsx,
)
from api.routers.fund_reports import (
    XLSX,
    From,
    To,
    attachment,
    csv_value,
    period,
    shanghai_today,
    xlsx_bytes,
    xlsx_value,
    yuan,
)
from api.schemas import ApiModel
from projections import entity_reports
from timebank.application import TimebankApp
from timebank.domain.funds import Fund

router = APIRouter(tags=["community funds"])

AsOf = Annotated[date | None, Query(description="The books at the end of this day "
                                                "(Shanghai date; default today).")]
Year = Annotated[int | None, Query(ge=2000, le=2999,
                                   description="Calendar year (default this year).")]


# -- shapes --------------------------------------------------------------------------------
class OrganisationIn(ApiModel):
    organisation_type: Literal["foundation", "society", "social_service"] = Field(
        description="基金会 / 社会团体 / 社会服务机构 (not the fund's `kind`).")
    public_fundraising_since: date | None = Field(
        default=None, description="公开募捐资格: the day it was obtained; null when it has none.")
    indicator_basis: Literal["previous_year", "three_year_average"] = Field(
        default="previous_year",
        description="The indicators' base: the previous year's figures, or the averages of the "
                    "three previous years (Art. 10 of the 2016 rule).")


class OrganisationOut(ApiModel):
    entity_fund_id: str
    name: str = Field(description="The legal person: the foundation's name.")
    organisation_type: str
    public_fundraising_since: str | None
    indicator_basis: str
    recorded: bool = Field(description="False: nothing recorded yet; the defaults apply "
                                       "(a foundation without public-fundraising status).")


class SheetLine(ApiModel):
    key: str
    line: int | None = Field(description="行次 of the form; null for a detail row.")
    label_zh: str
    label_en: str


class BalanceLine(SheetLine):
    year_start_fen: int = Field(description="年初数: at the end of the previous year.")
    end_fen: int = Field(description="期末数: at the end of `as_of`.")


class PurposeLine(ApiModel):
    purpose: str
    year_start_fen: int
    end_fen: int


class ProjectPosition(ApiModel):
    fund_id: str
    name: str
    kind: str
    assets_fen: int
    liabilities_fen: int
    unrestricted_net_assets_fen: int
    restricted_net_assets_fen: int


class EntityBalanceSheet(ApiModel):
    entity_fund_id: str
    as_of: str
    rows: list[BalanceLine]
    restricted_by_purpose: list[PurposeLine]
    projects: list[ProjectPosition] = Field(description="Each fund of the entity (drill-down).")
    balanced: bool = Field(description="Assets = liabilities + net assets, in both columns.")


class EntityColumns(ApiModel):
    unrestricted_fen: int
    restricted_fen: int
    total_fen: int


class ActivityLine(SheetLine, EntityColumns):
    section: str = Field(description="income | expenses | transfers | change")


class ProjectActivity(ApiModel):
    fund_id: str
    name: str
    kind: str
    income_fen: int
    expense_fen: int
    program_costs_fen: int


class EntityActivities(ApiModel):
    model_config = ConfigDict(populate_by_name=True)

    entity_fund_id: str
    from_: str = Field(alias="from")
    to: str
    rows: list[ActivityLine]
    released_by_use_fen: int
    released_by_reclassification_fen: int
    net_assets_at_start: EntityColumns
    net_assets_at_end: EntityColumns
    projects: list[ProjectActivity]
    ties: bool = Field(description="Opening net assets + change = closing, in every column.")


class CashFlowLine(SheetLine):
    amount_fen: int


class EntityCashFlows(ApiModel):
    model_config = ConfigDict(populate_by_name=True)

    entity_fund_id: str
    from_: str = Field(alias="from")
    to: str
    rows: list[CashFlowLine]
    ties: bool = Field(description="Opening cash + net increase = the balance sheet's 货币资金.")


class TrialAccount(ApiModel):
    account: str
    type: str = Field(description="asset | liability | net_assets | income | cost")
    debit_fen: int
    credit_fen: int


class EntityTrialBalance(ApiModel):
    entity_fund_id: str
    as_of: str
    accounts: list[TrialAccount]
    total_debit_fen: int
    total_credit_fen: int
    assets_fen: int
    liabilities_fen: int
    net_assets_fen: int
    open_income_and_costs_fen: int = Field(
        description="Income less costs not yet carried into net assets by a closing.")
    ties_to_balance_sheet: bool


class RuleApplied(ApiModel):
    row: str
    article: str
    source: str
    label_zh: str
    label_en: str
    why_zh: str
    why_en: str
    charitable_base: str = Field(description="prior_year_income | prior_year_end_net_assets")
    charitable_min_ratio: str
    min_income_ratio: str | None
    management_max_ratio: str
    basis: str
    basis_zh: str
    basis_years: list[int]


class IncomeYear(ApiModel):
    year: int
    income_fen: int


class NetAssetsYear(ApiModel):
    year: int
    net_assets_fen: int


class IndicatorFigures(ApiModel):
    prior_year_income_fen: int
    prior_year_end_net_assets_fen: int
    income_base_fen: int
    net_assets_base_fen: int
    income_by_year: list[IncomeYear]
    net_assets_by_year_end: list[NetAssetsYear]


class CharitableSpending(ApiModel):
    base_fen: int
    required_fen: int
    spent_fen: int
    gap_fen: int
    ratio: str | None
    met: bool
    committed_fen: int = Field(
        description="Not yet a cost of the year: grants proposed and awaiting the residents' "
                    "vote, and the unpaid rest of grants approved before approved grants were "
                    "liabilities. 0 for a past year.")
    forecast_fen: int
    forecast_gap_fen: int
    forecast_met: bool


class ManagementCost(ApiModel):
    management_fen: int
    total_spending_fen: int
    ratio: str | None
    max_ratio: str
    exemption_below_fen: int
    exempt: bool
    within_limit: bool
    forecast_total_spending_fen: int
    forecast_within_limit: bool


class EntityIndicators(ApiModel):
    entity_fund_id: str
    year: int
    organisation: OrganisationOut
    rule: RuleApplied
    figures: IndicatorFigures
    charitable: CharitableSpending
    management: ManagementCost


# -- helpers -------------------------------------------------------------------------------
def organisation_out(services: TimebankApp, fund: Fund) -> dict[str, Any]:
    profile, recorded = services.entity_profile(fund.id)
    return {
        "entity_fund_id": str(fund.id),
        "name": fund.name,
        "organisation_type": profile.organisation_type,
        "public_fundraising_since": (profile.public_fundraising_since.isoformat()
                                     if profile.public_fundraising_since else None),
        "indicator_basis": profile.basis,
        "recorded": recorded,
    }


# -- endpoints -----------------------------------------------------------------------------
@router.get("/funds/{fund_id}/entity/organisation", response_model=OrganisationOut)
def read_organisation(fund_id: str, actor: CurrentActor, services: Services) -> dict[str, Any]:
    """The legal entity `fund_id` belongs to: its organisation type, public-fundraising
    status and the indicators' basis."""
    return organisation_out(services, services.entity_fund(actor, fund_id))


@router.put("/funds/{fund_id}/entity/organisation", response_model=OrganisationOut)
def set_organisation(
    fund_id: str, body: OrganisationIn, actor: CurrentActor, services: Services
) -> dict[str, Any]:
    """Record the legal person's type and public-fundraising status (an event; history kept)."""
    fund, _ = services.set_organisation(actor, fund_id, body.organisation_type,
                                        body.public_fundraising_since, body.indicator_basis)
    return organisation_out(services, fund)


@router.get("/funds/{fund_id}/entity/balance-sheet", response_model=EntityBalanceSheet)
def entity_balance_sheet(
    fund_id: str, actor: CurrentActor, services: Services, read_models: ReadModels,
    as_of: AsOf = None,
) -> dict[str, Any]:
    """资产负债表 (会民非01表) of the legal entity at the end of `as_of`, with 年初数."""
    fund = services.entity_fund(actor, fund_id)
    return entity_reports.balance_sheet(read_models.engine, str(fund.id),
                                        as_of or shanghai_today())


@router.get("/funds/{fund_id}/entity/activities", response_model=EntityActivities)
def entity_activities(
    fund_id: str, actor: CurrentActor, services: Services, read_models: ReadModels,
    start: From = None, end: To = None,
) -> dict[str, Any]:
    """业务活动表 (会民非02表) of the legal entity for `from`..`to` (default the year to date)."""
    fund = services.entity_fund(actor, fund_id)
    start, end = period(start, end)
    return entity_reports.activities(read_models.engine, str(fund.id), start, end)


@router.get("/funds/{fund_id}/entity/cash-flows", response_model=EntityCashFlows)
def entity_cash_flows(
    fund_id: str, actor: CurrentActor, services: Services, read_models: ReadModels,
    start: From = None, end: To = None,
) -> dict[str, Any]:
    """现金流量表 (会民非03表) of the legal entity for `from`..`to` (default the year to date)."""
    fund = services.entity_fund(actor, fund_id)
    start, end = period(start, end)
    return entity_reports.cash_flows(read_models.engine, str(fund.id), start, end)


@router.get("/funds/{fund_id}/entity/trial-balance", response_model=EntityTrialBalance)
def entity_trial_balance(
    fund_id: str, actor: CurrentActor, services: Services, read_models: ReadModels,
    as_of: AsOf = None,
) -> dict[str, Any]:
    """The legal entity's trial balance at the end of `as_of`, and whether it ties to its
    balance sheet."""
    fund = services.entity_fund(actor, fund_id)
    return entity_reports.trial_balance(read_models.engine, str(fund.id),
                                        as_of or shanghai_today())


@router.get("/funds/{fund_id}/entity/indicators", response_model=EntityIndicators)
def entity_indicators(
    fund_id: str, actor: CurrentActor, services: Services, read_models: ReadModels,
    year: Year = None,
) -> dict[str, Any]:
    """The charity-law indicators of `year` for the legal entity, by the rule row its
    organisation type, public-fundraising status and size select."""
    fund = services.entity_fund(actor, fund_id)
    today = shanghai_today()
    profile, _ = services.entity_profile(fund.id)
    result = entity_reports.indicators(read_models.engine, str(fund.id), year or today.year,
                                       profile, today)
    result["organisation"] = organisation_out(services, fund)
    return result


class VoucherLine(ApiModel):
    account: str
    fund_class: str
    debit_fen: int
    credit_fen: int


class Voucher(ApiModel):
    voucher_no: str = Field(description="记账凭证号 `YYYY-MM-NNNN`: consecutive per legal "
                                        "entity and month, in the order entries were recorded.")
    period: str
    number: int
    booked_on: str
    fund_id: str
    fund_name: str
    entry_kind: str
    ref: str
    lines: list[VoucherLine]


class EntityVouchers(ApiModel):
    model_config = ConfigDict(populate_by_name=True)

    entity_fund_id: str
    from_: str = Field(alias="from")
    to: str
    vouchers: list[Voucher]


@router.get("/funds/{fund_id}/entity/vouchers", response_model=EntityVouchers)
def entity_vouchers(
    fund_id: str, actor: CurrentActor, services: Services, read_models: ReadModels,
    start: From = None, end: To = None,
) -> dict[str, Any]:
    """The legal entity's 记账凭证 booked `from`..`to` (default the year to date), numbered
    without gaps per month across the foundation and the funds it hosts."""
    fund = services.entity_fund(actor, fund_id)
    start, end = period(start, end)
    return entity_reports.vouchers(read_models.engine, str(fund.id), start, end)


def _statements(services: TimebankApp, actor: Any, read_models: Any, fund_id: str,
                as_of: date | None) -> tuple[Fund, list[dict[str, Any]]]:
    fund = services.entity_fund(actor, fund_id)
    engine, fid = read_models.engine, str(fund.id)
    as_of = as_of or shanghai_today()
    start = date(as_of.year, 1, 1)
    return fund, statement_tables(
        fund.name, entity_reports.balance_sheet(engine, fid, as_of),
        entity_reports.activities(engine, fid, start, as_of),
        entity_reports.cash_flows(engine, fid, start, as_of))


@router.get("/funds/{fund_id}/entity/statements.xlsx", response_class=Response,
            responses={200: {"content": {XLSX: {}}}})
def entity_statements_xlsx(
    fund_id: str, actor: CurrentActor, services: Services, read_models: ReadModels,
    as_of: AsOf = None,
) -> Response:
    """资产负债表 at `as_of`, 业务活动表 and 现金流量表 from 1 January to `as_of`, one sheet each,
    laid out as the forms (编制单位, 行次, amounts in yuan)."""
    fund, tables = _statements(services, actor, read_models, fund_id, as_of)
    return attachment(statements_xlsx(tables), XLSX,
                      f"entity-{fund.id}-statements-{as_of or shanghai_today()}.xlsx")


@router.get("/funds/{fund_id}/entity/statements.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
def entity_statements_pdf(
    fund_id: str, actor: CurrentActor, services: Services, read_models: ReadModels,
    as_of: AsOf = None,
) -> Response:
    """The same three statements as a PDF, one page each."""
    fund, tables = _statements(services, actor, read_models, fund_id, as_of)
    return attachment(statements_pdf(tables), "application/pdf",
                      f"entity-{fund.id}-statements-{as_of or shanghai_today()}.pdf")


class RegisteredReceipt(ApiModel):
    receipt_no: str
    donation_id: str
    fund_id: str
    project: str = Field(description="The fund the gift went to (the legal person received it).")
    received_at: datetime
    amount_fen: int
    amount_in_words: str = Field(description="大写金额, e.g. 人民币壹万元整.")
    donor_type: str
    donor_name: str | None = Field(description="None when anonymous or erased.")
    anonymous: bool
    restricted_purpose: str | None
    in_kind: str | None
    status: str = Field(description="received | voided (a voided number stays used).")
    voided_at: datetime | None
    void_reason: str | None
    e_receipt_no: str | None = Field(description="财政电子票据号, once recorded.")


class ReceiptRegister(ApiModel):
    entity_fund_id: str
    name: str
    year: int
    receipts: list[RegisteredReceipt]
    gaps: list[str] = Field(description="Numbers missing from a series (never expected).")


REGISTER_COLUMNS = (
    ("receipt_no", "票据编号"), ("status", "状态"), ("received_at", "收款时间"),
    ("project", "项目（基金）"), ("donor_type", "捐赠人类型"), ("donor_name", "捐赠人"),
    ("amount_fen", "金额(分)"), ("amount_yuan", "金额(元)"), ("amount_in_words", "大写金额"),
    ("restricted_purpose", "限定用途"), ("in_kind", "实物"), ("voided_at", "作废时间"),
    ("void_reason", "作废原因"), ("e_receipt_no", "财政电子票据号"), ("donation_id", "捐赠编号"),
)


def receipt_register(services: TimebankApp, actor: Any, read_models: Any, fund_id: str,
                     year: int | None) -> dict[str, Any]:
    fund = services.entity_fund(actor, fund_id)
    register = entity_reports.receipt_register(read_models.engine, str(fund.id),
                                               year or shanghai_today().year)
    loaded: dict[str, Fund] = {}
    for receipt in register["receipts"]:
        member = loaded.get(receipt["fund_id"]) or services.load_fund(receipt["fund_id"])
        loaded[receipt["fund_id"]] = member
        receipt["donor_name"] = (None if receipt["anonymous"]
                                 else services.donor_name(member, receipt["donation_id"]))
    register["name"] = fund.name
    return register


def register_rows(register: dict[str, Any]) -> list[list[Any]]:
    rows = []
    for receipt in register["receipts"]:
        values = {**receipt, "amount_yuan": yuan(receipt["amount_fen"])}
        rows.append([values[key] for key, _ in REGISTER_COLUMNS])
    return rows


@router.get("/funds/{fund_id}/entity/receipts", response_model=ReceiptRegister)
def entity_receipts(
    fund_id: str, actor: CurrentActor, services: Services, read_models: ReadModels,
    year: Year = None,
) -> dict[str, Any]:
    """The legal entity's receipt register of `year`: every number issued, voids included, by
    the foundation and the funds it hosts (one series per kind and year)."""
    return receipt_register(services, actor, read_models, fund_id, year)


@router.get("/funds/{fund_id}/entity/receipts.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}}})
def entity_receipts_csv(
    fund_id: str, actor: CurrentActor, services: Services, read_models: ReadModels,
    year: Year = None,
) -> Response:
    """The receipt register as CSV (UTF-8 with a BOM, Chinese headers)."""
    register = receipt_register(services, actor, read_models, fund_id, year)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header for _, header in REGISTER_COLUMNS])
    for row in register_rows(register):
        writer.writerow([csv_value(v) for v in row])
    return attachment(out.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8",
                      f"receipts-{register['year']}.csv")


@router.get("/funds/{fund_id}/entity/receipts.xlsx", response_class=Response,
            responses={200: {"content": {XLSX: {}}}})
def entity_receipts_xlsx(
    fund_id: str, actor: CurrentActor, services: Services, read_models: ReadModels,
    year: Year = None,
) -> Response:
    """The receipt register as a workbook (sheet 票据登记簿)."""
    register = receipt_register(services, actor, read_models, fund_id, year)
    book = Workbook()
    sheet = book.active
    sheet.title = "票据登记簿"
    sheet.append([header for _, header in REGISTER_COLUMNS])
    for row in register_rows(register):
        sheet.append([xlsx_value(v) for v in row])
    sheet.freeze_panes = "A2"
    return attachment(xlsx_bytes(book), XLSX, f"receipts-{register['year']}.xlsx")


class Reminder(ApiModel):
    kind: str = Field(description="annual_report | remaining_money | quarterly_report")
    subject: str = Field(description="The year reported, or the project.")
    fund_id: str
    fund_name: str
    grant_id: str | None
    due_on: str
    overdue: bool
    amount_fen: int | None = Field(description="The money left, for remaining_money.")
    rule_zh: str
    rule_en: str


class Disclosures(ApiModel):
    entity_fund_id: str
    as_of: str
    reminders: list[Reminder]


class RestrictedNote(ApiModel):
    purpose: str
    start_fen: int
    received_fen: int
    used_fen: int
    transferred_fen: int = Field(description="Moved in (+) or out (−) by a release or a "
                                             "consented change of purpose.")
    end_fen: int


class GrantOfYear(ApiModel):
    grant_id: str
    project: str
    fund_id: str
    fund_name: str
    purpose: str | None
    amount_fen: int
    decided_on: str | None
    paid_in_year_fen: int
    unpaid_at_year_end_fen: int
    status: str


class AnnualReport(ApiModel):
    entity_fund_id: str
    name: str
    year: int
    organisation: OrganisationOut
    balance_sheet: EntityBalanceSheet
    activities: EntityActivities
    cash_flows: EntityCashFlows
    restricted_notes: list[RestrictedNote]
    indicators: EntityIndicators
    grants: list[GrantOfYear]
    disclosures: Disclosures


@router.get("/funds/{fund_id}/entity/disclosures", response_model=Disclosures)
def entity_disclosures(
    fund_id: str, actor: CurrentActor, services: Services, read_models: ReadModels,
) -> dict[str, Any]:
    """What the legal entity must publish and by when: the annual report (by 31 May), the money
    left when a project ends (within 3 months), projects running over 6 months (quarterly)."""
    fund = services.entity_fund(actor, fund_id)
    return entity_reports.disclosures(read_models.engine, str(fund.id), shanghai_today())


def annual_report(services: TimebankApp, actor: Any, read_models: Any, fund_id: str,
                  year: int | None) -> dict[str, Any]:
    fund = services.entity_fund(actor, fund_id)
    engine, fid = read_models.engine, str(fund.id)
    today = shanghai_today()
    year = year or today.year - 1
    start, end = date(year, 1, 1), date(year, 12, 31)
    profile, _ = services.entity_profile(fund.id)
    indicators = entity_reports.indicators(engine, fid, year, profile, today)
    organisation = organisation_out(services, fund)
    indicators["organisation"] = organisation
    return {
        "entity_fund_id": fid, "name": fund.name, "year": year,
        "organisation": organisation,
        "balance_sheet": entity_reports.balance_sheet(engine, fid, end),
        "activities": entity_reports.activities(engine, fid, start, end),
        "cash_flows": entity_reports.cash_flows(engine, fid, start, end),
        "restricted_notes": entity_reports.restricted_notes(engine, fid, year),
        "indicators": indicators,
        "grants": entity_reports.grants_of_year(engine, fid, year),
        "disclosures": entity_reports.disclosures(engine, fid, today),
    }


@router.get("/funds/{fund_id}/entity/annual-report", response_model=AnnualReport)
def entity_annual_report(
    fund_id: str, actor: CurrentActor, services: Services, read_models: ReadModels,
    year: Year = None,
) -> dict[str, Any]:
    """The annual report pack of `year` (default last year): the three statements at its
    end, notes on restricted funds, the indicators, grants made and the reminders — what the
    national charity information platform's annual report asks for."""
    return annual_report(services, actor, read_models, fund_id, year)


@router.get("/funds/{fund_id}/entity/annual-report.xlsx", response_class=Response,
            responses={200: {"content": {XLSX: {}}}})
def entity_annual_report_xlsx(
    fund_id: str, actor: CurrentActor, services: Services, read_models: ReadModels,
    year: Year = None,
) -> Response:
    """The annual report pack as one workbook: 资产负债表, 业务活动表, 现金流量表,
    限定性净资产明细, 年度支出和管理费用, 资助项目, 信息公开提醒."""
    pack = annual_report(services, actor, read_models, fund_id, year)
    body = annual_report_xlsx(pack, statement_tables(
        pack["name"], pack["balance_sheet"], pack["activities"], pack["cash_flows"]))
    return attachment(body, XLSX, f"annual-report-{pack['year']}.xlsx")


class EReceiptIn(ApiModel):
    e_receipt_no: str = Field(description="财政电子票据号, as the finance authority's system "
                                          "issued it.")


class EReceiptOut(ApiModel):
    donation_id: str
    e_receipt_no: str


@router.put("/funds/{fund_id}/donations/{donation_id}/e-receipt", response_model=EReceiptOut)
def record_e_receipt(
    fund_id: str, donation_id: str, body: EReceiptIn, actor: CurrentActor, services: Services
) -> dict[str, Any]:
    """Record (or correct) the financial e-receipt number issued for a gift; the receipt and
    the entity's register show it."""
    record = services.record_e_receipt(actor, fund_id, donation_id, body.e_receipt_no)
    return {"donation_id": str(record.donation_id), "e_receipt_no": record.e_receipt_no}
