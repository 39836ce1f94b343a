"""The fund dashboard's charts follow the as-of date asked for (its year, up to that day)
and show yuan with fen, with every figure readable in a table beside the bars."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from tests.api.test_dashboards import staff_session
from tests.api.test_funds import FundWorld
from timebank.domain.values import SHANGHAI


def chart(html: str, element_id: str) -> str:
    match = re.search(rf'<div id="{element_id}">(.*?)</figure>', html, re.S)
    assert match, element_id
    return match.group(1)


def test_charts_follow_the_as_of_date_and_keep_the_fen(client: TestClient) -> None:
    world = FundWorld(client)
    assert world.donate(123_456, donor_type="bazaar").status_code == 201  # ¥1,234.56
    assert world.donate(1_001, donor_type="resident").status_code == 201  # ¥10.01
    world.d.user("chart-treasurer", "treasurer", world.d.branch_id, password="chart-pass-1")
    path = f"/staff/funds/{world.fund_id}"
    staff_session(client, "chart-treasurer", "chart-pass-1", path)
    today = datetime.now(SHANGHAI).date()

    page = client.get(path, params={"as_of": today.isoformat()})
    income = chart(page.text, "income-chart")
    assert f"{today.year}-01-01 至 {today.isoformat()}" in income
    assert "公益集市" in income and "居民" in income and "bazaar" not in income
    assert ">1,234.56<" in income and ">10.01<" in income  # yuan with fen, not 1,234 and 10
    flows = chart(page.text, "flow-chart")
    assert '<td class="amount">1,244.57</td>' in flows  # this month's cash in, exactly

    yesterday = today - timedelta(days=1)
    before = client.get(path, params={"as_of": yesterday.isoformat()})
    assert "1,234.56" not in chart(before.text, "income-chart")
    assert "1,244.57" not in chart(before.text, "flow-chart")
    last_year = client.get(path, params={"as_of": f"{today.year - 1}-12-31"})
    assert f"{today.year - 1}-01-01 至 {today.year - 1}-12-31" in chart(last_year.text,
                                                                      "flow-chart")
