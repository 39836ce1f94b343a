"""Contract "Volunteers and passbooks": registration, validation, passbooks, the card."""

from __future__ import annotations

import io
import re
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import inspect, text

from tests.api._support import (
    API,
    Bank,
    assert_error,
    assert_invalid_input,
    assert_refused,
    assert_wrong_login,
)
from tests.helpers import next_phone, valid_id_number
from timebank.domain.values import gb11643_check_digit

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def register(b: Bank, headers: dict[str, str] | None = None, **fields: Any) -> Any:
    body = {"name": "张三", "phone": next_phone(), "office_id": b.d.office_id, "pin": "738294"}
    body.update(fields)
    return b.client.post(f"{API}/volunteers", json=body, headers=headers or b.admin)


def volunteer_count(b: Bank) -> int:
    return b.rollup(b.d.bank_id)["totals"]["volunteers"]


def id_number_ending_in_x() -> str:
    for seed in range(1, 500):
        number = valid_id_number(seed)
        if number.endswith("X"):
            return number
    raise AssertionError("no seed gives an X check character")


def test_register_gives_an_id_a_passbook_number_and_an_empty_passbook(
    client: TestClient,
) -> None:
    b = Bank(client)
    response = register(b, id_number=valid_id_number(7))
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) >= {"id", "passbook_no"}
    assert isinstance(body["id"], str) and body["id"]
    assert isinstance(body["passbook_no"], str) and re.fullmatch(r"\d+", body["passbook_no"])
    assert b.passbook(body["id"]) == {"passbook_no": body["passbook_no"], "balance_points": 0,
                                      "total_hours": "0.00", "entries": [], "star_level": 0}
    second = register(b)
    assert second.status_code == 201
    assert second.json()["passbook_no"] != body["passbook_no"]
    assert second.json()["id"] != body["id"]
    assert volunteer_count(b) == 2


def test_id_number_is_optional_and_checked_by_gb11643(client: TestClient) -> None:
    b = Bank(client)
    assert register(b).status_code == 201                             # omitted
    assert register(b, id_number=None).status_code == 201
    assert register(b, id_number=valid_id_number(3)).status_code == 201
    assert register(b, id_number=id_number_ending_in_x().lower()).status_code == 201

    good = valid_id_number(11)
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    body = "31010419900230123"                                        # 30 February
    bad_date = body + gb11643_check_digit(body)
    future = "310104209901011234"[:17]
    bad = [wrong_check, bad_date, future + gb11643_check_digit(future), good[:17],
           good[:15], "31010419900101123A", "abcdefghijklmnopqr"]
    before = volunteer_count(b)
    phones = []
    for number in bad:
        phones.append(next_phone())
        response = register(b, phone=phones[-1], id_number=number)
        assert response.status_code == 422, (number, response.text)
        assert_refused(response, "invalid_id_number", "id_number")
    assert_invalid_input(register(b, id_number=good + "1"), "id_number")
    assert volunteer_count(b) == before
    # Nothing was kept: the phones are still free.
    for phone in phones:
        assert register(b, phone=phone).status_code == 201


def test_phone_must_be_a_mainland_mobile_and_a_refusal_changes_nothing(
    client: TestClient,
) -> None:
    b = Bank(client)
    before = volunteer_count(b)
    for phone in ("12345678901", "1380013800", "138001380000", "23800138000", "10086",
                  "phone-number", "", "+1 415 555 0100", "+86 12800138000"):
        response = register(b, phone=phone)
        if response.status_code == 422 and response.json()["error"]["code"] == "invalid_input":
            assert_invalid_input(response, "phone")   # too long for the schema
            continue
        assert_refused(response, "invalid_phone", "phone")
    assert volunteer_count(b) == before
    # Country code, spaces and dashes are accepted (and normalised).
    for phone in ("+86 139 0000 1111", "139-0000-2222", "8613900003333"):
        response = register(b, phone=phone)
        assert response.status_code == 201, (phone, response.text)
    assert volunteer_count(b) == before + 3


def stored_values(client: TestClient) -> list[bytes]:
    """Every value in every table of the app's database (events and read models alike)."""
    engine = client.app.state.runtime.engine  # type: ignore[attr-defined]
    values: list[bytes] = []
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                for value in row:
                    if isinstance(value, bytes | bytearray | memoryview):
                        values.append(bytes(value))
                    elif value is not None:
                        values.append(str(value).encode())
    return values


def test_phone_and_id_number_are_stored_encrypted(client: TestClient) -> None:
    b = Bank(client)
    phone, id_number = next_phone(), valid_id_number(42)
    response = register(b, phone=phone, id_number=id_number)
    assert response.status_code == 201
    values = stored_values(client)
    # The scan really sees what is stored: the (public) passbook number is there.
    assert [v for v in values if response.json()["passbook_no"].encode() in v]
    for secret in (phone, id_number, phone[3:]):
        assert not [v for v in values if secret.encode() in v], f"{secret} stored in clear"


def test_pin_and_name_are_validated(client: TestClient) -> None:
    b = Bank(client)
    before = volunteer_count(b)
    for pin in ("12345", "abcdef", "12 456", ""):
        assert_refused(register(b, pin=pin), "invalid_pin", "pin")
    assert_invalid_input(register(b, pin="1234567"), "pin")
    assert_refused(register(b, name="   "), "invalid_name", "name")
    assert_invalid_input(register(b, name="名" * 51), "name")
    assert volunteer_count(b) == before


def test_a_phone_registers_once(client: TestClient) -> None:
    b = Bank(client)
    first = b.volunteer(name="王芳")
    before = volunteer_count(b)
    phone = first["phone"]
    for same in (phone, f"+86 {phone}", f"{phone[:3]}-{phone[3:7]}-{phone[7:]}"):
        response = register(b, phone=same, name="冒名者", pin="905817")
        assert_error(response, 409, "phone_taken")
    # Also across offices and banks.
    assert_error(register(b, phone=phone, office_id=b.d.other_office_id), 409, "phone_taken")
    assert volunteer_count(b) == before
    # The first volunteer keeps their PIN; the impostor's PIN does not open anything.
    ok = client.post(f"{API}/auth/volunteer-token", json={"phone": phone, "pin": "738294"})
    assert ok.status_code == 200
    assert_wrong_login(client.post(f"{API}/auth/volunteer-token",
                                   json={"phone": phone, "pin": "905817"}))


def test_volunteers_belong_to_a_savings_office_in_the_callers_subtree(
    client: TestClient,
) -> None:
    b = Bank(client)
    d = b.d
    coordinator = b.staff("coord", "coordinator", d.office_id)
    branch_admin = b.staff("branch-admin", "branch_admin", d.branch_id)
    treasurer = b.staff("treasurer", "treasurer", d.bank_id)
    before = volunteer_count(b)

    assert register(b, headers=coordinator).status_code == 201
    assert register(b, headers=branch_admin).status_code == 201
    assert_error(register(b, headers=coordinator, office_id=d.other_office_id), 403, "forbidden")
    assert_error(register(b, headers=branch_admin, office_id=d.other_office_id), 403,
                 "forbidden")
    assert_error(register(b, headers=treasurer), 403, "forbidden")
    for not_a_savings_office in (d.branch_id, d.bank_id):
        assert_error(register(b, office_id=not_a_savings_office), 422, "invalid_input")
    assert_error(register(b, office_id="00000000-0000-0000-0000-000000000000"), 404,
                 "not_found")
    assert volunteer_count(b) == before + 2


def test_who_may_read_a_passbook(client: TestClient) -> None:
    b = Bank(client)
    d = b.d
    alice = b.volunteer(name="王芳")
    bob = b.volunteer(name="赵强")
    b.earn(alice["id"], 60)
    allowed = [alice["headers"], b.staff("coord", "coordinator", d.office_id),
               b.staff("branch-admin", "branch_admin", d.branch_id),
               b.staff("treasurer", "treasurer", d.bank_id),
               b.staff("auditor", "auditor", d.branch_id)]
    for headers in allowed:
        assert b.passbook(alice["id"], headers)["balance_points"] == 10
    refused = [bob["headers"], b.staff("far-coord", "coordinator", d.other_office_id),
               b.staff("far-admin", "branch_admin", b.other_branch_id)]
    for headers in refused:
        for suffix in ("passbook", "passbook/card.png"):
            response = client.get(f"{API}/volunteers/{alice['id']}/{suffix}", headers=headers)
            assert_error(response, 403, "forbidden")
    for unknown in ("00000000-0000-0000-0000-000000000000", "nobody", d.office_id):
        response = client.get(f"{API}/volunteers/{unknown}/passbook", headers=b.admin)
        assert_error(response, 404, "not_found")


def test_passbook_entries_have_the_contract_shape(client: TestClient) -> None:
    b = Bank(client)
    volunteer = b.volunteer()
    approved = b.earn(volunteer["id"], 100)
    passbook = b.passbook(volunteer["id"])
    assert passbook["balance_points"] == 17
    assert passbook["total_hours"] == "1.67"
    (entry,) = passbook["entries"]
    assert set(entry) >= {"at", "kind", "hours", "points", "balance_after", "ref"}
    assert (entry["kind"], entry["hours"], entry["points"], entry["balance_after"],
            entry["ref"]) == ("service", "1.67", 17, 17, approved["id"])


def test_passbook_times_are_iso_8601_with_an_offset(client: TestClient) -> None:
    """Contract: times are ISO 8601 *with offset*."""
    b = Bank(client)
    volunteer = b.volunteer()
    b.earn(volunteer["id"], 60)
    (entry,) = b.passbook(volunteer["id"])["entries"]
    moment = datetime.fromisoformat(entry["at"].replace("Z", "+00:00"))
    assert moment.utcoffset() is not None, f"no offset in {entry['at']!r}"


def test_passbook_card_is_a_png(client: TestClient) -> None:
    b = Bank(client)
    alice, bob = b.volunteer(), b.volunteer()
    cards = []
    for volunteer in (alice, bob):
        for headers in (volunteer["headers"], b.admin):
            response = client.get(f"{API}/volunteers/{volunteer['id']}/passbook/card.png",
                                  headers=headers)
            assert response.status_code == 200, response.text
            assert response.headers["content-type"] == "image/png"
            assert response.content.startswith(PNG_SIGNATURE)
            image = Image.open(io.BytesIO(response.content))
            image.verify()
            assert image.format == "PNG"
            assert image.size[0] == image.size[1] and image.size[0] >= 100  # a QR code is square
        cards.append(response.content)
    assert cards[0] != cards[1]
    response = client.get(f"{API}/volunteers/00000000-0000-0000-0000-000000000000/passbook/"
                          "card.png", headers=b.admin)
    assert_error(response, 404, "not_found")
