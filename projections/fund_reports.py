"""A fund's reports as of any date, read from its journal (民间非营利组织会计制度 layouts).

业务活动表 (statement of activities), 资产负债表 (balance sheet), donation → grant tracing,
the charity indicators (慈善组织年度支出和管理费用指标) and the journal's export rows.
Pure queries: nothing here writes, and nothing here decides a command.

Dates are Shanghai calendar dates of `booked_on` (a backdated entry counts on its own
date); tracing walks entries in the order they were recorded.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Engine, and_, func, select

from projections.fund_queries import RESTRICTED_PREFIX
from projections.tables import donations, fund_journal, fund_vouchers, funds, grants
from timebank.domain.chart import (
    ASSET,
    CLOSING_ENTRY,
    CUSTODIAL_ASSETS,
    CUSTODIAL_LIABILITIES,
    GOVERNMENT_GRANT_INCOME,
    GRANTS_PAYABLE,
    INCOME,
    LIABILITY,
    NET_ASSETS,
    account_type,
)
from timebank.domain.funds import (
    CASH,
    DONATION_INCOME,
    DONOR_TYPES,
    EXPENSE,
    GRANT_EXPENSE,
    IN_KIND_ASSETS,
    UNRESTRICTED,
)
from timebank.domain.values import shanghai_date
from timebank.domain.vocabulary import DONOR_TYPE

ASSETS = (CASH, IN_KIND_ASSETS)
DONATION_KINDS = ("donation", "donation_in_kind")
VOID_KIND = "donation_void"
# Entries that move net assets between classes without changing their total.
TRANSFER_KINDS = ("reclassification", "purpose_change")
CHARITABLE = f"{EXPENSE}:charitable"
MANAGEMENT = f"{EXPENSE}:management"
FUNDRAISING = f"{EXPENSE}:fundraising"
PROGRAM_ACCOUNTS = (GRANT_EXPENSE, CHARITABLE)  # 业务活动成本
RATIO_PLACES = Decimal("0.0001")

# -- user-facing Chinese text, kept here once ----------------------------------------------
DONOR_TYPE_ZH = {term.code: term.zh for term in DONOR_TYPE}  # the one vocabulary's labels
ENTRY_KIND_ZH = {
    "donation": "捐赠", "donation_in_kind": "实物捐赠", "donation_void": "捐赠冲销",
    "disbursement": "资助拨付", "expense": "费用支出",
    "reclassification": "限定性净资产转为非限定性", "purpose_change": "限定用途变更",
    "grant_commitment": "资助项目批准（确认应付）", "commitment_release": "资助项目未付余额转回",
    "custodial_receipt": "受托代理收款", "custodial_payment": "受托代理付款",
    "in_kind_distribution": "实物发放", CLOSING_ENTRY: "年末结转",
}
ACCOUNT_ZH = {
    GOVERNMENT_GRANT_INCOME: "政府补助收入", GRANTS_PAYABLE: "应付款项",
    CUSTODIAL_ASSETS: "受托代理资产", CUSTODIAL_LIABILITIES: "受托代理负债",
    NET_ASSETS: "净资产",
    CASH: "货币资金", IN_KIND_ASSETS: "实物资产", GRANT_EXPENSE: "业务活动成本—资助项目",
    CHARITABLE: "业务活动成本—公益支出", MANAGEMENT: "管理费用", FUNDRAISING: "筹资费用",
}
ROW_ZH = {
    "donation_income": "捐赠收入",
    "income_total": "收入合计",
    "program_costs": "业务活动成本",
    "program_costs:grants": "其中：资助项目支出",
    "program_costs:charitable": "其中：其他公益支出",
    "management_costs": "管理费用",
    "fundraising_costs": "筹资费用",
    "other_costs": "其他费用",
    "expense_total": "费用合计",
    "net_assets_released": "限定性净资产转为非限定性净资产",
    "net_assets_released:by_use": "其中：按限定用途使用",
    "net_assets_released:reclassified": "其中：限制解除重分类",
    "change_in_net_assets": "净资产变动额",
    "cash": "货币资金",
    "in_kind_assets": "实物资产",
    "assets_total": "资产总计",
    "liabilities_total": "负债合计",
    "custodial_assets": "受托代理资产",
    "grants_payable": "应付款项",
    "custodial_liabilities": "受托代理负债",
    "unrestricted_net_assets": "非限定性净资产",
    "restricted_net_assets": "限定性净资产",
    "net_assets_total": "净资产合计",
    "liabilities_and_net_assets_total": "负债和净资产总计",
}
JOURNAL_SHEET = "明细账"
BALANCE_SHEET = ("资产负债表", "截至 {as_of}",
                 ("项目", "代码", "年初数(元)", "期末数(元)", "年初数(分)", "期末数(分)"))
ACTIVITIES_SHEET = ("业务活动表", "{start} 至 {end}",
                    ("项目", "代码", "非限定性(元)", "限定性(元)", "合计(元)",
                     "非限定性(分)", "限定性(分)", "合计(分)"))
JOURNAL_COLUMNS = (  # (key, header) of the journal export, in order
    ("booked_on", "记账日期"),
    ("booked_at", "记录时间(UTC)"),
    ("voucher_no", "凭证号"),
    ("entry_no", "分录序号"),
    ("line_no", "行号"),
    ("entry_kind", "业务类型代码"),
    ("entry_kind_zh", "业务类型"),
    ("ref", "关联单据号"),
    ("receipt_no", "捐赠收据号"),
    ("account", "科目代码"),
    ("account_zh", "科目名称"),
    ("fund_class", "资金性质代码"),
    ("fund_class_zh", "资金性质"),
    ("debit_fen", "借方金额(分)"),
    ("credit_fen", "贷方金额(分)"),
    ("debit_yuan", "借方金额(元)"),
    ("credit_yuan", "贷方金额(元)"),
)


def account_zh(account: str) -> str:
    if account.startswith(DONATION_INCOME + ":"):
        donor_type = account.split(":", 1)[1]
        return f"捐赠收入—{DONOR_TYPE_ZH.get(donor_type, donor_type)}"
    return ACCOUNT_ZH.get(account, account)


def fund_class_zh(fund_class: str) -> str:
    if fund_class.startswith(RESTRICTED_PREFIX):
        return f"限定性—{fund_class[len(RESTRICTED_PREFIX):]}"
    return "非限定性" if fund_class == UNRESTRICTED else fund_class


def yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def _restricted(fund_class: str) -> bool:
    return fund_class.startswith(RESTRICTED_PREFIX)


def _is_cost(account: str) -> bool:
    return account == GRANT_EXPENSE or account.startswith(EXPENSE + ":")


def _columns(unrestricted: int, restricted: int) -> dict[str, int]:
    return {"unrestricted_fen": unrestricted, "restricted_fen": restricted,
            "total_fen": unrestricted + restricted}


def _ratio(part: int, whole: int) -> str | None:
    if whole <= 0:
        return None
    return str((Decimal(part) / Decimal(whole)).quantize(RATIO_PLACES, ROUND_HALF_UP))


def _sums(
    engine: Engine, fund_id: str, start: date | None, end: date | None
) -> list[tuple[str, str, str, int]]:
    """Net debit (+) / credit (−) per account, class and entry kind, booked in [start, end];
    a year-end closing is not income or cost of the period (its net effect on net assets
    is nil, so positions are the same with or without it)."""
    j = fund_journal
    query = (select(j.c.account, j.c.fund_class, j.c.entry_kind,
                    func.sum(j.c.debit_fen - j.c.credit_fen))
             .where(j.c.fund_id == fund_id, j.c.entry_kind != CLOSING_ENTRY)
             .group_by(j.c.account, j.c.fund_class, j.c.entry_kind))
    if start is not None:
        query = query.where(j.c.booked_on >= start)
    if end is not None:
        query = query.where(j.c.booked_on <= end)
    with engine.connect() as conn:
        return [(a, c, k, int(n)) for a, c, k, n in conn.execute(query).all()]


# -- balance sheet -------------------------------------------------------------------------
@dataclass
class Position:
    """Assets by account, and net assets by class summed from the other side of the books."""

    assets: dict[str, int] = field(default_factory=dict)
    net_assets: dict[str, int] = field(default_factory=dict)
    liability_accounts: dict[str, int] = field(default_factory=dict)

    @property
    def liabilities(self) -> int:
        return sum(self.liability_accounts.values())

    @property
    def assets_total(self) -> int:
        return sum(self.assets.values())

    @property
    def unrestricted(self) -> int:
        return sum(v for k, v in self.net_assets.items() if not _restricted(k))

    @property
    def restricted(self) -> dict[str, int]:
        return {k[len(RESTRICTED_PREFIX):]: v for k, v in sorted(self.net_assets.items())
                if _restricted(k)}

    @property
    def net_assets_total(self) -> int:
        return sum(self.net_assets.values())


def position(engine: Engine, fund_id: str, as_of: date) -> Position:
    """The books at the end of `as_of`.

    Net assets are income less costs of each class, plus what transfers between classes
    moved — never assets less liabilities, so that the balance check can fail."""
    result = Position(assets={CASH: 0, IN_KIND_ASSETS: 0, CUSTODIAL_ASSETS: 0},
                      liability_accounts={GRANTS_PAYABLE: 0, CUSTODIAL_LIABILITIES: 0})
    net_assets: dict[str, int] = defaultdict(int)
    for account, fund_class, kind, net in _sums(engine, fund_id, None, as_of):
        kind_of = account_type(account)
        if kind_of == ASSET:
            result.assets[account] += net
            if kind in TRANSFER_KINDS:
                net_assets[fund_class] += net
        elif kind_of == LIABILITY:
            result.liability_accounts[account] -= net
        else:
            net_assets[fund_class] -= net  # income is credit-normal, costs debit-normal
    result.net_assets = {k: v for k, v in net_assets.items() if v}
    return result


def _sheet_row(key: str, start: int, end: int, label: str | None = None) -> dict[str, Any]:
    return {"key": key, "label": label or ROW_ZH[key], "year_start_fen": start,
            "end_fen": end}


def balance_sheet(engine: Engine, fund_id: str, as_of: date) -> dict[str, Any]:
    """资产负债表 at the end of `as_of`, with the figures at the start of its year (年初数)."""
    end = position(engine, fund_id, as_of)
    start = position(engine, fund_id, date(as_of.year, 1, 1) - timedelta(days=1))
    purposes = sorted(set(start.restricted) | set(end.restricted))
    rows = [
        _sheet_row(CASH, start.assets[CASH], end.assets[CASH]),
        _sheet_row(IN_KIND_ASSETS, start.assets[IN_KIND_ASSETS], end.assets[IN_KIND_ASSETS]),
        _sheet_row(CUSTODIAL_ASSETS, start.assets[CUSTODIAL_ASSETS],
                   end.assets[CUSTODIAL_ASSETS]),
        _sheet_row("assets_total", start.assets_total, end.assets_total),
        _sheet_row(GRANTS_PAYABLE, start.liability_accounts[GRANTS_PAYABLE],
                   end.liability_accounts[GRANTS_PAYABLE]),
        _sheet_row(CUSTODIAL_LIABILITIES, start.liability_accounts[CUSTODIAL_LIABILITIES],
                   end.liability_accounts[CUSTODIAL_LIABILITIES]),
        _sheet_row("liabilities_total", start.liabilities, end.liabilities),
        _sheet_row("unrestricted_net_assets", start.unrestricted, end.unrestricted),
        _sheet_row("restricted_net_assets", sum(start.restricted.values()),
                   sum(end.restricted.values())),
        *(_sheet_row(f"restricted_net_assets:{p}", start.restricted.get(p, 0),
                     end.restricted.get(p, 0), f"其中：{p}") for p in purposes),
        _sheet_row("net_assets_total", start.net_assets_total, end.net_assets_total),
        _sheet_row("liabilities_and_net_assets_total",
                   start.liabilities + start.net_assets_total,
                   end.liabilities + end.net_assets_total),
    ]
    return {
        "fund_id": fund_id,
        "as_of": as_of.isoformat(),
        "rows": rows,
        "restricted_by_purpose": [
            {"purpose": p, "year_start_fen": start.restricted.get(p, 0),
             "end_fen": end.restricted.get(p, 0)} for p in purposes],
        "balanced": all(p.assets_total == p.liabilities + p.net_assets_total
                        for p in (start, end)),
    }


# -- statement of activities ---------------------------------------------------------------
def _cost_row(account: str) -> str:
    return {GRANT_EXPENSE: "program_costs:grants", CHARITABLE: "program_costs:charitable",
            MANAGEMENT: "management_costs", FUNDRAISING: "fundraising_costs"}.get(
        account, "other_costs")


def activities(engine: Engine, fund_id: str, start: date, end: date) -> dict[str, Any]:
    """业务活动表 for the days start..end (inclusive).

    As the accounting system for non-profits lays it out, every cost is shown in the
    unrestricted column; restricted money spent on its purpose is shown as released
    (限定性净资产转为非限定性净资产), together with explicit reclassifications."""
    income: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # donor type -> [u, r]
    costs: dict[str, int] = defaultdict(int)
    released_by_use = reclassified = 0
    for account, fund_class, kind, net in _sums(engine, fund_id, start, end):
        restricted = _restricted(fund_class)
        if account == GOVERNMENT_GRANT_INCOME:  # shown as the row of government money
            income["government"][restricted] -= net
        elif account.startswith(DONATION_INCOME + ":"):
            income[account.split(":", 1)[1]][restricted] -= net
        elif _is_cost(account):
            costs[_cost_row(account)] += net
            if restricted:
                released_by_use += net
        elif account in ASSETS and kind in TRANSFER_KINDS and restricted:
            reclassified -= net

    def row(key: str, unrestricted: int, restricted: int, section: str,
            label: str | None = None) -> dict[str, Any]:
        return {"key": key, "label": label or ROW_ZH[key], "section": section,
                **_columns(unrestricted, restricted)}

    donor_types = [*DONOR_TYPES, *sorted(set(income) - set(DONOR_TYPES))]
    income_u = sum(v[0] for v in income.values())
    income_r = sum(v[1] for v in income.values())
    program = costs["program_costs:grants"] + costs["program_costs:charitable"]
    cost_total = sum(costs.values())
    released = released_by_use + reclassified
    rows = [
        row("donation_income", income_u, income_r, "income"),
        *(row(f"donation_income:{t}", *income[t], "income",
              f"其中：{DONOR_TYPE_ZH.get(t, t)}") for t in donor_types),
        row("income_total", income_u, income_r, "income"),
        row("program_costs", program, 0, "expenses"),
        row("program_costs:grants", costs["program_costs:grants"], 0, "expenses"),
        row("program_costs:charitable", costs["program_costs:charitable"], 0, "expenses"),
        row("management_costs", costs["management_costs"], 0, "expenses"),
        row("fundraising_costs", costs["fundraising_costs"], 0, "expenses"),
        row("other_costs", costs["other_costs"], 0, "expenses"),
        row("expense_total", cost_total, 0, "expenses"),
        row("net_assets_released", released, -released, "transfers"),
        row("net_assets_released:by_use", released_by_use, -released_by_use, "transfers"),
        row("net_assets_released:reclassified", reclassified, -reclassified, "transfers"),
        row("change_in_net_assets", income_u - cost_total + released, income_r - released,
            "change"),
    ]
    opening = position(engine, fund_id, start - timedelta(days=1))
    closing = position(engine, fund_id, end)
    at_start = _columns(opening.unrestricted, sum(opening.restricted.values()))
    at_end = _columns(closing.unrestricted, sum(closing.restricted.values()))
    change = rows[-1]
    return {
        "fund_id": fund_id,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "rows": rows,
        "net_assets_at_start": at_start,
        "net_assets_at_end": at_end,
        # The period's change explains the difference of the two balance sheets, by column.
        "ties": all(at_start[c] + change[c] == at_end[c] for c in at_start),
    }


# -- donation → grant tracing --------------------------------------------------------------
TRACING_RULE = (
    "Restricted money by purpose first, then oldest first (FIFO). The journal is walked in "
    "the order it was recorded (booked_at, entry, line). Each donation makes a lot in its "
    "class (unrestricted, or restricted:<purpose>); a void removes what is left of its own "
    "lot, and takes any shortfall from the class's other lots, oldest first. A disbursement "
    "takes from the lots of each class its own journal lines pay from — its purpose's "
    "restricted money first, then unrestricted money — oldest lot first; an expense takes "
    "unrestricted lots oldest first. A reclassification or purpose change moves lot "
    "remainders, oldest first, to the new class, where they keep their age."
)


@dataclass
class _Lot:
    seq: int  # the donation's place in the journal: lower is older
    donation_id: str | None  # None: money from no donation (never expected; reported)
    remaining: int


class _Lots:
    def __init__(self) -> None:
        self.held: dict[tuple[str, str], list[_Lot]] = defaultdict(list)

    def add(self, holding: tuple[str, str], seq: int, donation_id: str | None,
            amount: int) -> None:
        lots = self.held[holding]
        for lot in lots:
            if lot.seq == seq and lot.donation_id == donation_id:
                lot.remaining += amount
                return
        bisect.insort(lots, _Lot(seq, donation_id, amount), key=lambda lot: lot.seq)

    def take(self, holding: tuple[str, str], amount: int,
             own: str | None = None) -> list[tuple[int, str | None, int]]:
        """(seq, donation, amount) pieces: the lots of `own` first, then oldest first."""
        lots = self.held[holding]
        pieces = []
        order = sorted(lots, key=lambda lot: (own is not None and lot.donation_id != own,
                                               lot.seq))
        for lot in order:
            if amount == 0:
                break
            part = min(amount, lot.remaining)
            if part:
                lot.remaining -= part
                amount -= part
                pieces.append((lot.seq, lot.donation_id, part))
        self.held[holding] = [lot for lot in lots if lot.remaining]
        if amount:
            pieces.append((0, None, amount))
        return pieces


def _merge(pieces: list[dict[str, Any]]) -> list[dict[str, Any]]:
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    for piece in pieces:
        key = tuple(v for k, v in piece.items() if k != "amount_fen")
        if key in merged:
            merged[key]["amount_fen"] += piece["amount_fen"]
        else:
            merged[key] = dict(piece)
    return list(merged.values())


def tracing(
    engine: Engine, fund_id: str, as_of: date, grant_of_disbursement: dict[str, str]
) -> dict[str, Any]:
    """Which donations paid for which disbursements and expenses, by TRACING_RULE."""
    j = fund_journal
    with engine.connect() as conn:
        lines = conn.execute(
            select(j).where(j.c.fund_id == fund_id, j.c.booked_on <= as_of)
            .order_by(j.c.booked_at, j.c.version, j.c.line_no)).all()
        donation_rows = {r.donation_id: r for r in conn.execute(
            select(donations).where(donations.c.fund_id == fund_id)).all()}
        grant_rows = {r.grant_id: r for r in conn.execute(
            select(grants).where(grants.c.fund_id == fund_id)).all()}

    def receipt(donation_id: str | None) -> str | None:
        row = donation_rows.get(donation_id or "")
        return row.receipt_no if row else None

    entries: list[list[Any]] = []
    for line in lines:
        if not entries or entries[-1][0].version != line.version:
            entries.append([])
        entries[-1].append(line)

    lots = _Lots()
    seq = 0
    traced: dict[str, dict[str, Any]] = {}  # donation id -> its story
    spendings: list[dict[str, Any]] = []
    voids: list[dict[str, Any]] = []
    transfers: list[dict[str, Any]] = []
    unattributed = 0

    def source(piece: tuple[int, str | None, int], fund_class: str) -> dict[str, Any]:
        nonlocal unattributed
        _, donation_id, amount = piece
        if donation_id is None:
            unattributed += amount
        return {"donation_id": donation_id, "receipt_no": receipt(donation_id),
                "fund_class": fund_class, "amount_fen": amount}

    for entry in entries:
        first = entry[0]
        kind, ref = first.entry_kind, first.ref
        taken: list[tuple[tuple[int, str | None, int], str]] = []
        for line in entry:
            if line.account in ASSETS and line.credit_fen:
                own = ref if kind == VOID_KIND else None
                taken += [(p, line.fund_class) for p in
                          lots.take((line.account, line.fund_class), line.credit_fen, own)]
        if kind in DONATION_KINDS:
            for line in entry:
                if line.account in ASSETS and line.debit_fen:
                    seq += 1
                    lots.add((line.account, line.fund_class), seq, ref, line.debit_fen)
                    story = traced.setdefault(ref, {"amount_fen": 0, "spent_fen": 0,
                                                    "refunded_fen": 0, "voided": False,
                                                    "fund_class": line.fund_class,
                                                    "account": line.account})
                    story["amount_fen"] += line.debit_fen
        elif kind in TRANSFER_KINDS:
            moving = [[s, d, a, c] for (s, d, a), c in taken]
            moved = []
            for line in entry:
                if not (line.account in ASSETS and line.debit_fen):
                    continue
                need = line.debit_fen
                while need and moving:
                    piece = moving[0]
                    part = min(need, piece[2])
                    lots.add((line.account, line.fund_class), piece[0], piece[1], part)
                    moved.append({"donation_id": piece[1], "receipt_no": receipt(piece[1]),
                                  "from_class": piece[3], "to_class": line.fund_class,
                                  "amount_fen": part})
                    piece[2] -= part
                    need -= part
                    if not piece[2]:
                        moving.pop(0)
            transfers.append({"entry_kind": kind, "ref": ref,
                              "booked_on": first.booked_on.isoformat(),
                              "moved": _merge(moved)})
        elif kind == VOID_KIND:
            sources = _merge([source(p, c) for p, c in taken])
            for s in sources:
                if s["donation_id"] in traced:
                    traced[s["donation_id"]]["refunded_fen"] += s["amount_fen"]
            if ref in traced:
                traced[ref]["voided"] = True
            voids.append({"donation_id": ref, "receipt_no": receipt(ref),
                          "booked_on": first.booked_on.isoformat(),
                          "amount_fen": sum(s["amount_fen"] for s in sources),
                          "sources": sources})
        elif not any(line.account in ASSETS for line in entry):
            continue  # no money or goods moved (a grant's approval, a closing)
        else:  # money paid out: a disbursement, an expense, or a kind not known here
            for line in entry:
                if line.account in ASSETS and line.debit_fen:
                    seq += 1  # money in from no donation: traced, never attributed
                    lots.add((line.account, line.fund_class), seq, None, line.debit_fen)
            sources = _merge([source(p, c) for p, c in taken])
            for s in sources:
                if s["donation_id"] in traced:
                    traced[s["donation_id"]]["spent_fen"] += s["amount_fen"]
            costs: dict[str, int] = defaultdict(int)
            for line in entry:
                if line.account not in ASSETS:
                    costs[line.account] += line.debit_fen - line.credit_fen
            spendings.append({"entry_kind": kind, "ref": ref,
                              "booked_on": first.booked_on.isoformat(),
                              "booked_at": first.booked_at,
                              "amount_fen": sum(s["amount_fen"] for s in sources),
                              "accounts": dict(costs), "sources": sources})

    remaining: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (account, fund_class), held in sorted(lots.held.items()):
        for lot in held:
            if lot.donation_id is not None:
                remaining[lot.donation_id].append(
                    {"account": account, "fund_class": fund_class, "amount_fen": lot.remaining})
    balances: dict[tuple[str, str], int] = defaultdict(int)
    for line in lines:
        if line.account in ASSETS:
            balances[(line.account, line.fund_class)] += line.debit_fen - line.credit_fen
    held_totals = {h: sum(lot.remaining for lot in held) for h, held in lots.held.items()}

    disbursements, expenses = [], []
    for spending in spendings:
        if spending["entry_kind"] == "disbursement":
            grant = grant_rows.get(grant_of_disbursement.get(spending["ref"], ""))
            disbursements.append({
                "disbursement_id": spending["ref"],
                "grant_id": grant.grant_id if grant else None,
                "project": grant.project if grant else None,
                "purpose": grant.purpose if grant else None,
                **{k: v for k, v in spending.items() if k not in ("ref", "entry_kind")},
            })
        else:
            expenses.append({"expense_id": spending["ref"],
                             **{k: v for k, v in spending.items() if k != "ref"}})
    donation_list = []
    for donation_id, story in traced.items():
        row = donation_rows.get(donation_id)
        left = remaining.get(donation_id, [])
        donation_list.append({
            "donation_id": donation_id,
            "receipt_no": row.receipt_no if row else None,
            "donor_type": row.donor_type if row else None,
            "restricted_purpose": row.restricted_purpose if row else None,
            **story,
            "remaining_fen": sum(r["amount_fen"] for r in left),
            "remaining": left,
        })
    return {
        "fund_id": fund_id,
        "as_of": as_of.isoformat(),
        "rule": TRACING_RULE,
        "disbursements": disbursements,
        "expenses": expenses,
        "voids": voids,
        "transfers": transfers,
        "donations": donation_list,
        "unattributed_fen": unattributed,
        # What the lots still hold equals what each class of the books holds.
        "ties": unattributed == 0 and all(
            held_totals.get(h, 0) == v for h, v in balances.items()),
    }


# -- charity indicators --------------------------------------------------------------------
def indicators(
    engine: Engine, fund_id: str, year: int, limits: dict[str, str], today: date
) -> dict[str, Any]:
    """Charitable spending of `year` against the income of the basis period, management
    costs against total spending, and a forecast that pays the approved grants' rest."""
    j = fund_journal
    with engine.connect() as conn:
        rows = conn.execute(
            select(j.c.account, j.c.booked_on, func.sum(j.c.debit_fen - j.c.credit_fen))
            .where(j.c.fund_id == fund_id, j.c.booked_on >= date(year - 3, 1, 1),
                   j.c.booked_on <= date(year, 12, 31), j.c.entry_kind != CLOSING_ENTRY)
            .group_by(j.c.account, j.c.booked_on)).all()
        opened_at = conn.execute(select(funds.c.opened_at)
                                 .where(funds.c.fund_id == fund_id)).scalar_one()
        unpaid = conn.execute(
            select(func.coalesce(func.sum(grants.c.amount_fen - grants.c.disbursed_fen), 0))
            .where(grants.c.fund_id == fund_id, grants.c.status == "approved")).scalar_one()
        # Grants approved since they are liabilities are costs already: only older ones'
        # unpaid rest is still to come.
        unpaid = max(int(unpaid) - position(engine, fund_id, date(year, 12, 31))
                     .liability_accounts[GRANTS_PAYABLE], 0)
    income: dict[int, int] = defaultdict(int)
    spent: dict[str, int] = defaultdict(int)
    for account, booked_on, net in rows:
        if account_type(account) == INCOME:
            income[booked_on.year] -= int(net)
        elif booked_on.year == year and _is_cost(account):
            key = ("charitable" if account in PROGRAM_ACCOUNTS
                   else account.split(":", 1)[1] if account.startswith(EXPENSE + ":")
                   else account)
            spent[key] += int(net)

    basis = limits.get("basis", "previous_year")
    opened_year = shanghai_date(opened_at).year
    candidates = [year - 1] if basis == "previous_year" else [year - 3, year - 2, year - 1]
    # A fund younger than the basis period averages the years it was open.
    basis_years = [y for y in candidates if y >= opened_year]
    basis_fen = (int((Decimal(sum(income[y] for y in basis_years)) / len(basis_years))
                     .quantize(Decimal(1), ROUND_HALF_UP)) if basis_years else 0)
    unpaid = int(unpaid) if year >= today.year else 0  # a past year is over: nothing to add

    min_ratio = Decimal(limits.get("min_charitable_ratio", "0.70"))
    max_ratio = Decimal(limits.get("max_management_ratio", "0.10"))
    charitable = spent["charitable"]
    required = int((min_ratio * basis_fen).to_integral_value(ROUND_CEILING))
    total = sum(spent.values())
    management = spent["management"]

    def too_much(part: int, whole: int) -> bool:
        return Decimal(part) > max_ratio * whole

    return {
        "fund_id": fund_id,
        "year": year,
        "limits": {"min_charitable_ratio": str(min_ratio),
                   "max_management_ratio": str(max_ratio), "basis": basis},
        "income_by_year": [{"year": y, "income_fen": income[y]}
                           for y in (year - 3, year - 2, year - 1, year)],
        "unpaid_approved_grants_fen": unpaid,
        "charitable": {
            "spent_fen": charitable,
            "basis": basis,
            "basis_years": basis_years,
            "basis_fen": basis_fen,
            "ratio": _ratio(charitable, basis_fen),
            "limit": str(min_ratio),
            "required_fen": required,
            "warning": charitable < required,
            "forecast_fen": charitable + unpaid,
            "forecast_ratio": _ratio(charitable + unpaid, basis_fen),
            "forecast_warning": charitable + unpaid < required,
        },
        "management": {
            "management_fen": management,
            "total_spending_fen": total,
            "ratio": _ratio(management, total),
            "limit": str(max_ratio),
            "warning": too_much(management, total),
            "forecast_total_spending_fen": total + unpaid,
            "forecast_ratio": _ratio(management, total + unpaid),
            "forecast_warning": too_much(management, total + unpaid),
        },
    }


# -- the journal, for export ---------------------------------------------------------------
def journal_rows(
    engine: Engine, fund_id: str, start: date | None = None, end: date | None = None
) -> list[dict[str, Any]]:
    """Every line, in the order recorded, with the names an accountant reads."""
    j = fund_journal
    query = (
        select(j, donations.c.receipt_no, fund_vouchers.c.voucher_no)
        .outerjoin(donations, and_(donations.c.donation_id == j.c.ref,
                                   j.c.entry_kind.in_((*DONATION_KINDS, VOID_KIND))))
        .outerjoin(fund_vouchers, and_(fund_vouchers.c.fund_id == j.c.fund_id,
                                       fund_vouchers.c.version == j.c.version))
        .where(j.c.fund_id == fund_id)
        .order_by(j.c.booked_at, j.c.version, j.c.line_no)
    )
    if start is not None:
        query = query.where(j.c.booked_on >= start)
    if end is not None:
        query = query.where(j.c.booked_on <= end)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        {
            "booked_on": r.booked_on,
            "booked_at": r.booked_at,
            "voucher_no": r.voucher_no,  # 记账凭证: consecutive per legal entity and month
            "entry_no": r.version,
            "line_no": r.line_no,
            "entry_kind": r.entry_kind,
            "entry_kind_zh": ENTRY_KIND_ZH.get(r.entry_kind, r.entry_kind),
            "ref": r.ref,
            "receipt_no": r.receipt_no,
            "account": r.account,
            "account_zh": account_zh(r.account),
            "fund_class": r.fund_class,
            "fund_class_zh": fund_class_zh(r.fund_class),
            "debit_fen": r.debit_fen,
            "credit_fen": r.credit_fen,
            "debit_yuan": yuan(r.debit_fen),
            "credit_yuan": yuan(r.credit_fen),
        }
        for r in rows
    ]
