"""The charity-law spending indicators: which rule row applies to an organisation, and what
it asks of a year.

Source: 《关于慈善组织开展慈善活动年度支出和管理费用的规定》(民政部 财政部 税务总局, 2016),
Art. 7–11, as summarised in ../shared/docs/rules.md. Pure rules: the figures (prior year's
income, prior year-end net assets, this year's costs) are handed in by the read side.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

from timebank.domain.errors import DomainError

FOUNDATION_ORG, SOCIETY_ORG, SOCIAL_SERVICE_ORG = "foundation", "society", "social_service"
ORGANISATION_TYPES = (FOUNDATION_ORG, SOCIETY_ORG, SOCIAL_SERVICE_ORG)
ORGANISATION_TYPE_ZH = {FOUNDATION_ORG: "基金会", SOCIETY_ORG: "社会团体",
                        SOCIAL_SERVICE_ORG: "社会服务机构"}
ORGANISATION_TYPE_EN = {FOUNDATION_ORG: "foundation", SOCIETY_ORG: "society",
                        SOCIAL_SERVICE_ORG: "social-service body"}
PREVIOUS_YEAR, THREE_YEAR_AVERAGE = "previous_year", "three_year_average"
BASES = (PREVIOUS_YEAR, THREE_YEAR_AVERAGE)
# Art. 11: an organisation whose annual management cost is below ¥200,000 is exempt from the
# management-cost ratio.
MANAGEMENT_EXEMPTION_FEN = 200_000_00
INCOME_BASE, NET_ASSETS_BASE = "prior_year_income", "prior_year_end_net_assets"
YUAN_10K = 10_000_00  # 万元 in fen


@dataclass(frozen=True)
class RuleRow:
    key: str
    article: str  # where the row is written
    label_zh: str
    label_en: str
    charitable_ratio: Decimal  # of the base
    base: str  # INCOME_BASE or NET_ASSETS_BASE
    management_ratio: Decimal  # of the year's total spending, at most
    income_ratio: Decimal | None = None  # and at least this share of the prior year's income
    floor_fen: int = 0  # the band: prior year-end net assets from (inclusive)


def _row(key: str, article: str, zh: str, en: str, charitable: str, base: str,
         management: str, floor_wan: int = 0, income: str | None = None) -> RuleRow:
    return RuleRow(key, article, zh, en, Decimal(charitable), base, Decimal(management),
                   Decimal(income) if income else None, floor_wan * YUAN_10K)


# Bands are "高于 X 万元（含本数）": the lower bound belongs to the band. Highest band first.
PUBLIC_FOUNDATION = _row(
    "foundation_public", "第七条第一款", "具有公开募捐资格的基金会",
    "Foundation with public-fundraising status", "0.70", INCOME_BASE, "0.10")
PUBLIC_OTHER = _row(
    "society_public", "第七条第二款", "具有公开募捐资格的社会团体和社会服务机构",
    "Society or social-service body with public-fundraising status", "0.70", INCOME_BASE,
    "0.13")
NO_FOUNDATION_ZH = "不具有公开募捐资格的基金会，上年末净资产"
NO_OTHER_ZH = "不具有公开募捐资格的社会团体和社会服务机构，上年末净资产"
NO_FOUNDATION_EN = "Foundation without public-fundraising status, net assets "
NO_OTHER_EN = "Society or social-service body without public-fundraising status, net assets "
FOUNDATION_BANDS = (
    _row("foundation_60m_plus", "第八条第（一）项", NO_FOUNDATION_ZH + "6000万元以上",
         NO_FOUNDATION_EN + "¥60m or more", "0.06", NET_ASSETS_BASE, "0.12", 6000),
    _row("foundation_8m_60m", "第八条第（二）项", NO_FOUNDATION_ZH + "800万元至6000万元",
         NO_FOUNDATION_EN + "¥8m to ¥60m", "0.06", NET_ASSETS_BASE, "0.13", 800),
    _row("foundation_4m_8m", "第八条第（三）项", NO_FOUNDATION_ZH + "400万元至800万元",
         NO_FOUNDATION_EN + "¥4m to ¥8m", "0.07", NET_ASSETS_BASE, "0.15", 400),
    _row("foundation_under_4m", "第八条第（四）项", NO_FOUNDATION_ZH + "低于400万元",
         NO_FOUNDATION_EN + "under ¥4m", "0.08", NET_ASSETS_BASE, "0.20", 0),
)
OTHER_BANDS = (
    _row("society_10m_plus", "第九条第（一）项", NO_OTHER_ZH + "1000万元以上",
         NO_OTHER_EN + "¥10m or more", "0.06", NET_ASSETS_BASE, "0.13", 1000),
    _row("society_5m_10m", "第九条第（二）项", NO_OTHER_ZH + "500万元至1000万元",
         NO_OTHER_EN + "¥5m to ¥10m", "0.07", NET_ASSETS_BASE, "0.14", 500),
    _row("society_1m_5m", "第九条第（三）项", NO_OTHER_ZH + "100万元至500万元",
         NO_OTHER_EN + "¥1m to ¥5m", "0.08", NET_ASSETS_BASE, "0.15", 100),
    _row("society_under_1m", "第九条第（四）项", NO_OTHER_ZH + "低于100万元",
         NO_OTHER_EN + "under ¥1m", "0.08", NET_ASSETS_BASE, "0.20", 0, income="0.50"),
)
RULE_ROWS = (PUBLIC_FOUNDATION, PUBLIC_OTHER, *FOUNDATION_BANDS, *OTHER_BANDS)
RULE_SOURCE = "《关于慈善组织开展慈善活动年度支出和管理费用的规定》（2016）"


def yuan_text(fen: int) -> str:
    return f"¥{fen // 100:,}.{fen % 100:02d}" if fen >= 0 else "-" + yuan_text(-fen)


@dataclass(frozen=True)
class Profile:
    """What the rule needs to know of the legal person."""

    organisation_type: str = FOUNDATION_ORG
    public_fundraising_since: date | None = None
    basis: str = PREVIOUS_YEAR

    def has_status_in(self, year: int) -> bool:
        """The status counts for a year when it was held on the year's first day: the year's
        floor is fixed from the previous year's figures when the year begins, so a status
        obtained during a year applies from the next one."""
        since = self.public_fundraising_since
        return since is not None and since <= date(year, 1, 1)


def check_profile(organisation_type: Any, public_fundraising_since: Any, basis: Any) -> Profile:
    if organisation_type not in ORGANISATION_TYPES:
        raise DomainError("invalid_input",
                          f"organisation_type: one of {', '.join(ORGANISATION_TYPES)}.",
                          field="organisation_type")
    if public_fundraising_since is not None and not isinstance(public_fundraising_since, date):
        raise DomainError("invalid_input", "public_fundraising_since: a date or null.",
                          field="public_fundraising_since")
    if basis not in BASES:
        raise DomainError("invalid_input", f"indicator_basis: one of {', '.join(BASES)}.",
                          field="indicator_basis")
    return Profile(organisation_type, public_fundraising_since, basis)


def rule_row(profile: Profile, year: int, prior_year_end_net_assets_fen: int) -> RuleRow:
    """The row of the table that applies to `year`, banded by the prior year-end net assets
    (Art. 8 and 9 band by 上年末净资产 itself; the three-year average of Art. 10 replaces the
    figure the ratio is applied to, not the band)."""
    foundation = profile.organisation_type == FOUNDATION_ORG
    if profile.has_status_in(year):
        return PUBLIC_FOUNDATION if foundation else PUBLIC_OTHER
    bands = FOUNDATION_BANDS if foundation else OTHER_BANDS
    for row in bands:
        if prior_year_end_net_assets_fen >= row.floor_fen:
            return row
    return bands[-1]  # net assets below zero: the lowest band


def _average(values: list[int]) -> int:
    if not values:
        return 0
    return int((Decimal(sum(values)) / len(values)).quantize(Decimal(1), ROUND_HALF_UP))


def _at_least(ratio: Decimal, base: int) -> int:
    return int((ratio * max(base, 0)).to_integral_value(ROUND_CEILING))


def _ratio(part: int, whole: int) -> str | None:
    if whole <= 0:
        return None
    return str((Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), ROUND_HALF_UP))


def measure(
    profile: Profile,
    year: int,
    basis_years: list[int],
    income_by_year: dict[int, int],
    net_assets_by_year_end: dict[int, int],
    charitable_fen: int,
    management_fen: int,
    total_spending_fen: int,
    committed_fen: int,
) -> dict[str, Any]:
    """The year's floor and cap, what was spent, the gap and the forecast with what is
    committed; the row applied and why, in both languages."""
    prior = year - 1
    prior_net_assets = net_assets_by_year_end.get(prior, 0)
    row = rule_row(profile, year, prior_net_assets)
    years = basis_years if profile.basis == THREE_YEAR_AVERAGE else [
        y for y in basis_years if y == prior]
    income_base = _average([income_by_year.get(y, 0) for y in years])
    assets_base = _average([net_assets_by_year_end.get(y, 0) for y in years])
    base = income_base if row.base == INCOME_BASE else assets_base
    required = _at_least(row.charitable_ratio, base)
    income_required = _at_least(row.income_ratio, income_base) if row.income_ratio else 0
    required = max(required, income_required)

    kind_zh = ORGANISATION_TYPE_ZH[profile.organisation_type]
    kind_en = ORGANISATION_TYPE_EN[profile.organisation_type]
    if profile.has_status_in(year):
        why_zh = (f"{kind_zh}，自 {profile.public_fundraising_since} 具有公开募捐资格"
                  f"（{year} 年 1 月 1 日已具有）")
        why_en = (f"A {kind_en} with public-fundraising status since "
                  f"{profile.public_fundraising_since} (held on 1 January {year})")
    else:
        later = (f"（{profile.public_fundraising_since} 取得，自下一年度适用）"
                 if profile.public_fundraising_since else "")
        later_en = (f" (obtained {profile.public_fundraising_since}, applies from the next "
                    "year)" if profile.public_fundraising_since else "")
        why_zh = (f"{kind_zh}，{year} 年 1 月 1 日不具有公开募捐资格{later}；"
                  f"上年末净资产 {yuan_text(prior_net_assets)}")
        why_en = (f"A {kind_en} without public-fundraising status on 1 January {year}"
                  f"{later_en}; prior year-end net assets {yuan_text(prior_net_assets)}")
    basis_zh = ("前三年平均数" if profile.basis == THREE_YEAR_AVERAGE else "上年数")
    exempt = management_fen < MANAGEMENT_EXEMPTION_FEN

    def within(total: int) -> bool:
        return exempt or Decimal(management_fen) <= row.management_ratio * total

    forecast = charitable_fen + committed_fen
    return {
        "year": year,
        "rule": {
            "row": row.key,
            "article": row.article,
            "source": RULE_SOURCE,
            "label_zh": row.label_zh,
            "label_en": row.label_en,
            "why_zh": why_zh,
            "why_en": why_en,
            "charitable_base": row.base,
            "charitable_min_ratio": str(row.charitable_ratio),
            "min_income_ratio": str(row.income_ratio) if row.income_ratio else None,
            "management_max_ratio": str(row.management_ratio),
            "basis": profile.basis,
            "basis_zh": basis_zh,
            "basis_years": years,
        },
        "figures": {
            "prior_year_income_fen": income_by_year.get(prior, 0),
            "prior_year_end_net_assets_fen": prior_net_assets,
            "income_base_fen": income_base,
            "net_assets_base_fen": assets_base,
            "income_by_year": [{"year": y, "income_fen": income_by_year.get(y, 0)}
                               for y in (year - 3, year - 2, year - 1)],
            "net_assets_by_year_end": [
                {"year": y, "net_assets_fen": net_assets_by_year_end.get(y, 0)}
                for y in (year - 3, year - 2, year - 1)],
        },
        "charitable": {
            "base_fen": base,
            "required_fen": required,
            "spent_fen": charitable_fen,
            "gap_fen": max(required - charitable_fen, 0),
            "ratio": _ratio(charitable_fen, base),
            "met": charitable_fen >= required,
            "committed_fen": committed_fen,
            "forecast_fen": forecast,
            "forecast_gap_fen": max(required - forecast, 0),
            "forecast_met": forecast >= required,
        },
        "management": {
            "management_fen": management_fen,
            "total_spending_fen": total_spending_fen,
            "ratio": _ratio(management_fen, total_spending_fen),
            "max_ratio": str(row.management_ratio),
            "exemption_below_fen": MANAGEMENT_EXEMPTION_FEN,
            "exempt": exempt,
            "within_limit": within(total_spending_fen),
            "forecast_total_spending_fen": total_spending_fen + committed_fen,
            "forecast_within_limit": within(total_spending_fen + committed_fen),
        },
    }
