"""A volunteer's /me through HTTP, on both stores: their service records in each state, and
their own service certificate issued for a period and downloaded as a PDF."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pypdf
from fastapi.testclient import TestClient

from tests.api._pages import csrf_of, volunteer_login
from tests.helpers import HttpDistrict, next_phone
from timebank.domain.actors import SYSTEM
from timebank.domain.values import SHANGHAI

API = "/api/v1"


def services_list(html: str) -> list[str]:
    """Each service record on the page as one line of text."""
    section = re.search(r'<ul class="records">(.*?)</ul>', html, re.S)
    assert section, "no service list on the page"
    items = re.findall(r"<li[^>]*>(.*?)</li>", section.group(1), re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]


def certificate_events(client: TestClient, d: HttpDistrict) -> int:
    trail = client.get(f"{API}/audit/events", params={"limit": 1000}, headers=d.admin)
    assert trail.status_code == 200
    return sum(event["type"].startswith("Certificate.") for event in trail.json())


def test_my_services_show_each_state_with_hours_and_points(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    phone = next_phone()
    me = d.volunteer(phone=phone)
    stranger = d.volunteer()
    d.earn(me["id"], 90)  # approved: 1.5 h, 15 points
    pending = d.service_record(me["id"], 60)
    rejected = d.service_record(me["id"], 30)
    assert client.post(f"{API}/service-records/{rejected}/reject", json={"reason": "时间不符"},
                       headers=d.admin).status_code == 200
    now = datetime.now(UTC)
    current = client.post(f"{API}/activities", json={
        "office_id": d.office_id, "title": "社区读书会", "category": "education",
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(hours=1)).isoformat(), "location": "图书角"},
        headers=d.admin).json()["id"]
    token = client.app.state.runtime.app.scan_token(SYSTEM, current, "check_in")
    scanned = client.post(f"{API}/scans", json={"token": token},
                          headers=d.volunteer_headers(phone))
    assert scanned.status_code == 200, scanned.text
    d.service_record(stranger["id"], 45)
    assert pending

    volunteer_login(client, phone)
    page = client.get("/me")
    assert page.status_code == 200 and "我的服务记录" in page.text
    lines = services_list(page.text)
    assert len(lines) == 4  # mine only, not the stranger's
    assert any("社区读书会" in line and "已签到，服务中" in line and "图书角" in line
               for line in lines)
    assert sum("已审核，积分已入账" in line and "1.50 小时 · 15 积分" in line
               for line in lines) == 1
    assert sum("已签退，待审核" in line and "1.00 小时" in line for line in lines) == 1
    assert sum("未通过" in line and "时间不符" in line for line in lines) == 1
    english = services_list(client.get("/me", params={"lang": "en"}).text)
    assert sum("Approved, points credited" in line and "1.50 h · 15 points" in line
               for line in english) == 1
    assert sum("Checked out, awaiting approval" in line for line in english) == 1


def test_i_issue_and_download_my_own_certificate(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    phone = next_phone()
    me = d.volunteer(phone=phone, name="欧阳娜娜")
    d.earn(me["id"], 150)
    d.earn(me["id"], 45)
    d.service_record(me["id"], 60)  # pending: not certified
    volunteer_login(client, phone)
    page = client.get("/me")
    today = datetime.now(SHANGHAI).date()
    assert f'value="{today.year}-01-01"' in page.text and f'value="{today}"' in page.text
    issued = client.post("/me/certificates", data={
        "from": "2026-01-01", "to": today.isoformat(), "csrf": csrf_of(page.text)},
        follow_redirects=False)
    assert issued.status_code == 303
    serial = parse_qs(urlsplit(issued.headers["location"]).query)["cert"][0]
    shown = client.get(issued.headers["location"])
    assert f"证明已开具：{serial}" in shown.text and "2 次服务 · 3.25 小时" in shown.text
    assert f'href="/me/certificates/{serial}.pdf"' in shown.text

    pdf = client.get(f"/me/certificates/{serial}.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert serial in text and "欧阳娜娜" in text  # the holder's own document: full name
    assert certificate_events(client, d) == 1

    other_phone = next_phone()
    d.volunteer(phone=other_phone)
    volunteer_login(client, other_phone)
    assert client.get(f"/me/certificates/{serial}.pdf").status_code == 403
    mine = client.get("/me", params={"cert": serial})
    assert "证明已开具" not in mine.text  # someone else's certificate is not offered
    assert f"/me/certificates/{serial}.pdf" not in mine.text


def test_certificate_refusals_issue_nothing(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    phone = next_phone()
    me = d.volunteer(phone=phone)
    d.earn(me["id"], 60)  # served on 2026-11-01
    volunteer_login(client, phone)
    page = client.get("/me").text
    empty = client.post("/me/certificates", data={
        "from": "2026-01-01", "to": "2026-03-31", "csrf": csrf_of(page)})
    assert "该期间没有已审核的服务记录，无法开具证明。" in empty.text
    backwards = client.post("/me/certificates?lang=en", data={
        "from": "2026-12-01", "to": "2026-11-01", "csrf": csrf_of(page)})
    assert "The end must be after the start. (To)" in backwards.text
    undated = client.post("/me/certificates?lang=zh", data={
        "from": "去年", "to": "2026-11-01", "csrf": csrf_of(page)})
    assert "请求内容无效。（开始日期）" in undated.text
    forged = client.post("/me/certificates", data={
        "from": "2026-01-01", "to": "2026-12-31", "csrf": "z" * 43}, follow_redirects=False)
    assert "cert_error" in forged.headers["location"]
    assert certificate_events(client, d) == 0
    client.cookies.clear()
    assert client.get("/me/certificates/ZYFW-2026-XXXXXXXXXX.pdf",
                      follow_redirects=False).status_code == 303  # to the login
