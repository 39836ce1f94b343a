"""The treasurer's dashboard and the district view, through HTTP with a staff session."""

from __future__ import annotations

import csv
import io
import re

from fastapi.testclient import TestClient

from tests.api.test_funds import FundWorld


def staff_session(client: TestClient, username: str, password: str, next_url: str) -> None:
    client.cookies.clear()
    form = client.get("/staff/login", params={"next": next_url})
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    done = client.post("/staff/login", data={"username": username, "password": password,
                                             "csrf": csrf, "next": next_url},
                       follow_redirects=False)
    assert done.status_code == 303, done.text


def test_treasurer_dashboard_shows_the_books_and_exports(client: TestClient) -> None:
    world = FundWorld(client)
    world.donate(120_000, donor_name="爱心企业甲")
    world.donate(30_000, purpose="助老", donor_type="government")
    grant = world.grant(50_000, purpose="助老")
    world.post(f"/grants/{grant}/disbursements", {"amount_fen": 20_000})
    world.d.user("treasurer-page", "treasurer", world.d.branch_id, password="treasurer-pass-1")
    page_path = f"/staff/funds/{world.fund_id}"
    staff_session(client, "treasurer-page", "treasurer-pass-1", page_path)
    page = client.get(page_path)
    assert page.status_code == 200
    assert "¥1,300.00" in page.text  # balance: 1200 + 300 − 200 yuan
    assert "试算平衡" in page.text and "平衡" in page.text
    assert page.text.count("<svg") == 2 and "按来源的收入" in page.text
    assert "爱心企业甲" in page.text and "分期拨付或结项" in page.text
    exported = client.get(f"{page_path}/journal.csv")
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    # The header, two gifts, the grant's approval (a cost and a liability, two classes) and
    # its tranche.
    assert len(rows) == 1 + 2 + 2 + 4 + 2
    workbook = client.get(f"{page_path}/statement.xlsx")
    assert workbook.status_code == 200 and workbook.content[:2] == b"PK"

    staff_session(client, "coord-1", "correct-horse-1", page_path)  # a coordinator: no
    assert client.get(page_path).status_code == 403


def test_district_view_shows_the_tree_and_a_chart(client: TestClient) -> None:
    world = FundWorld(client)
    d = world.d
    for minutes in (60, 120):
        d.earn(d.volunteer()["id"], minutes)
    d.user("bank-viewer", "bank_admin", d.bank_id, password="bank-viewer-pass")
    path = f"/staff/offices/{d.bank_id}"
    staff_session(client, "bank-viewer", "bank-viewer-pass", path)
    page = client.get(path, params={"from": "2026-01-01", "to": "2030-12-31"})
    assert page.status_code == 200
    assert "示范区公益银行" in page.text and "东湖街道分行" in page.text
    assert "樱花社区储蓄所" in page.text and "3.00" in page.text
    assert "<svg" in page.text and "每月服务时长与积分" in page.text


def test_treasurer_dashboard_traces_donations_and_shows_the_entitys_indicators(
    client: TestClient,
) -> None:
    world = FundWorld(client)
    gift = world.donate(100_000, purpose="助老").json()
    world.donate(20_000)  # unrestricted: pays the office costs
    grant = world.grant(40_000, purpose="助老")
    world.post(f"/grants/{grant}/disbursements", {"amount_fen": 25_000})
    spent = world.post(f"/funds/{world.fund_id}/expenses",
                       {"amount_fen": 5_000, "kind": "management", "description": "办公"})
    assert spent.status_code == 201, spent.text
    world.d.user("treasurer-trace", "treasurer", world.d.branch_id, password="treasurer-pass-2")
    page_path = f"/staff/funds/{world.fund_id}"
    staff_session(client, "treasurer-trace", "treasurer-pass-2", page_path)
    page = client.get(page_path)
    assert page.status_code == 200
    donation_row = re.search(r'<table[^>]* id="traced-donations">(.*?)</table>',
                             page.text, re.S).group(1)
    # 250 yuan of the 1000 paid the grant's first tranche; 750 is left.
    assert gift["receipt_no"] in donation_row
    assert "¥250.00" in donation_row and "¥750.00" in donation_row
    assert f"¥250.00 ← {gift['receipt_no']} ¥250.00" in page.text
    # The indicators are the legal entity's, by the 2016 rule's table: a foundation without
    # public-fundraising status and no net assets last year must spend 8% of nothing; its
    # management costs are 50 of 450 spent (the grant is a cost from its approval), 11.11%,
    # and below ¥200,000 they are exempt from the cap.
    assert "不具有公开募捐资格的基金会，上年末净资产低于400万元" in page.text
    management = re.search(r'<tr id="indicator-management">(.*?)</tr>', page.text, re.S).group(1)
    assert "11.11%" in management and "20.00%" in management
    assert 'id="management-exempt"' in page.text and "警示" not in page.text
    english = client.get(page_path, params={"lang": "en"})
    assert "Foundation without public-fundraising status, net assets under ¥4m" in english.text
    assert "Where each donation went" in english.text
