"""The legal entity's statements: a foundation with the special and building funds it hosts is
one legal person (《慈善法》; rules.md "Community foundations"), so its 资产负债表, 业务活动表,
现金流量表 and trial balance sum the journals of all of them; each hosted fund is shown as a
project of the entity, and keeps its own statements (`projections/fund_reports.py`).

Pure queries over `fund_journal` (dated by `booked_on`, Shanghai days); the layouts are those
of 民间非营利组织会计制度 (会民非01/02/03表), line numbers and names from
`timebank/domain/chart.py`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, func, select, tuple_

from projections.tables import (
    donations,
    fund_journal,
    fund_vouchers,
    funds,
    grant_payments,
    grants,
)
from timebank.domain.chart import (
    ACTIVITY_LINES,
    ASSET,
    BALANCE_LINE_OF,
    BALANCE_LINES,
    CASH_FLOW_LINES,
    CLOSING_ENTRY,
    COST,
    COST_LINES,
    EQUITY,
    GRANTS_PAYABLE,
    INCOME,
    INCOME_LINES,
    LIABILITY,
    TRANSFER_ENTRIES,
    account_type,
    activity_line,
)
from timebank.domain.funds import CASH
from timebank.domain.indicators import Profile, measure
from timebank.domain.numerals import capital_amount
from timebank.domain.values import shanghai_date

RESTRICTED_PREFIX = "restricted:"
KIND_ZH = {"foundation": "基金会本级", "special": "专项基金", "building": "楼组自治金"}
KIND_EN = {"foundation": "the foundation itself", "special": "special fund",
           "building": "building fund"}


def _restricted(fund_class: str) -> bool:
    return fund_class.startswith(RESTRICTED_PREFIX)


def _columns(unrestricted: int, restricted: int) -> dict[str, int]:
    return {"unrestricted_fen": unrestricted, "restricted_fen": restricted,
            "total_fen": unrestricted + restricted}


# -- the entity ----------------------------------------------------------------------------
def members(engine: Engine, entity_fund_id: str) -> list[dict[str, Any]]:
    """The foundation first, then the funds it hosts in the order they were opened."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(funds).where((funds.c.fund_id == entity_fund_id)
                                | (funds.c.host_fund_id == entity_fund_id))
            .order_by(funds.c.host_fund_id.is_not(None), funds.c.opened_at, funds.c.fund_id)
        ).all()
    return [{"fund_id": r.fund_id, "name": r.name, "kind": r.kind, "opened_at": r.opened_at}
            for r in rows]


def _ids(members_: list[dict[str, Any]]) -> list[str]:
    return [m["fund_id"] for m in members_]


def _sums(engine: Engine, fund_ids: list[str], start: date | None, end: date | None,
          without_closing: bool = False) -> list[tuple[str, str, str, str, int]]:
    """(fund, account, class, entry kind, net debit) of the lines booked in [start, end]."""
    j = fund_journal
    query = (select(j.c.fund_id, j.c.account, j.c.fund_class, j.c.entry_kind,
                    func.sum(j.c.debit_fen - j.c.credit_fen))
             .where(j.c.fund_id.in_(fund_ids))
             .group_by(j.c.fund_id, j.c.account, j.c.fund_class, j.c.entry_kind))
    if start is not None:
        query = query.where(j.c.booked_on >= start)
    if end is not None:
        query = query.where(j.c.booked_on <= end)
    if without_closing:
        query = query.where(j.c.entry_kind != CLOSING_ENTRY)
    with engine.connect() as conn:
        return [(f, a, c, k, int(n)) for f, a, c, k, n in conn.execute(query).all()]


# -- balance sheet -------------------------------------------------------------------------
@dataclass
class Position:
    """Assets and liabilities by account; net assets by class, from the other side of the
    books (income less costs, plus what transfers moved) — never assets less liabilities, so
    that the check that the sheet balances can fail."""

    assets: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    liabilities: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    net_assets: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, account: str, fund_class: str, kind: str, net: int) -> None:
        kind_of = account_type(account)
        if kind_of == ASSET:
            self.assets[account] += net
            if kind in TRANSFER_ENTRIES:
                self.net_assets[fund_class] += net
        elif kind_of == LIABILITY:
            self.liabilities[account] -= net
        else:  # income and net assets are credit-normal, costs debit-normal
            self.net_assets[fund_class] -= net

    @property
    def assets_total(self) -> int:
        return sum(self.assets.values())

    @property
    def liabilities_total(self) -> int:
        return sum(self.liabilities.values())

    @property
    def unrestricted(self) -> int:
        return sum(v for k, v in self.net_assets.items() if not _restricted(k))

    @property
    def restricted(self) -> int:
        return sum(v for k, v in self.net_assets.items() if _restricted(k))

    @property
    def by_purpose(self) -> dict[str, int]:
        return {k[len(RESTRICTED_PREFIX):]: v for k, v in sorted(self.net_assets.items())
                if _restricted(k) and v}

    @property
    def net_assets_total(self) -> int:
        return self.unrestricted + self.restricted

    def line(self, key: str) -> int:
        for account, line in BALANCE_LINE_OF.items():
            if line == key:
                return (self.assets.get(account, 0) if account_type(account) == ASSET
                        else self.liabilities.get(account, 0))
        return {
            "current_assets_total": self.assets.get(CASH, 0) + self.line("inventories"),
            "assets_total": self.assets_total,
            "current_liabilities_total": self.line("payables"),
            "liabilities_total": self.liabilities_total,
            "unrestricted_net_assets": self.unrestricted,
            "restricted_net_assets": self.restricted,
            "net_assets_total": self.net_assets_total,
            "liabilities_and_net_assets_total": self.liabilities_total + self.net_assets_total,
        }.get(key, 0)


def positions(engine: Engine, fund_ids: list[str], as_of: date) -> dict[str, Position]:
    """Each fund's position at the end of `as_of`, and the entity's under the key ""."""
    result: dict[str, Position] = defaultdict(Position)
    for fund_id, account, fund_class, kind, net in _sums(engine, fund_ids, None, as_of):
        result[fund_id].add(account, fund_class, kind, net)
        result[""].add(account, fund_class, kind, net)
    result.setdefault("", Position())  # the entity is there even with no entries
    return result


def _year_end_before(day: date) -> date:
    return date(day.year, 1, 1) - timedelta(days=1)


def balance_sheet(engine: Engine, entity_fund_id: str, as_of: date) -> dict[str, Any]:
    """资产负债表 (会民非01表) of the legal entity at the end of `as_of`, with 年初数."""
    funds_ = members(engine, entity_fund_id)
    ids = _ids(funds_)
    end = positions(engine, ids, as_of)
    start = positions(engine, ids, _year_end_before(as_of))
    rows = []
    for key, (line_no, zh, en) in BALANCE_LINES.items():
        rows.append({"key": key, "line": line_no, "label_zh": zh, "label_en": en,
                     "year_start_fen": start[""].line(key), "end_fen": end[""].line(key)})
    purposes = sorted(set(start[""].by_purpose) | set(end[""].by_purpose))
    ent_end, ent_start = end[""], start[""]
    return {
        "entity_fund_id": entity_fund_id,
        "as_of": as_of.isoformat(),
        "rows": rows,
        "restricted_by_purpose": [
            {"purpose": p, "year_start_fen": ent_start.by_purpose.get(p, 0),
             "end_fen": ent_end.by_purpose.get(p, 0)} for p in purposes],
        "projects": [
            {"fund_id": m["fund_id"], "name": m["name"], "kind": m["kind"],
             "assets_fen": end[m["fund_id"]].assets_total,
             "liabilities_fen": end[m["fund_id"]].liabilities_total,
             "unrestricted_net_assets_fen": end[m["fund_id"]].unrestricted,
             "restricted_net_assets_fen": end[m["fund_id"]].restricted}
            for m in funds_],
        "balanced": all(p.assets_total == p.liabilities_total + p.net_assets_total
                        for p in (ent_start, ent_end)),
    }


# -- statement of activities ---------------------------------------------------------------
def activities(engine: Engine, entity_fund_id: str, start: date, end: date) -> dict[str, Any]:
    """业务活动表 (会民非02表) of the entity for the days start..end (inclusive).

    Income by line in its class's column; every cost in the unrestricted column, restricted
    money used for its purpose shown as released (限定性净资产转为非限定性净资产) together with
    explicit releases. A year-end closing entry is not income or cost of the year it closes.
    Programme costs are also shown by project (the foundation itself and each hosted fund)."""
    funds_ = members(engine, entity_fund_id)
    ids = _ids(funds_)
    income: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    costs: dict[str, int] = defaultdict(int)
    program_by_fund: dict[str, int] = defaultdict(int)
    by_fund: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    released_by_use = reclassified = 0
    for fund_id, account, fund_class, kind, net in _sums(engine, ids, start, end,
                                                         without_closing=True):
        restricted = _restricted(fund_class)
        kind_of = account_type(account)
        if kind_of == INCOME:
            income[activity_line(account)][restricted] -= net
            by_fund[fund_id]["income_fen"] -= net
        elif kind_of == COST:
            line = activity_line(account)
            costs[line] += net
            by_fund[fund_id]["expense_fen"] += net
            if line == "program_costs":
                program_by_fund[fund_id] += net
            if restricted:
                released_by_use += net
        elif kind_of == ASSET and kind in TRANSFER_ENTRIES and restricted:
            reclassified -= net

    def row(key: str, unrestricted: int, restricted: int, section: str) -> dict[str, Any]:
        line_no, zh, en = ACTIVITY_LINES[key]
        return {"key": key, "line": line_no, "label_zh": zh, "label_en": en,
                "section": section, **_columns(unrestricted, restricted)}

    income_u = sum(income[k][0] for k in INCOME_LINES)
    income_r = sum(income[k][1] for k in INCOME_LINES)
    cost_total = sum(costs[k] for k in COST_LINES)
    released = released_by_use + reclassified
    rows = [row(k, *income[k], "income") for k in INCOME_LINES]
    rows.append(row("income_total", income_u, income_r, "income"))
    for key in COST_LINES:
        rows.append(row(key, costs[key], 0, "expenses"))
        if key == "program_costs":
            for m in funds_:  # 其中: by project
                rows.append({"key": f"program_costs:{m['fund_id']}", "line": None,
                             "label_zh": f"其中：{m['name']}",
                             "label_en": f"of which: {m['name']}",
                             "section": "expenses",
                             **_columns(program_by_fund[m["fund_id"]], 0)})
    rows.append(row("expense_total", cost_total, 0, "expenses"))
    rows.append(row("net_assets_released", released, -released, "transfers"))
    rows.append(row("change_in_net_assets", income_u - cost_total + released,
                    income_r - released, "change"))
    opening = positions(engine, ids, start - timedelta(days=1))
    closing = positions(engine, ids, end)
    at_start = _columns(opening[""].unrestricted, opening[""].restricted)
    at_end = _columns(closing[""].unrestricted, closing[""].restricted)
    change = rows[-1]
    return {
        "entity_fund_id": entity_fund_id,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "rows": rows,
        "released_by_use_fen": released_by_use,
        "released_by_reclassification_fen": reclassified,
        "net_assets_at_start": at_start,
        "net_assets_at_end": at_end,
        "projects": [
            {"fund_id": m["fund_id"], "name": m["name"], "kind": m["kind"],
             "income_fen": by_fund[m["fund_id"]]["income_fen"],
             "expense_fen": by_fund[m["fund_id"]]["expense_fen"],
             "program_costs_fen": program_by_fund[m["fund_id"]]}
            for m in funds_],
        "ties": all(at_start[c] + change[c] == at_end[c]
                    for c in ("unrestricted_fen", "restricted_fen", "total_fen")),
    }


# -- cash flows ----------------------------------------------------------------------------
INFLOW_LINES = ("donations_received", "dues_received", "services_received", "sales_received",
                "government_grants_received", "other_operating_received")
OUTFLOW_LINES = ("grants_paid", "staff_paid", "goods_services_paid", "other_operating_paid")


def _cash_line(kind: str, cash: int, others: list[str]) -> str:
    """The 现金流量表 line of one entry's cash movement, from what was on its other side."""
    lines = {activity_line(a) for a in others if account_type(a) == INCOME}
    if "government_grant_income" in lines:
        return "government_grants_received"
    if "donation_income" in lines:
        return "donations_received"  # a void is a negative receipt on the same line
    if GRANTS_PAYABLE in others or kind == "disbursement":
        return "grants_paid"
    if any(account_type(a) == COST for a in others):
        return "goods_services_paid"
    return "other_operating_received" if cash > 0 else "other_operating_paid"


def cash_flows(engine: Engine, entity_fund_id: str, start: date, end: date) -> dict[str, Any]:
    """现金流量表 (会民非03表) of the entity for start..end: every entry that moved 货币资金,
    by what it was for. Moves between classes of one fund's cash are not cash flows; money
    held as agent (受托代理) is not 货币资金 here (it is kept in its own account)."""
    ids = _ids(members(engine, entity_fund_id))
    j = fund_journal
    cash_entries = (select(j.c.fund_id, j.c.version)
                    .where(j.c.fund_id.in_(ids), j.c.account == CASH,
                           j.c.booked_on >= start, j.c.booked_on <= end))
    with engine.connect() as conn:
        lines = conn.execute(
            select(j.c.fund_id, j.c.version, j.c.entry_kind, j.c.account,
                   j.c.debit_fen - j.c.credit_fen)
            .where(tuple_(j.c.fund_id, j.c.version).in_(cash_entries))
        ).all()
        opening = conn.execute(
            select(func.coalesce(func.sum(j.c.debit_fen - j.c.credit_fen), 0))
            .where(j.c.fund_id.in_(ids), j.c.account == CASH, j.c.booked_on < start)
        ).scalar_one()
    entries: dict[tuple[str, int], list[tuple[str, str, int]]] = defaultdict(list)
    for fund_id, version, kind, account, net in lines:
        entries[(fund_id, version)].append((kind, account, int(net)))
    amounts: dict[str, int] = defaultdict(int)
    for entry in entries.values():
        cash = sum(net for _, account, net in entry if account == CASH)
        if cash == 0:
            continue
        line = _cash_line(entry[0][0], cash,
                          [account for _, account, _ in entry if account != CASH])
        amounts[line] += cash if line in INFLOW_LINES else -cash
    inflows = sum(amounts[k] for k in INFLOW_LINES)
    outflows = sum(amounts[k] for k in OUTFLOW_LINES)
    opening = int(opening)
    figures = {**{k: amounts[k] for k in (*INFLOW_LINES, *OUTFLOW_LINES)},
               "operating_inflows": inflows, "operating_outflows": outflows,
               "operating_net": inflows - outflows,
               "net_increase": inflows - outflows,
               "cash_at_start": opening, "cash_at_end": opening + inflows - outflows}
    closing = positions(engine, ids, end)[""].assets.get(CASH, 0)
    rows = [{"key": key, "line": line_no, "label_zh": zh, "label_en": en,
             "amount_fen": figures.get(key, 0)}
            for key, (line_no, zh, en) in CASH_FLOW_LINES.items()]
    return {
        "entity_fund_id": entity_fund_id,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "rows": rows,
        # The flows explain the change in 货币资金 on the balance sheet.
        "ties": figures["cash_at_end"] == closing,
    }


# -- trial balance -------------------------------------------------------------------------
def trial_balance(engine: Engine, entity_fund_id: str, as_of: date) -> dict[str, Any]:
    """Every account of the entity at the end of `as_of`; it ties to the balance sheet when its
    assets, liabilities and net assets (net-asset accounts plus income less costs not yet
    closed) are the sheet's."""
    ids = _ids(members(engine, entity_fund_id))
    by_account: dict[str, int] = defaultdict(int)
    position = Position()
    for _, account, fund_class, kind, net in _sums(engine, ids, None, as_of):
        by_account[account] += net
        position.add(account, fund_class, kind, net)
    accounts = [{"account": a, "type": account_type(a), "debit_fen": max(n, 0),
                 "credit_fen": max(-n, 0)} for a, n in sorted(by_account.items()) if n]
    kinds: dict[str, int] = defaultdict(int)
    for account, net in by_account.items():
        kinds[account_type(account)] += net
    assets = kinds[ASSET]
    liabilities = -kinds[LIABILITY]
    net_assets = -(kinds[EQUITY] + kinds[INCOME] + kinds[COST])
    return {
        "entity_fund_id": entity_fund_id,
        "as_of": as_of.isoformat(),
        "accounts": accounts,
        "total_debit_fen": sum(a["debit_fen"] for a in accounts),
        "total_credit_fen": sum(a["credit_fen"] for a in accounts),
        "assets_fen": assets,
        "liabilities_fen": liabilities,
        "net_assets_fen": net_assets,
        "open_income_and_costs_fen": -(kinds[INCOME] + kinds[COST]),
        "ties_to_balance_sheet": (assets == position.assets_total
                                  and liabilities == position.liabilities_total
                                  and net_assets == position.net_assets_total),
    }


# -- indicators ----------------------------------------------------------------------------
def indicators(engine: Engine, entity_fund_id: str, year: int, profile: Profile,
               today: date) -> dict[str, Any]:
    """The charity-law indicators of `year` for the legal entity (timebank/domain/indicators)."""
    funds_ = members(engine, entity_fund_id)
    ids = _ids(funds_)
    opened_year = min((shanghai_date(m["opened_at"]).year for m in funds_), default=year)
    income_by_year: dict[int, int] = {}
    net_assets_by_year_end: dict[int, int] = {}
    for y in (year - 3, year - 2, year - 1):
        income_by_year[y] = -sum(
            net for _, account, _, _, net in _sums(engine, ids, date(y, 1, 1), date(y, 12, 31),
                                                   without_closing=True)
            if account_type(account) == INCOME)
        net_assets_by_year_end[y] = positions(engine, ids, date(y, 12, 31))[""].net_assets_total
    costs: dict[str, int] = defaultdict(int)
    for _, account, _, _, net in _sums(engine, ids, date(year, 1, 1), date(year, 12, 31),
                                       without_closing=True):
        if account_type(account) == COST:
            costs[activity_line(account)] += net
    with engine.connect() as conn:
        unpaid = conn.execute(
            select(func.coalesce(func.sum(grants.c.amount_fen - grants.c.disbursed_fen), 0))
            .where(grants.c.fund_id.in_(ids), grants.c.status == "approved")).scalar_one()
        pending = conn.execute(
            select(func.coalesce(func.sum(grants.c.amount_fen), 0))
            .where(grants.c.fund_id.in_(ids), grants.c.status == "proposed")).scalar_one()
    payable = positions(engine, ids, date(year, 12, 31))[""].liabilities.get(GRANTS_PAYABLE, 0)
    # Committed and not yet a cost: grants approved before grants were liabilities (their
    # unpaid rest), and grants proposed and awaiting the residents' vote. A past year is over.
    committed = (max(int(unpaid) - payable, 0) + int(pending)) if year >= today.year else 0
    result = measure(
        profile, year,
        basis_years=[y for y in (year - 3, year - 2, year - 1) if y >= opened_year],
        income_by_year=income_by_year, net_assets_by_year_end=net_assets_by_year_end,
        charitable_fen=costs["program_costs"], management_fen=costs["management_costs"],
        total_spending_fen=sum(costs[k] for k in COST_LINES), committed_fen=committed)
    result["entity_fund_id"] = entity_fund_id
    return result


# -- vouchers ------------------------------------------------------------------------------
def vouchers(engine: Engine, entity_fund_id: str, start: date, end: date) -> dict[str, Any]:
    """The entity's 记账凭证 booked in start..end, by month and number, each with its lines."""
    funds_ = {m["fund_id"]: m["name"] for m in members(engine, entity_fund_id)}
    v, j = fund_vouchers, fund_journal
    with engine.connect() as conn:
        rows = conn.execute(
            select(v.c.voucher_no, v.c.period, v.c.number, v.c.booked_on, v.c.fund_id,
                   j.c.entry_kind, j.c.ref, j.c.account, j.c.fund_class, j.c.debit_fen,
                   j.c.credit_fen)
            .join(j, (j.c.fund_id == v.c.fund_id) & (j.c.version == v.c.version))
            .where(v.c.entity_fund_id == entity_fund_id, v.c.booked_on >= start,
                   v.c.booked_on <= end)
            .order_by(v.c.period, v.c.number, j.c.line_no)).all()
    result: list[dict[str, Any]] = []
    for r in rows:
        if not result or result[-1]["voucher_no"] != r.voucher_no:
            result.append({"voucher_no": r.voucher_no, "period": r.period, "number": r.number,
                           "booked_on": r.booked_on.isoformat(), "fund_id": r.fund_id,
                           "fund_name": funds_.get(r.fund_id, ""), "entry_kind": r.entry_kind,
                           "ref": r.ref, "lines": []})
        result[-1]["lines"].append({"account": r.account, "fund_class": r.fund_class,
                                    "debit_fen": r.debit_fen, "credit_fen": r.credit_fen})
    return {"entity_fund_id": entity_fund_id, "from": start.isoformat(),
            "to": end.isoformat(), "vouchers": result}


# -- receipt register ----------------------------------------------------------------------
def receipt_register(engine: Engine, entity_fund_id: str, year: int) -> dict[str, Any]:
    """Every receipt number the entity issued for gifts booked in `year` (voided ones too, as
    they stay used), in number order, and any number missing from a series."""
    funds_ = {m["fund_id"]: m for m in members(engine, entity_fund_id)}
    d = donations
    with engine.connect() as conn:
        rows = conn.execute(
            select(d).where(d.c.fund_id.in_(list(funds_)),
                            d.c.receipt_no.like(f"{year:04d}-%"))
            .order_by(d.c.receipt_no)).all()
    receipts = [{
        "receipt_no": r.receipt_no,
        "donation_id": r.donation_id,
        "fund_id": r.fund_id,
        "project": funds_[r.fund_id]["name"],
        "received_at": r.received_at,
        "amount_fen": r.amount_fen,
        "amount_in_words": capital_amount(r.amount_fen),
        "donor_type": r.donor_type,
        "anonymous": r.anonymous,
        "restricted_purpose": r.restricted_purpose,
        "in_kind": r.in_kind,
        "status": r.status,
        "voided_at": r.voided_at,
        "void_reason": r.void_reason,
        "e_receipt_no": r.e_receipt_no,
    } for r in rows]
    series: dict[str, list[int]] = defaultdict(list)
    for receipt in receipts:
        prefix, _, number = receipt["receipt_no"].rpartition("-")
        series[prefix].append(int(number))
    gaps = [f"{prefix}-{n:06d}" for prefix, numbers in sorted(series.items())
            for n in sorted(set(range(1, max(numbers) + 1)) - set(numbers))]
    return {"entity_fund_id": entity_fund_id, "year": year, "receipts": receipts,
            "gaps": gaps}


# -- public disclosure ---------------------------------------------------------------------
def public_year(engine: Engine, entity_fund_id: str, year: int) -> dict[str, Any]:
    """信息公开 of one year of the legal entity: figures only — no donor, no personal data."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    funds_ = members(engine, entity_fund_id)
    ids = _ids(funds_)
    by_source: dict[str, int] = defaultdict(int)
    for _, account, _, _, net in _sums(engine, ids, start, end, without_closing=True):
        if account_type(account) == INCOME:
            source = account.split(":", 1)[1] if ":" in account else account
            by_source["government" if activity_line(account) == "government_grant_income"
                      else source] -= net
    report = activities(engine, entity_fund_id, start, end)
    names = {m["fund_id"]: m["name"] for m in funds_}
    with engine.connect() as conn:
        grant_rows = conn.execute(
            select(grants).where(grants.c.fund_id.in_(ids))
            .order_by(grants.c.proposed_at, grants.c.grant_id)).all()
    listed = [
        {"project": g.project, "fund": names.get(g.fund_id, ""), "amount_fen": g.amount_fen,
         "disbursed_fen": g.disbursed_fen, "status": g.status}
        for g in grant_rows
        if shanghai_date(g.proposed_at).year <= year
        and (g.status in ("proposed", "approved")
             or shanghai_date(g.decided_at or g.proposed_at).year >= year)]
    years = sorted({shanghai_date(m["opened_at"]).year for m in funds_})
    return {
        "year": year,
        "first_year": years[0] if years else year,
        "income_by_source": {k: v for k, v in sorted(by_source.items()) if v},
        "rows": {r["key"]: r for r in report["rows"]},
        "net_assets_at_end": report["net_assets_at_end"],
        "projects": report["projects"],
        "grants": listed,
    }


# -- disclosure reminders ------------------------------------------------------------------
def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def _quarter_end(day: date) -> date:
    month = (day.month - 1) // 3 * 3 + 3
    return _add_months(date(day.year, month, 1), 1) - timedelta(days=1)


def disclosures(engine: Engine, entity_fund_id: str, today: date) -> dict[str, Any]:
    """What the entity must publish and by when (《慈善组织信息公开办法》; rules.md,
    "Disclosure"): the annual report by 31 May; a project's money left when it ends, within 3
    months; a project running over 6 months, at least every quarter."""
    funds_ = {m["fund_id"]: m["name"] for m in members(engine, entity_fund_id)}
    with engine.connect() as conn:
        rows = conn.execute(select(grants).where(grants.c.fund_id.in_(list(funds_)))
                            .order_by(grants.c.proposed_at, grants.c.grant_id)).all()
    reminders: list[dict[str, Any]] = []
    report_due = date(today.year, 5, 31)
    if today <= report_due:
        reminders.append({
            "kind": "annual_report", "subject": f"{today.year - 1}", "fund_id": entity_fund_id,
            "grant_id": None, "due_on": report_due.isoformat(), "overdue": False,
            "amount_fen": None,
            "rule_zh": f"{today.year - 1} 年度工作报告和财务会计报告于 5 月 31 日前在慈善中国公开",
            "rule_en": f"The {today.year - 1} annual report and financial statements are "
                       "published on the national charity platform by 31 May"})
    for g in rows:
        if g.ended_at is not None and g.unpaid_at_end_fen:
            ended = shanghai_date(g.ended_at)
            due = _add_months(ended, 3)
            if today <= _add_months(due, 12):  # reminded for a year after it fell due
                reminders.append({
                    "kind": "remaining_money", "subject": g.project, "fund_id": g.fund_id,
                    "grant_id": g.grant_id, "due_on": due.isoformat(), "overdue": today > due,
                    "amount_fen": g.unpaid_at_end_fen,
                    "rule_zh": f"项目于 {ended} 结束，剩余财产须在 3 个月内公开",
                    "rule_en": f"The project ended on {ended}; the money left is disclosed "
                               "within 3 months"})
        elif g.status == "approved" and g.decided_at is not None:
            started = shanghai_date(g.decided_at)
            if today > _add_months(started, 6):
                due = _quarter_end(today)
                reminders.append({
                    "kind": "quarterly_report", "subject": g.project, "fund_id": g.fund_id,
                    "grant_id": g.grant_id, "due_on": due.isoformat(), "overdue": False,
                    "amount_fen": None,
                    "rule_zh": f"项目自 {started} 起实施已超过 6 个月，每季度至少公开一次进展",
                    "rule_en": f"The project has run since {started}, over 6 months: its "
                               "progress is published at least every quarter"})
    for reminder in reminders:
        reminder["fund_name"] = funds_.get(reminder["fund_id"], "")
    return {"entity_fund_id": entity_fund_id, "as_of": today.isoformat(),
            "reminders": reminders}


# -- the annual report pack ----------------------------------------------------------------
def restricted_notes(engine: Engine, entity_fund_id: str, year: int) -> list[dict[str, Any]]:
    """附注: each restricted purpose's net assets over the year — at the start, received,
    used for its purpose, moved by releases and consented changes of purpose, at the end."""
    ids = _ids(members(engine, entity_fund_id))
    start, end = date(year, 1, 1), date(year, 12, 31)
    opening = positions(engine, ids, start - timedelta(days=1))[""].by_purpose
    closing = positions(engine, ids, end)[""].by_purpose
    moves: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for _, account, fund_class, kind, net in _sums(engine, ids, start, end,
                                                   without_closing=True):
        if not _restricted(fund_class):
            continue
        purpose = fund_class[len(RESTRICTED_PREFIX):]
        kind_of = account_type(account)
        if kind_of == INCOME:
            moves[purpose]["received_fen"] -= net
        elif kind_of == COST:
            moves[purpose]["used_fen"] += net
        elif kind_of == ASSET and kind in TRANSFER_ENTRIES:
            moves[purpose]["transferred_fen"] += net
    purposes = sorted(set(opening) | set(closing) | set(moves))
    return [{"purpose": p, "start_fen": opening.get(p, 0),
             "received_fen": moves[p]["received_fen"], "used_fen": moves[p]["used_fen"],
             "transferred_fen": moves[p]["transferred_fen"], "end_fen": closing.get(p, 0)}
            for p in purposes]


def grants_of_year(engine: Engine, entity_fund_id: str, year: int) -> list[dict[str, Any]]:
    """Grants decided in `year` or paid in it: approved, paid in the year, unpaid at its end."""
    funds_ = {m["fund_id"]: m["name"] for m in members(engine, entity_fund_id)}
    p = grant_payments
    with engine.connect() as conn:
        paid = dict(conn.execute(
            select(p.c.grant_id, func.sum(p.c.amount_fen))
            .where(p.c.fund_id.in_(list(funds_)), p.c.booked_on >= date(year, 1, 1),
                   p.c.booked_on <= date(year, 12, 31)).group_by(p.c.grant_id)).all())
        paid_by_end = dict(conn.execute(
            select(p.c.grant_id, func.sum(p.c.amount_fen))
            .where(p.c.fund_id.in_(list(funds_)), p.c.booked_on <= date(year, 12, 31))
            .group_by(p.c.grant_id)).all())
        rows = conn.execute(select(grants).where(grants.c.fund_id.in_(list(funds_)))
                            .order_by(grants.c.proposed_at, grants.c.grant_id)).all()
    result = []
    for g in rows:
        decided = shanghai_date(g.decided_at).year if g.decided_at else None
        if g.status == "rejected" or (decided != year and g.grant_id not in paid):
            continue
        ended_by = g.ended_at is not None and shanghai_date(g.ended_at).year <= year
        by_end = int(paid_by_end.get(g.grant_id, 0))
        result.append({
            "grant_id": g.grant_id, "project": g.project, "fund_id": g.fund_id,
            "fund_name": funds_[g.fund_id], "purpose": g.purpose, "amount_fen": g.amount_fen,
            "decided_on": shanghai_date(g.decided_at).isoformat() if g.decided_at else None,
            "paid_in_year_fen": int(paid.get(g.grant_id, 0)),
            "unpaid_at_year_end_fen": 0 if ended_by else g.amount_fen - by_end,
            "status": g.status})
    return result
