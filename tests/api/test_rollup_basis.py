"""Rollups count hours in the period the service was done (`basis=service`, the default):
a service of last month approved today counts last month; `basis=approval` keeps the old
reading (the day the points were approved into the passbook). Corrections follow their
service's day. The district page shows the period's months from the same figures. Both
stores."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from fastapi.testclient import TestClient

from tests.api._pages import staff_login
from tests.helpers import HttpDistrict
from timebank.domain.values import SHANGHAI

API = "/api/v1"


def month_of(day: date) -> tuple[str, str]:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first.isoformat(), (following - timedelta(days=1)).isoformat()


def figures(client: TestClient, d: HttpDistrict, period: tuple[str, str],
            basis: str | None = None) -> tuple[str, int, int]:
    params = {"from": period[0], "to": period[1], **({"basis": basis} if basis else {})}
    response = client.get(f"{API}/offices/{d.bank_id}/rollup", params=params, headers=d.admin)
    assert response.status_code == 200, response.text
    totals = response.json()["totals"]
    return totals["approved_hours"], totals["points_earned"], totals["points_balance"]


def test_hours_count_in_the_month_they_were_served(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    rules = client.put(f"{API}/offices/{d.bank_id}/point-rules", json={
        "points_per_hour": 10, "category_multipliers": {"elderly_care": "1.5"}},
        headers=d.admin)
    assert rules.status_code == 200
    today = datetime.now(SHANGHAI).date()
    served_on = today - timedelta(days=40)  # another month than today's, for certain
    start = datetime.combine(served_on, time(9), SHANGHAI)
    activity = client.post(f"{API}/activities", json={
        "office_id": d.office_id, "title": "为独居老人送餐", "category": "elderly_care",
        "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=3)).isoformat(),
        "location": "食堂"}, headers=d.admin).json()["id"]
    volunteer = d.volunteer()
    record = client.post(f"{API}/service-records", json={
        "volunteer_id": volunteer["id"], "activity_id": activity,
        "started_at": start.isoformat(), "ended_at": (start + timedelta(minutes=90)).isoformat(),
        "note": "补录"}, headers=d.admin).json()["id"]
    assert client.post(f"{API}/service-records/{record}/approve",
                       headers=d.admin).status_code == 200  # approved today

    served_month, this_month = month_of(served_on), (today.replace(day=1).isoformat(),
                                                       today.isoformat())
    # 90 min × 10 points an hour × 1.5 ÷ 60 = 22.5 → 23 points (half up), 1.50 hours.
    assert figures(client, d, served_month) == ("1.50", 23, 0)  # balance: as at month end
    assert figures(client, d, served_month, "approval") == ("0.00", 0, 0)
    assert figures(client, d, this_month) == ("0.00", 0, 23)
    assert figures(client, d, this_month, "approval") == ("1.50", 23, 23)
    everything = (served_month[0], today.isoformat())
    assert figures(client, d, everything) == figures(client, d, everything, "approval")

    # A correction today moves the service's own month: 2 h × 10 × 1.5 = 30 points.
    corrected = client.post(f"{API}/service-records/{record}/correct",
                            json={"hours": "2.00", "reason": "签退时间有误"}, headers=d.admin)
    assert corrected.status_code == 200, corrected.text
    assert figures(client, d, served_month) == ("2.00", 30, 0)
    assert figures(client, d, this_month, "approval") == ("2.00", 30, 30)
    refused = client.get(f"{API}/offices/{d.bank_id}/rollup", params={"basis": "whenever"},
                         headers=d.admin)
    assert refused.status_code == 422

    # The district page reads the same figures, and its chart shows the period's months.
    d.user("basis-bank", "bank_admin", d.bank_id, password="basis-password-1")
    staff_login(client, "basis-bank", "basis-password-1")
    page = client.get(f"/staff/offices/{d.bank_id}", params={
        "from": served_month[0], "to": today.isoformat()})
    assert page.status_code == 200
    row = re.search(r'<tr class="depth-0">(.*?)</tr>', page.text, re.S).group(1)
    assert 'data-label="服务时长">2.00<' in row and 'data-label="获得积分">30<' in row
    months = {served_on.month, today.month}
    for month in months:
        assert f"<th>{month}月</th>" in page.text or f"-{month:02d}</th>" in page.text
    assert '<td class="amount">2.00</td>' in page.text  # the served month's hours, exactly
    approval = client.get(f"/staff/offices/{d.bank_id}", params={
        "from": served_month[0], "to": served_month[1], "basis": "approval"})
    row = re.search(r'<tr class="depth-0">(.*?)</tr>', approval.text, re.S).group(1)
    assert 'data-label="服务时长">0.00<' in row
