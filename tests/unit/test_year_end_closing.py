"""The year-end closing (结转) of a fund, on the aggregate: the year's income and costs are
carried into net assets by class, the books close to 31 December, a second closing carries
only what a reopening let in — figures worked out by hand beside each assertion."""

from __future__ import annotations

from datetime import UTC, date, datetime
from unittest import mock
from uuid import uuid4

import pytest

from timebank.domain.errors import DomainError
from timebank.domain.funds import Fund

ACTOR = {"kind": "user", "id": "treasurer", "role": "treasurer", "office_id": None,
         "request_id": None}
TODAY = date(2026, 2, 1)


def opened() -> Fund:
    with mock.patch("eventsourcing.domain.datetime_now_with_tzinfo",
                    return_value=datetime(2024, 12, 1, tzinfo=UTC)):
        return Fund.open("基金会", "foundation", None, uuid4(), uuid4(), ACTOR)


def give(fund: Fund, amount: int, purpose: str | None, on: date,
         donor_type: str = "individual") -> None:
    fund.receive_donation(uuid4(), amount, donor_type, None, True, purpose,
                          datetime(2026, 2, 1, 10, tzinfo=UTC), ACTOR, booked_on=on)


def lines(fund: Fund) -> list[tuple[str, str, int, int]]:
    (closing,) = [e for e in fund.collect_events() if type(e).__name__ == "YearClosed"]
    return [(p["account"], p["class"], p["debit_fen"], p["credit_fen"])
            for p in closing.postings]


def test_the_year_is_carried_into_net_assets_by_class() -> None:
    fund = opened()
    give(fund, 10_000, None, date(2025, 3, 1))  # 捐赠收入, unrestricted
    give(fund, 6_000, "助老", date(2025, 4, 1))  # restricted
    give(fund, 3_000, None, date(2025, 5, 1), donor_type="government")  # 政府补助收入
    fund.pay_expense(uuid4(), [("management", 2_500)], None, "房租", TODAY, ACTOR,
                     booked_on=date(2025, 6, 1))
    give(fund, 700, None, date(2026, 1, 10))  # next year's: not carried
    fund.collect_events()
    fund.close_year(2025, TODAY, "", ACTOR)
    assert sorted(lines(fund)) == sorted([
        ("donation_income:individual", "unrestricted", 10_000, 0),
        ("net_assets", "unrestricted", 0, 10_000),
        ("donation_income:individual", "restricted:助老", 6_000, 0),
        ("net_assets", "restricted:助老", 0, 6_000),
        ("government_grant_income", "unrestricted", 3_000, 0),
        ("net_assets", "unrestricted", 0, 3_000),
        ("net_assets", "unrestricted", 2_500, 0),
        ("expense:management", "unrestricted", 0, 2_500),
    ])
    assert fund.closed_until == "2025-12-31" and fund.closed_years == [2025]
    assert "2025" not in fund.period_totals  # nothing of 2025 left to carry
    assert fund.period_totals["2026"] == {"donation_income:individual|unrestricted": -700}
    with pytest.raises(DomainError) as again:
        fund.close_year(2025, TODAY, "", ACTOR)
    assert again.value.code == "invalid_state"
    with pytest.raises(DomainError) as early:
        fund.close_year(2026, TODAY, "", ACTOR)
    assert early.value.code == "invalid_input"  # the year has not ended


def test_a_reopened_year_closes_again_carrying_only_what_was_added() -> None:
    fund = opened()
    give(fund, 10_000, None, date(2025, 3, 1))
    fund.close_year(2025, TODAY, "", ACTOR)
    fund.collect_events()
    with pytest.raises(DomainError) as closed:
        give(fund, 400, None, date(2025, 11, 30))
    assert closed.value.code == "period_closed"
    fund.reopen_period(date(2025, 11, 1), "漏记一笔捐赠", ACTOR)
    assert fund.closed_years == []
    give(fund, 400, None, date(2025, 11, 30))
    fund.collect_events()
    fund.close_year(2025, TODAY, "补记后再结转", ACTOR)
    assert lines(fund) == [("donation_income:individual", "unrestricted", 400, 0),
                           ("net_assets", "unrestricted", 0, 400)]


def test_later_periods_closed_first_do_not_block_the_closing() -> None:
    fund = opened()
    give(fund, 5_000, None, date(2025, 8, 1))
    fund.close_period(date(2026, 1, 15), TODAY, "一月结账", ACTOR)
    fund.collect_events()
    fund.close_year(2025, TODAY, "", ACTOR)
    assert lines(fund) == [("donation_income:individual", "unrestricted", 5_000, 0),
                           ("net_assets", "unrestricted", 0, 5_000)]
    assert fund.closed_until == "2026-01-15"  # not moved back
