"""The charity-law indicator table (2016 rule, Art. 7–11; rules.md): which row applies to an
organisation by type, public-fundraising status and size, and what it asks of a year —
every figure computed by hand beside the assertion."""

from __future__ import annotations

from datetime import date

import pytest

from timebank.domain.errors import DomainError
from timebank.domain.indicators import (
    FOUNDATION_ORG,
    SOCIAL_SERVICE_ORG,
    SOCIETY_ORG,
    THREE_YEAR_AVERAGE,
    Profile,
    check_profile,
    measure,
    rule_row,
)

WAN = 10_000_00  # ¥10,000 in fen
NONE = Profile(FOUNDATION_ORG)


def run(profile: Profile, year: int = 2027, income: dict[int, int] | None = None,
        net_assets: dict[int, int] | None = None, charitable: int = 0, management: int = 0,
        total: int = 0, committed: int = 0) -> dict:
    return measure(profile, year, [year - 3, year - 2, year - 1], income or {},
                   net_assets or {}, charitable, management, total, committed)


@pytest.mark.parametrize(("organisation", "net_assets_fen", "row", "charitable", "cap"), [
    # Bands are "高于 X 万元（含本数）": the lower bound belongs to the higher band.
    (FOUNDATION_ORG, 6000 * WAN, "foundation_60m_plus", "0.06", "0.12"),
    (FOUNDATION_ORG, 6000 * WAN - 1, "foundation_8m_60m", "0.06", "0.13"),
    (FOUNDATION_ORG, 800 * WAN, "foundation_8m_60m", "0.06", "0.13"),
    (FOUNDATION_ORG, 800 * WAN - 1, "foundation_4m_8m", "0.07", "0.15"),
    (FOUNDATION_ORG, 400 * WAN, "foundation_4m_8m", "0.07", "0.15"),
    (FOUNDATION_ORG, 400 * WAN - 1, "foundation_under_4m", "0.08", "0.20"),
    (FOUNDATION_ORG, -5, "foundation_under_4m", "0.08", "0.20"),
    (SOCIETY_ORG, 1000 * WAN, "society_10m_plus", "0.06", "0.13"),
    (SOCIAL_SERVICE_ORG, 1000 * WAN - 1, "society_5m_10m", "0.07", "0.14"),
    (SOCIETY_ORG, 500 * WAN - 1, "society_1m_5m", "0.08", "0.15"),
    (SOCIAL_SERVICE_ORG, 100 * WAN - 1, "society_under_1m", "0.08", "0.20"),
])
def test_rows_without_public_fundraising_status_band_by_prior_year_end_net_assets(
    organisation: str, net_assets_fen: int, row: str, charitable: str, cap: str
) -> None:
    chosen = rule_row(Profile(organisation), 2027, net_assets_fen)
    assert (chosen.key, str(chosen.charitable_ratio), str(chosen.management_ratio)) == (
        row, charitable, cap)


def test_the_issue_foundation_must_spend_8_percent_of_its_net_assets_not_70_of_gifts() -> None:
    # A community foundation without the status, ¥2,136,500.00 of net assets at the end of
    # 2026: 8% of it is ¥170,920.00 (2,136,500 × 0.08 = 170,920).
    result = run(NONE, net_assets={2026: 213_650_000}, income={2026: 1_645_714},
                 charitable=10_000_000)
    assert result["rule"]["row"] == "foundation_under_4m"
    assert result["rule"]["article"] == "第八条第（四）项"
    assert result["rule"]["charitable_base"] == "prior_year_end_net_assets"
    assert result["charitable"]["required_fen"] == 17_092_000
    assert result["charitable"]["gap_fen"] == 17_092_000 - 10_000_000
    assert result["charitable"]["met"] is False
    assert "上年末净资产 ¥2,136,500.00" in result["rule"]["why_zh"]


def test_a_status_held_on_the_first_day_of_the_year_selects_the_70_percent_rows() -> None:
    since_mid_2026 = Profile(FOUNDATION_ORG, date(2026, 6, 1))
    # 2026: obtained during the year — the year's floor was fixed without it.
    assert rule_row(since_mid_2026, 2026, 0).key == "foundation_under_4m"
    # 2027: held on 1 January. 70% of the prior year's income 1,234,567 fen = 864,196.9 → at
    # least 864,197 fen (rounded up: "not less than").
    result = run(since_mid_2026, income={2026: 1_234_567}, net_assets={2026: 999 * WAN})
    assert result["rule"]["row"] == "foundation_public"
    assert result["charitable"]["base_fen"] == 1_234_567
    assert result["charitable"]["required_fen"] == 864_197
    assert result["rule"]["management_max_ratio"] == "0.10"
    society = rule_row(Profile(SOCIETY_ORG, date(2026, 1, 1)), 2026, 0)
    assert (society.key, str(society.management_ratio)) == ("society_public", "0.13")


def test_a_small_society_spends_8_percent_of_net_assets_and_half_its_income() -> None:
    # ¥500,000 net assets, ¥300,000 income: 8% × 500,000 = 40,000 < 50% × 300,000 = 150,000.
    result = run(Profile(SOCIETY_ORG), net_assets={2026: 50 * WAN}, income={2026: 30 * WAN})
    assert result["rule"]["row"] == "society_under_1m"
    assert result["rule"]["min_income_ratio"] == "0.50"
    assert result["charitable"]["required_fen"] == 15 * WAN
    # With more net assets than income the 8% decides: 8% × 900,000 = 72,000 > 50% × 100,000.
    result = run(Profile(SOCIETY_ORG), net_assets={2026: 90 * WAN}, income={2026: 10 * WAN})
    assert result["charitable"]["required_fen"] == 72_000_00


def test_a_management_cost_under_200000_yuan_is_exempt_from_the_ratio() -> None:
    # ¥199,999.99 of ¥400,000 spent is 50%, above the 20% cap — exempt (Art. 11).
    result = run(NONE, management=19_999_999, total=40 * WAN)
    assert result["management"]["ratio"] == "0.5000"
    assert result["management"]["exempt"] is True
    assert result["management"]["within_limit"] is True
    # ¥200,000.00 is not below the threshold: 200,000 / 900,000 = 22.2% > 20%.
    result = run(NONE, management=20 * WAN, total=90 * WAN)
    assert (result["management"]["exempt"], result["management"]["within_limit"]) == (
        False, False)
    # ... and 200,000 / 1,000,000 = 20%: at the cap, within it.
    assert run(NONE, management=20 * WAN, total=100 * WAN)["management"]["within_limit"]


def test_the_three_year_average_replaces_the_base_not_the_band() -> None:
    profile = Profile(FOUNDATION_ORG, None, THREE_YEAR_AVERAGE)
    # Net assets at the ends of 2024..2026: 3,000,000 / 5,000,000 / 3,500,000 yuan.
    # The band is 2026's (¥3.5m: under ¥4m, 8%); the base their average, ¥3,833,333.33.
    result = run(profile, net_assets={2024: 300 * WAN, 2025: 500 * WAN, 2026: 350 * WAN})
    assert result["rule"]["row"] == "foundation_under_4m"
    assert result["rule"]["basis_years"] == [2024, 2025, 2026]
    assert result["charitable"]["base_fen"] == 383_333_333
    # 8% × 383,333,333 = 30,666,666.64 → 30,666,667 fen.
    assert result["charitable"]["required_fen"] == 30_666_667
    # A younger entity averages the years it existed.
    younger = measure(profile, 2027, [2026], {}, {2026: 350 * WAN}, 0, 0, 0, 0)
    assert younger["charitable"]["base_fen"] == 350 * WAN


def test_the_forecast_adds_what_is_committed() -> None:
    result = run(NONE, net_assets={2026: 100 * WAN}, charitable=5 * WAN, total=6 * WAN,
                 management=1 * WAN, committed=4 * WAN)
    # 8% × 1,000,000 = 80,000 required; 50,000 spent, 40,000 more committed.
    assert result["charitable"]["gap_fen"] == 3 * WAN
    assert (result["charitable"]["forecast_fen"], result["charitable"]["forecast_gap_fen"],
            result["charitable"]["forecast_met"]) == (9 * WAN, 0, True)
    assert result["management"]["forecast_total_spending_fen"] == 10 * WAN


def test_a_profile_is_checked() -> None:
    with pytest.raises(DomainError) as refused:
        check_profile("company", None, "previous_year")
    assert refused.value.context["field"] == "organisation_type"
    with pytest.raises(DomainError):
        check_profile(FOUNDATION_ORG, "2026-01-01", "previous_year")
    with pytest.raises(DomainError):
        check_profile(FOUNDATION_ORG, None, "five_years")
