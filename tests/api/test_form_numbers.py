"""Numbers in page forms (issue 17, item 8): digits of other scripts never reach `int()`.

`str.isdigit()` accepts "²", and `int("²")` then raised: a 500 with the raw input in the
log. Every form's every field is fed non-ASCII digits here; each answer is a page or a
redirect (never a 5xx), and nothing is recorded.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.web.form_values import optional_float, optional_int, whole_number
from tests.api._pages import csrf_of, hidden, staff_login, volunteer_login
from tests.helpers import HttpDistrict, next_phone
from timebank.domain.errors import DomainError

NOT_ASCII = ("²", "１２", "١٢", "12³", "߁")  # superscript, fullwidth, Arabic-Indic, N'Ko


@pytest.fixture
def store() -> str:
    return "sqlite"  # parsing, not storage: one store is enough


@pytest.mark.parametrize("text", NOT_ASCII)
def test_the_one_reader_refuses_other_scripts_digits(text: str) -> None:
    for read in (whole_number, optional_int, optional_float):
        with pytest.raises(DomainError) as refused:
            read(text, "field")
        assert refused.value.code == "invalid_input"
        assert refused.value.context["field"] == "field"
    assert whole_number(" 12 ", "f") == 12 and optional_int("", "f") is None
    assert optional_float("-31.25", "f") == -31.25


def test_nan_and_infinity_are_not_numbers() -> None:
    for text in ("nan", "inf", "-Infinity", "1e5"):
        with pytest.raises(DomainError):
            optional_float(text, "latitude")


def _events(client: TestClient) -> int:
    return client.app.state.runtime.app.recorder.max_notification_id() or 0


def _every_field(client: TestClient, path: str, form: dict[str, str],
                 numeric: list[str]) -> None:
    """Each field replaced by each sample: never a 5xx; a number, a date or a PIN written in
    other digits is refused and stores nothing (a note or a name may hold any text)."""
    for name in [n for n in form if n not in ("csrf", "key")]:
        for text in NOT_ASCII:
            before = _events(client)
            answer = client.post(path, data={**form, name: text}, follow_redirects=False)
            assert answer.status_code < 500, (path, name, text, answer.text[:300])
            if name in numeric:
                assert _events(client) == before, (path, name, text)


def test_every_page_form_takes_other_scripts_digits_without_a_crash(
        client: TestClient) -> None:
    d = HttpDistrict.build(client)
    phone = next_phone()
    giver = d.volunteer(phone=phone)
    receiver = d.volunteer(name="周敏")
    d.earn(giver["id"], 120)
    kiosk_key = client.post("/api/v1/kiosks", json={"office_id": d.office_id, "name": "模拟"},
                            headers=d.admin).json()["api_key"]
    client.post(f"/api/v1/offices/{d.office_id}/catalog",
                json={"sku": "TEA", "name": "茶叶", "points": 6, "stock": 3}, headers=d.admin)
    fund_id = client.post("/api/v1/funds", json={
        "name": "基金", "kind": "foundation", "host_fund_id": None,
        "office_id": d.branch_id}, headers=d.admin).json()["id"]

    # The volunteer's own forms.
    volunteer_login(client, phone)
    mine = client.get("/me")
    key = re.search(r'name="key" value="([^"]+)"', mine.text).group(1)
    _every_field(client, "/me/give", {"to_passbook": receiver["passbook_no"], "points": "8",
                                      "note": "谢谢", "key": key, "csrf": csrf_of(mine.text)},
                 numeric=["points"])
    _every_field(client, "/me/certificates", {"from": "2026-01-01", "to": "2026-12-31",
                                              "csrf": csrf_of(mine.text)},
                 numeric=["from", "to"])
    client.cookies.clear()
    login = client.get("/me")
    _every_field(client, "/me/login", {"phone": phone, "pin": "738294",
                                       "csrf": csrf_of(login.text), "next": "/me"},
                 numeric=["phone", "pin"])

    # The staff's forms.
    d.user("coord-n", "coordinator", d.office_id, password="coord-n-password")
    d.user("treasurer-n", "treasurer", d.branch_id, password="treasurer-n-password")
    staff_login(client, "coord-n", "coord-n-password")
    simulator = client.get("/staff/kiosk-simulator")
    _every_field(client, "/staff/kiosk-simulator", {
        "api_key": kiosk_key, "passbook": giver["passbook_no"], "pin": "738294", "sku": "TEA",
        "quantity": "1", "csrf": csrf_of(simulator.text), "key": "sim-1"},
        numeric=["quantity", "passbook"])  # a PIN in other digits is a wrong PIN, counted
    console = client.get("/staff/activities")
    _every_field(client, "/staff/activities", {
        "csrf": csrf_of(console.text), "office_id": hidden(console.text, "office_id"),
        "console_office_id": hidden(console.text, "console_office_id"), "title": "社区义诊",
        "category": "elderly_care", "location": "卫生站", "starts_at": "2026-12-10T09:00",
        "ends_at": "2026-12-10T11:30", "capacity": "20", "approval_policy": "manual",
        "latitude": "31.2", "longitude": "121.4", "radius_m": "300", "geofence_mode": "flag"},
        numeric=["capacity", "latitude", "longitude", "radius_m", "starts_at", "ends_at"])
    entries = client.get("/staff/entries", params={"activity_id": d.activity_id})
    _every_field(client, "/staff/entries", {
        "csrf": csrf_of(entries.text), "key": hidden(entries.text, "key"),
        "office_id": hidden(entries.text, "office_id"), "activity_id": d.activity_id,
        "volunteer": "12", "started_at": "2026-11-01T09:00", "ended_at": "2026-11-01T10:30",
        "note": "补录"}, numeric=["volunteer", "started_at", "ended_at"])
    register = client.get("/staff/volunteers")
    _every_field(client, "/staff/volunteers", {
        "csrf": csrf_of(register.text), "office_id": hidden(register.text, "office_id"),
        "name": "王芳", "phone": "13900001234", "id_number": "", "pin": "135790"},
        numeric=["phone", "id_number", "pin"])

    staff_login(client, "treasurer-n", "treasurer-n-password")
    dashboard = client.get(f"/staff/funds/{fund_id}")
    _every_field(client, f"/staff/funds/{fund_id}/donations", {
        "csrf": csrf_of(dashboard.text), "key": "gift-1", "donor_type": "individual",
        "amount": "12.50", "donor_name": "", "anonymous": "on", "purpose": "", "in_kind": "",
        "received_on": ""}, numeric=["amount", "received_on"])
