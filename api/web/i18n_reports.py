"""Words of the district's rollup view and the charts of the fund dashboard."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "chart_income_as_of": ("按来源的收入（{start} 至 {end}，元）",
                           "Income by source, {start} to {end} (yuan)"),
    "chart_flows_as_of": ("每月收支（{start} 至 {end}，元）",
                          "Money in and out by month, {start} to {end} (yuan)"),
    "chart_figures": ("查看数字", "Show the figures"),
    "chart_hours_by_month": ("每月服务时长（按服务日期，{start} 至 {end}，小时）",
                             "Service hours by month served, {start} to {end}"),
    "chart_points_by_month": ("每月获得积分（按服务日期，{start} 至 {end}）",
                              "Points earned by month served, {start} to {end}"),
    "district_basis": ("时长计入", "Count hours on"),
    "basis_service": ("服务日期（服务当天所在月份）", "the day served"),
    "basis_approval": ("审核日期（积分入账当天）", "the day approved"),
    "district_basis_hint": (
        "服务时长和获得积分按服务日期计入所选期间；兑换积分按兑换日期；志愿者人数和积分余额为期末数。",
        "Hours and points earned count in the period by the day of the service; points "
        "redeemed by the day of the redemption; volunteers and balances as at the end.",
    ),
}
