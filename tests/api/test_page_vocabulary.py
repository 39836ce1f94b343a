"""Pages show labels, never codes: every page each role opens, in Chinese and English, is
searched for the vocabulary's known codes (timebank/domain/vocabulary.py). A page that
renders `elderly_care`, `approved` or `bazaar` where a label belongs fails here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tests.api._pages import codes_shown, staff_login, visible_text, volunteer_login
from tests.helpers import HttpDistrict
from timebank.domain.actors import SYSTEM

API = "/api/v1"
PASSWORD = "vocab-password-1"


def test_codes_shown_finds_codes_and_not_labels() -> None:
    assert codes_shown("类别：elderly_care", "zh") == ["service_category:elderly_care"]
    assert codes_shown("状态：approved", "zh") == ["grant_status:approved",
                                                   "record_status:approved"]
    assert "donor_type:bazaar" in codes_shown("来源 bazaar", "zh")
    assert codes_shown("助老服务 · 已审核 · 公益集市", "zh") == []
    assert codes_shown("Approved, pending review", "en") == []  # English words, not codes
    assert codes_shown("Category: elderly_care", "en") == ["service_category:elderly_care"]
    assert codes_shown("tree_planting（未列入分类）", "zh") == []  # unlisted, and marked


def _district(client: TestClient) -> dict[str, str]:
    d = HttpDistrict.build(client)
    d.user("vocab-coord", "coordinator", d.office_id, password=PASSWORD)
    d.user("vocab-bank", "bank_admin", d.bank_id, password=PASSWORD)
    d.user("vocab-treasurer", "treasurer", d.bank_id, password=PASSWORD)
    d.user("vocab-auditor", "auditor", d.bank_id, password=PASSWORD)
    client.app.state.runtime.app.ensure_admin("vocab-admin", PASSWORD)
    now = datetime.now(UTC)
    activity = client.post(f"{API}/activities", json={
        "office_id": d.office_id, "title": "社区植树", "category": "environment",
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(hours=2)).isoformat(), "location": "公园"},
        headers=d.admin).json()["id"]
    volunteer = d.volunteer(name="王秀英")
    other = d.volunteer(name="李建国")
    d.earn(volunteer["id"], 120)
    record = client.post(f"{API}/service-records", json={
        "volunteer_id": other["id"], "activity_id": activity,
        "started_at": (now - timedelta(minutes=50)).isoformat(),
        "ended_at": (now - timedelta(minutes=5)).isoformat(), "note": ""}, headers=d.admin)
    assert record.status_code == 201, record.text
    fund = client.post(f"{API}/funds", json={"name": "社区基金会", "kind": "foundation",
                                              "host_fund_id": None, "office_id": d.bank_id},
                       headers=d.admin).json()["id"]
    treasurer = d.user("vocab-treasurer-2", "treasurer", d.bank_id, password=PASSWORD)
    for donor_type in ("bazaar", "resident"):
        given = client.post(f"{API}/funds/{fund}/donations", json={
            "amount_fen": 12_345, "donor_name": "义卖摊", "donor_type": donor_type,
            "anonymous": False}, headers={**treasurer, "Idempotency-Key": donor_type})
        assert given.status_code == 201, given.text
    grant = client.post(f"{API}/funds/{fund}/grants", json={
        "project": "楼道扶手", "amount_fen": 5_000, "purpose": "助老"}, headers=treasurer)
    assert grant.status_code == 201, grant.text
    scan = client.app.state.runtime.app.scan_token
    return {"bank": d.bank_id, "office": d.office_id, "fund": fund, "activity": activity,
            "phone": client.app.state.runtime.app.personal_data(
                client.app.state.runtime.app.load_volunteer(volunteer["id"])).phone,
            "scan": scan(SYSTEM, activity, "check_in")}


def _problems(client: TestClient, paths: list[str]) -> list[str]:
    found = []
    for path in paths:
        for lang in ("zh", "en"):
            response = client.get(path, params={"lang": lang})
            assert response.status_code < 500, (path, response.status_code)
            codes = codes_shown(visible_text(response.text), lang)
            if codes:
                found.append(f"{path} [{lang}]: {', '.join(codes)}")
    return found


def test_no_page_shows_a_known_code(client: TestClient) -> None:
    w = _district(client)
    found = _problems(client, ["/", "/me", f"/scan?t={w['scan']}", "/staff/login",
                               f"/transparency/funds/{w['fund']}", "/no-such-page"])
    volunteer_login(client, w["phone"])
    found += _problems(client, ["/me", f"/scan?t={w['scan']}"])
    staff_pages = {
        "vocab-coord": ["/staff/today", "/staff/activities", "/staff/entries",
                        f"/staff/entries?activity_id={w['activity']}", "/staff/volunteers",
                        "/staff/approvals", "/staff/kiosk-simulator",
                        f"/staff/activities/{w['activity']}/live",
                        f"/staff/activities/{w['activity']}/print", "/staff/audit",
                        "/staff/shop"],
        "vocab-bank": [f"/staff/offices/{w['bank']}", "/staff/admin", "/staff/admin/rules",
                       "/staff/audit",
                       f"/staff/funds/{w['fund']}"],
        "vocab-treasurer": ["/staff/funds", f"/staff/funds/{w['fund']}"],
        "vocab-auditor": ["/staff/audit", "/staff/audit?check=1"],
        "vocab-admin": ["/staff/admin", "/staff/approvals", "/staff/today"],
    }
    for username, paths in staff_pages.items():
        staff_login(client, username, PASSWORD)
        found += _problems(client, paths)
    assert not found, "codes where labels belong:\n" + "\n".join(found)
