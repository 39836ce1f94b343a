"""PINs: keyed with a pepper the database does not hold, cheap to check, and hashes from
before the pepper upgraded at the next successful check (timebank/security/pins.py)."""

from __future__ import annotations

import pytest

from tests.helpers import District
from tests.memory import memory_app
from timebank.domain.actors import SYSTEM
from timebank.domain.errors import DomainError
from timebank.security import passwords
from timebank.security.pins import SCHEME, PinHasher

KEY = "a-server-key-0123456789abcdef0123456789"


def test_a_hash_is_worthless_without_the_server_key() -> None:
    stored = PinHasher(KEY).hash("864209")
    assert stored.startswith(SCHEME) and "864209" not in stored
    assert PinHasher(KEY).verify(stored, "864209") == (True, False)
    assert PinHasher(KEY).verify(stored, "864208") == (False, False)
    # A thief with the database but another key cannot even confirm the right PIN.
    assert PinHasher("another-key-0123456789abcdef0123456789").verify(stored, "864209") == (
        False, False)
    assert PinHasher(KEY).verify(None, "864209") == (False, False)


def test_a_hash_from_before_the_pepper_still_works_and_asks_to_be_upgraded() -> None:
    old = passwords.hash_secret("864209")
    assert PinHasher(KEY).verify(old, "864209") == (True, True)
    assert PinHasher(KEY).verify(old, "000000") == (False, False)


def make_old(app, volunteer_id) -> None:
    """Store a PIN hash as versions before the pepper made it."""
    volunteer = app.load_volunteer(volunteer_id)
    volunteer.change_pin(passwords.hash_secret("864209"), SYSTEM.record())
    app.save(volunteer)


def test_a_kiosk_redemption_upgrades_an_old_hash_and_a_wrong_pin_does_not() -> None:
    app = memory_app()
    d = District.build(app)
    volunteer = d.volunteer()
    d.earn(volunteer, 60)
    app.list_catalog_item(SYSTEM, d.office.id, "SOAP", "香皂", 1, 10)
    _kiosk, key = app.register_kiosk(SYSTEM, d.office.id, "1 号机")
    kiosk = app.authenticate_kiosk(key)
    make_old(app, volunteer.id)
    line = [{"sku": "SOAP", "quantity": 1}]
    with pytest.raises(DomainError, match="wrong_pin"):
        app.redeem(kiosk, volunteer.passbook_no, "000000", line, None)
    assert not app.load_volunteer(volunteer.id).pin_hash.startswith(SCHEME)
    app.redeem(kiosk, volunteer.passbook_no, "864209", line, None)
    upgraded = app.load_volunteer(volunteer.id).pin_hash
    assert upgraded.startswith(SCHEME)
    assert app.pins.verify(upgraded, "864209") == (True, False)
    # And the upgraded hash keeps working.
    app.redeem(kiosk, volunteer.passbook_no, "864209", line, None)
    assert app.load_volunteer(volunteer.id).pin_hash == upgraded


def test_the_phone_login_upgrades_an_old_hash() -> None:
    app = memory_app()
    d = District.build(app)
    phone = "13800139999"
    volunteer = app.register_volunteer(SYSTEM, "李四", phone, None, d.office.id, "864209")
    assert app.load_volunteer(volunteer.id).pin_hash.startswith(SCHEME)  # new PINs peppered
    make_old(app, volunteer.id)
    app.authenticate_volunteer(phone, "864209")
    assert app.load_volunteer(volunteer.id).pin_hash.startswith(SCHEME)
