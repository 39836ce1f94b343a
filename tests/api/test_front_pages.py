"""The front door, each role's start page, error pages in the site's layout, the favicon and
the offline API documentation under a strict policy — through HTTP, on both stores."""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi.testclient import TestClient

from tests.api._pages import csrf_of, staff_login, volunteer_login
from tests.helpers import HttpDistrict

PASSWORD = "start-password-1"
LAYOUT = '<a class="brand" href="/"><strong>公益时间银行</strong></a>'


def test_the_front_door_says_what_this_is_and_where_to_go(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    fund = client.post("/api/v1/funds", json={"name": "樱花社区基金", "kind": "foundation",
                                              "host_fund_id": None, "office_id": d.bank_id},
                       headers=d.admin).json()["id"]
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert LAYOUT in page.text and "爱心存折" in page.text
    for link in ('href="/me"', 'href="/staff/login"', f'href="/transparency/funds/{fund}"',
                 'href="/docs"'):
        assert link in page.text, link
    assert "基金会" in page.text and ">foundation<" not in page.text  # the kind's label
    english = client.get("/?lang=en")
    assert "Log in to my passbook" in english.text and "Staff login" in english.text


def test_each_role_lands_on_its_own_start_page(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    client.app.state.runtime.app.ensure_admin("start-admin", PASSWORD)
    expected = {
        "start-admin": ("admin", None, "/staff/admin", "机构与人员"),
        "start-bank": ("bank_admin", d.bank_id, f"/staff/offices/{d.bank_id}", "积分余额"),
        "start-branch": ("branch_admin", d.branch_id, f"/staff/offices/{d.branch_id}",
                         "积分余额"),
        "start-coord": ("coordinator", d.office_id, "/staff/today", "今日工作"),
        "start-treasurer": ("treasurer", d.bank_id, "/staff/funds", "基金"),
        "start-auditor": ("auditor", d.bank_id, "/staff/audit", "账本校验"),
    }
    for username, (role, office_id, start, words) in expected.items():
        if role != "admin":
            d.user(username, role, office_id, password=PASSWORD)
        staff_login(client, username, PASSWORD)  # the form's next is /staff/
        landed = client.get("/staff", follow_redirects=False)
        assert landed.status_code == 303 and landed.headers["location"] == start, username
        page = client.get(start)
        assert page.status_code == 200 and words in page.text, (username, page.text[:300])
        # The menu names the start page once, first.
        assert '<a href="/staff"' in page.text and f'<a href="{start}"' not in page.text
    # Logging in without a next lands on the start page too.
    client.cookies.clear()
    form = client.get("/staff/login")
    done = client.post("/staff/login", data={"username": "start-coord", "password": PASSWORD,
                                              "csrf": csrf_of(form.text)},
                       follow_redirects=False)
    assert done.headers["location"] == "/staff"
    volunteer = d.volunteer()
    volunteer_login(client, client.app.state.runtime.app.personal_data(
        client.app.state.runtime.app.load_volunteer(volunteer["id"])).phone)
    assert client.get("/staff", follow_redirects=False).headers["location"] == "/me"


def test_the_coordinator_s_day_and_the_auditor_s_trail(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    d.user("day-coord", "coordinator", d.office_id, password=PASSWORD)
    volunteer = d.volunteer(name="周晓明")
    d.service_record(volunteer["id"], 90)
    staff_login(client, "day-coord", PASSWORD)
    today = client.get("/staff/today")
    assert "1 条服务记录待审核" in today.text and "周*明" in today.text
    assert "1.50 小时" in today.text  # 90 minutes, and the activity it was for:
    assert re.search(r'<span class="when">[^<·]+ · \d{4}-\d\d-\d\d', today.text)
    assert "助老服务" in today.text and "elderly_care" not in today.text

    d.user("trail-auditor", "auditor", d.bank_id, password=PASSWORD)
    staff_login(client, "trail-auditor", PASSWORD)
    trail = client.get("/staff/audit")
    assert trail.status_code == 200
    assert "服务记录 · 记录" in trail.text or "服务记录" in trail.text
    assert "ServiceRecord." not in trail.text  # events by their labels, not stored names
    checked = client.get("/staff/audit", params={"check": "1"})
    assert "校验通过" in checked.text
    staff_login(client, "day-coord", PASSWORD)
    refused = client.get("/staff/audit")
    assert refused.status_code == 403 and LAYOUT in refused.text and "没有权限" in refused.text


def test_error_pages_keep_the_layout_the_menu_and_a_way_back(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    d.user("err-coord", "coordinator", d.office_id, password=PASSWORD)
    anonymous = client.get("/no-such-page")
    assert anonymous.status_code == 404 and anonymous.headers["content-type"].startswith(
        "text/html")
    assert LAYOUT in anonymous.text and "找不到页面" in anonymous.text
    assert 'href="/staff/login"' in anonymous.text and 'href="/me"' in anonymous.text
    english = client.get("/no-such-page?lang=en")
    assert "Page not found" in english.text and 'lang="en"' in english.text
    # The API keeps the contract's JSON.
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"

    staff_login(client, "err-coord", PASSWORD)
    foreign = client.get("/staff/entries", params={"office_id": d.other_office_id})
    assert foreign.status_code == 403 and LAYOUT in foreign.text
    assert "超出您的角色或所属机构的权限范围" in foreign.text and "联系上级管理员" in foreign.text
    assert 'href="/staff/today"' in foreign.text  # the menu, and the way back to the start
    missing_fund = client.get("/transparency/funds/00000000-0000-0000-0000-000000000000")
    assert missing_fund.status_code == 404 and LAYOUT in missing_fund.text
    bad_query = client.get("/staff/audit", params={"before": "yesterday"})
    assert bad_query.status_code == 422 and LAYOUT in bad_query.text
    forged = client.post("/staff/activities", data={"csrf": "forged"})
    assert forged.status_code == 403 and LAYOUT in forged.text
    wrong_method = client.delete("/staff/today")
    assert wrong_method.status_code == 405 and LAYOUT in wrong_method.text


def test_favicon_and_offline_api_docs_under_a_strict_policy(client: TestClient) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert 'rel="icon" href="/static/favicon.svg"' in client.get("/").text
    assert client.get("/static/favicon.svg").status_code == 200

    for path, asset in (("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")):
        page = client.get(path)
        assert page.status_code == 200, path
        assert f"/static-offline-docs/{asset}" in page.text and "cdn" not in page.text.lower()
        assert client.get(f"/static-offline-docs/{asset}").status_code == 200
        policy = page.headers["content-security-policy"]
        script_src = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
        assert "'unsafe-inline'" not in script_src and "http" not in script_src
        inline = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
        for script in inline:  # each start-up script allowed by its hash, nothing else
            digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in script_src
        assert script_src.count("sha256-") == len(inline)
    # Every other page keeps the strict policy.
    assert "sha256-" not in client.get("/").headers["content-security-policy"]
