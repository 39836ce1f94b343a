"""The chart of accounts of every fund, and where each account is reported.

One chart for every fund (docs/design-decisions.md, "Funds"); this module says what kind each
account is (asset, liability, net assets, income, cost) and on which line of the statements
of 民间非营利组织会计制度 it is shown. The statements of the legal entity and of each fund
read it from here, so that an account added to the books is placed once.
"""

from __future__ import annotations

# Account names are stored in journal lines: never rename one.
CASH = "cash"  # 货币资金, by class
IN_KIND_ASSETS = "in_kind_assets"  # donated goods at their recorded valuation (存货)
DONATION_INCOME = "donation_income"  # + ":" + donor type: 捐赠收入
GRANT_EXPENSE = "grant_expense"  # 业务活动成本 — grants
EXPENSE = "expense"  # + ":" + expense kind
GOVERNMENT_GRANT_INCOME = "government_grant_income"  # 政府补助收入
GRANTS_PAYABLE = "grants_payable"  # 应付款项: grants approved and not yet paid
CUSTODIAL_ASSETS = "custodial_assets"  # 受托代理资产: money passed on to a named beneficiary
CUSTODIAL_LIABILITIES = "custodial_liabilities"  # 受托代理负债
NET_ASSETS = "net_assets"  # 净资产, by class: where a year-end closing carries income and costs

ASSETS = (CASH, IN_KIND_ASSETS, CUSTODIAL_ASSETS)
LIABILITIES = (GRANTS_PAYABLE, CUSTODIAL_LIABILITIES)
CHARITABLE = f"{EXPENSE}:charitable"
MANAGEMENT = f"{EXPENSE}:management"
FUNDRAISING = f"{EXPENSE}:fundraising"
# Money from government is a government grant, not a donation (《公益事业捐赠票据使用管理办法》;
# 民间非营利组织会计制度: 政府补助收入), also where older entries booked it as a donation.
GOVERNMENT_DONATION = f"{DONATION_INCOME}:government"

ASSET, LIABILITY, EQUITY, INCOME, COST = "asset", "liability", "net_assets", "income", "cost"
# Journal entry kinds the statements treat apart (the projection names each entry's kind).
CLOSING_ENTRY = "year_end_close"  # 结转: not income or cost of the year it closes
TRANSFER_ENTRIES = ("reclassification", "purpose_change")  # between classes, total unchanged


def account_type(account: str) -> str:
    if account in ASSETS:
        return ASSET
    if account in LIABILITIES:
        return LIABILITY
    if account == NET_ASSETS:
        return EQUITY
    if account == GRANT_EXPENSE or account.startswith(EXPENSE + ":"):
        return COST
    return INCOME


# 业务活动表 (会民非02表) lines: key -> (行次, 中文, English)
ACTIVITY_LINES: dict[str, tuple[int, str, str]] = {
    "donation_income": (1, "捐赠收入", "Donations"),
    "membership_income": (2, "会费收入", "Membership dues"),
    "service_income": (3, "提供服务收入", "Services provided"),
    "sales_income": (4, "商品销售收入", "Sales of goods"),
    "government_grant_income": (5, "政府补助收入", "Government grants"),
    "investment_income": (6, "投资收益", "Investment income"),
    "other_income": (9, "其他收入", "Other income"),
    "income_total": (11, "收入合计", "Total income"),
    "program_costs": (12, "（一）业务活动成本", "Programme costs"),
    "management_costs": (21, "（二）管理费用", "Management costs"),
    "fundraising_costs": (24, "（三）筹资费用", "Fundraising costs"),
    "other_costs": (28, "（四）其他费用", "Other costs"),
    "expense_total": (35, "费用合计", "Total expenses"),
    "net_assets_released": (40, "三、限定性净资产转为非限定性净资产",
                            "Restricted net assets released"),
    "change_in_net_assets": (45, "四、净资产变动额（若为净资产减少额，以“-”号填列）",
                             "Change in net assets"),
}
INCOME_LINES = ("donation_income", "membership_income", "service_income", "sales_income",
                "government_grant_income", "investment_income", "other_income")
COST_LINES = ("program_costs", "management_costs", "fundraising_costs", "other_costs")


def activity_line(account: str) -> str:
    """The 业务活动表 line an income or cost account is reported on."""
    if account in (GOVERNMENT_GRANT_INCOME, GOVERNMENT_DONATION):
        return "government_grant_income"
    if account.startswith(DONATION_INCOME + ":"):
        return "donation_income"
    if account in (GRANT_EXPENSE, CHARITABLE):
        return "program_costs"
    if account == MANAGEMENT:
        return "management_costs"
    if account == FUNDRAISING:
        return "fundraising_costs"
    if account_type(account) == COST:
        return "other_costs"
    return "other_income"


# 资产负债表 (会民非01表) lines: key -> (行次, 中文, English). Every line of the form is shown,
# so that the sheet reads as the filer's form does; lines the books do not record stay 0.
BALANCE_LINES: dict[str, tuple[int, str, str]] = {
    "cash": (1, "货币资金", "Cash"),
    "short_term_investments": (2, "短期投资", "Short-term investments"),
    "receivables": (3, "应收款项", "Receivables"),
    "prepayments": (4, "预付账款", "Prepayments"),
    "inventories": (8, "存货", "Inventories (donated goods)"),
    "prepaid_expenses": (9, "待摊费用", "Prepaid expenses"),
    "current_debt_investments": (15, "一年内到期的长期债权投资",
                                 "Long-term debt investments due within a year"),
    "other_current_assets": (18, "其他流动资产", "Other current assets"),
    "current_assets_total": (20, "流动资产合计", "Total current assets"),
    "long_term_investments_total": (30, "长期投资合计", "Total long-term investments"),
    "fixed_assets_total": (40, "固定资产合计", "Total fixed assets"),
    "intangible_assets": (41, "无形资产", "Intangible assets"),
    "custodial_assets": (51, "受托代理资产", "Assets held as agent"),
    "assets_total": (60, "资产总计", "Total assets"),
    "short_term_borrowings": (61, "短期借款", "Short-term borrowings"),
    "payables": (62, "应付款项", "Payables (grants approved, unpaid)"),
    "wages_payable": (63, "应付工资", "Wages payable"),
    "taxes_payable": (65, "应交税金", "Taxes payable"),
    "receipts_in_advance": (66, "预收账款", "Receipts in advance"),
    "accrued_expenses": (71, "预提费用", "Accrued expenses"),
    "provisions": (72, "预计负债", "Provisions"),
    "current_long_term_liabilities": (74, "一年内到期的长期负债",
                                      "Long-term liabilities due within a year"),
    "other_current_liabilities": (78, "其他流动负债", "Other current liabilities"),
    "current_liabilities_total": (80, "流动负债合计", "Total current liabilities"),
    "long_term_liabilities_total": (90, "长期负债合计", "Total long-term liabilities"),
    "custodial_liabilities": (91, "受托代理负债", "Liabilities held as agent"),
    "liabilities_total": (100, "负债合计", "Total liabilities"),
    "unrestricted_net_assets": (101, "非限定性净资产", "Unrestricted net assets"),
    "restricted_net_assets": (105, "限定性净资产", "Restricted net assets"),
    "net_assets_total": (110, "净资产合计", "Total net assets"),
    "liabilities_and_net_assets_total": (120, "负债和净资产总计",
                                         "Total liabilities and net assets"),
}
# account -> the balance-sheet line it is shown on
BALANCE_LINE_OF = {CASH: "cash", IN_KIND_ASSETS: "inventories",
                   CUSTODIAL_ASSETS: "custodial_assets", GRANTS_PAYABLE: "payables",
                   CUSTODIAL_LIABILITIES: "custodial_liabilities"}

# 现金流量表 (会民非03表) lines: key -> (行次, 中文, English)
CASH_FLOW_LINES: dict[str, tuple[int | None, str, str]] = {
    "donations_received": (1, "接受捐赠收到的现金", "Cash received from donations"),
    "dues_received": (2, "收取会费收到的现金", "Cash received from membership dues"),
    "services_received": (3, "提供服务收到的现金", "Cash received from services"),
    "sales_received": (4, "销售商品收到的现金", "Cash received from sales of goods"),
    "government_grants_received": (5, "政府补助收到的现金",
                                   "Cash received from government grants"),
    "other_operating_received": (8, "收到的其他与业务活动有关的现金",
                                 "Other cash received from activities"),
    "operating_inflows": (13, "现金流入小计", "Cash inflows"),
    "grants_paid": (14, "提供捐赠或者资助支付的现金", "Cash paid as donations or grants"),
    "staff_paid": (15, "支付给员工以及为员工支付的现金", "Cash paid to and for staff"),
    "goods_services_paid": (16, "购买商品、接受服务支付的现金",
                            "Cash paid for goods and services"),
    "other_operating_paid": (19, "支付的其他与业务活动有关的现金",
                             "Other cash paid for activities"),
    "operating_outflows": (23, "现金流出小计", "Cash outflows"),
    "operating_net": (24, "业务活动产生的现金流量净额", "Net cash from activities"),
    "investing_inflows": (34, "投资活动现金流入小计", "Cash inflows from investing"),
    "investing_outflows": (43, "投资活动现金流出小计", "Cash outflows from investing"),
    "investing_net": (44, "投资活动产生的现金流量净额", "Net cash from investing"),
    "financing_inflows": (50, "筹资活动现金流入小计", "Cash inflows from financing"),
    "financing_outflows": (58, "筹资活动现金流出小计", "Cash outflows from financing"),
    "financing_net": (59, "筹资活动产生的现金流量净额", "Net cash from financing"),
    "exchange_rate_effect": (60, "汇率变动对现金的影响额", "Effect of exchange rates"),
    "net_increase": (61, "现金及现金等价物净增加额", "Net increase in cash"),
    # Not lines of the form: the opening and closing cash the net increase reconciles.
    "cash_at_start": (None, "期初现金余额", "Cash at the start"),
    "cash_at_end": (None, "期末现金余额", "Cash at the end"),
}
