"""Weak PINs are refused when a volunteer registers, and PINs set before the rule keep
working (issue 17, item 5). A change and a reset refuse them too (test_pin_lifecycle.py)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api._support import API, Bank, assert_invalid_input
from tests.helpers import next_phone, valid_id_number
from timebank.domain.actors import SYSTEM
from timebank.domain.ages import birth_date_from_id


def test_registration_refuses_guessable_pins_and_stores_nothing(client: TestClient) -> None:
    b = Bank(client)
    phone, id_number = next_phone(), valid_id_number(7)
    born = birth_date_from_id(id_number)
    guesses = ["000000", "123456", "654321", "121212", phone[-6:], id_number[-6:]
               if id_number[-1].isdigit() else "000000", born.strftime("%y%m%d")]
    for pin in guesses:
        response = client.post(f"{API}/volunteers", headers=b.admin, json={
            "name": "张三", "phone": phone, "id_number": id_number,
            "office_id": b.d.office_id, "pin": pin})
        error = assert_invalid_input(response, "pin")
        assert error["fields"] == [{"field": "pin", "problem": "weak_pin"}]
        assert "easy to guess" in error["message"] and "简单" in error["message_zh"]
    # Nothing was registered: the phone is still free, and a fair PIN registers it.
    fair = client.post(f"{API}/volunteers", headers=b.admin, json={
        "name": "张三", "phone": phone, "id_number": id_number,
        "office_id": b.d.office_id, "pin": "738294"})
    assert fair.status_code == 201, fair.text


def test_a_pin_set_before_the_rule_still_logs_in(client: TestClient) -> None:
    b = Bank(client)
    volunteer = b.volunteer()
    services = client.app.state.runtime.app
    # As if registered before weak PINs were refused: the account holds 123456.
    account = services.load_volunteer(volunteer["id"])
    account.change_pin(services.pins.hash("123456"), SYSTEM.record())
    services.save(account)
    login = client.post(f"{API}/auth/volunteer-token",
                        json={"phone": volunteer["phone"], "pin": "123456"})
    assert login.status_code == 200, login.text
