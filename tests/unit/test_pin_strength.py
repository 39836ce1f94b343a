"""Weak PINs are refused whenever a PIN is set (issue 17, item 5): the rule itself."""

from __future__ import annotations

from datetime import date

import pytest

from timebank.domain.errors import DomainError
from timebank.domain.pin_strength import refuse_weak_pin, weak_pin_reason

WEAK = ["000000", "111111", "999999", "123456", "234567", "987654", "654321", "890123",
        "121212", "123123", "112233", "147258", "520131"]
FAIR = ["738294", "246810", "135790", "975318", "864209", "905817", "120398"]


@pytest.mark.parametrize("pin", WEAK)
def test_guessable_pins_are_refused(pin: str) -> None:
    assert weak_pin_reason(pin) is not None
    with pytest.raises(DomainError) as refused:
        refuse_weak_pin(pin)
    assert refused.value.code == "weak_pin" and refused.value.context["field"] == "pin"
    assert "简单" in refused.value.message_zh


@pytest.mark.parametrize("pin", FAIR)
def test_other_pins_pass(pin: str) -> None:
    assert weak_pin_reason(pin, "13912345678", "11010519491231002X", date(1949, 12, 31)) is None


def test_the_persons_own_numbers_are_refused() -> None:
    phone, id_number, born = "13912738201", "110105198807154418", date(1988, 7, 15)
    assert weak_pin_reason("738201", phone=phone) == "the phone number's last six digits"
    assert weak_pin_reason("154418", id_number=id_number) == "taken from the ID number"
    assert weak_pin_reason("198807", id_number=id_number) == "taken from the ID number"
    for pin in ("880715", "071588", "150788"):
        assert weak_pin_reason(pin, birth_date=born) == "the birth date"
    # Someone else's numbers say nothing about this PIN.
    assert weak_pin_reason("738201", phone="13800138000") is None


def test_the_field_named_is_the_callers() -> None:
    with pytest.raises(DomainError) as refused:
        refuse_weak_pin("000000", field="new_pin")
    assert refused.value.context["field"] == "new_pin"
