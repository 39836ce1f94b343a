"""Erasure completes or leaves nothing done, and a retry finishes it (issue 17, item 4).

Before: when destroying the key failed (disk full, read-only), the erasure event was
already stored, the name stayed readable, and a retry was refused as "already erased"."""

from __future__ import annotations

import pytest

from tests.helpers import District
from tests.memory import memory_app
from timebank.domain.actors import SYSTEM
from timebank.domain.errors import DomainError
from timebank.domain.volunteers import Volunteer
from timebank.security.personal_data import ERASED


@pytest.fixture
def app():
    return memory_app()


def _break_key_destruction(monkeypatch, app, times: int = 1) -> None:
    real = app.vault.destroy_key
    failures = {"left": times}

    def failing(subject_id):
        if failures["left"]:
            failures["left"] -= 1
            raise OSError(28, "No space left on device")
        return real(subject_id)

    monkeypatch.setattr(app.vault, "destroy_key", failing)


def test_a_failed_key_destruction_records_nothing_and_the_retry_erases(
        app, monkeypatch) -> None:
    d = District.build(app)
    person = d.volunteer(name="欧阳娜娜")
    events_before = len(app.recorder.select_events(person.id))
    _break_key_destruction(monkeypatch, app)

    with pytest.raises(DomainError) as failed:
        app.erase_volunteer(SYSTEM, person.id, "本人申请")
    assert failed.value.code == "erasure_incomplete"
    volunteer = app.load(Volunteer, person.id)
    assert not volunteer.erased and volunteer.active
    assert len(app.recorder.select_events(person.id)) == events_before  # nothing recorded
    assert app.personal_data(volunteer).name == "欧阳娜娜"

    erased = app.erase_volunteer(SYSTEM, person.id, "本人申请")  # the retry finishes it
    assert erased.erased and app.personal_data(erased).name == ERASED
    with pytest.raises(DomainError) as again:
        app.erase_volunteer(SYSTEM, person.id, "本人申请")
    assert again.value.code == "invalid_state"


def test_an_erasure_recorded_with_its_key_alive_is_finished_by_a_retry(app) -> None:
    """A log written before this order was kept: the event stored, the key not destroyed."""
    d = District.build(app)
    person = d.volunteer(name="欧阳娜娜")
    volunteer = app.load(Volunteer, person.id)
    volunteer.erase(SYSTEM.record(), "本人申请")
    app.save(volunteer)
    assert app.personal_data(app.load(Volunteer, person.id)).name == "欧阳娜娜"

    finished = app.erase_volunteer(SYSTEM, person.id, "本人申请")
    assert app.personal_data(finished).name == ERASED
    assert not app.vault.has_key(person.id)


def test_a_donors_erasure_is_as_atomic(app, monkeypatch) -> None:
    bank = app.open_office(SYSTEM, "示范区公益银行", "bank", None)
    fund = app.open_fund(SYSTEM, "基金", "foundation", None, bank.id)
    gift = app.receive_donation(SYSTEM, fund.id, 5_000, "爱心企业", "enterprise", None,
                                False, None)
    _break_key_destruction(monkeypatch, app)
    with pytest.raises(DomainError) as failed:
        app.erase_donor(SYSTEM, fund.id, gift["donation_id"], "捐赠人申请")
    assert failed.value.code == "erasure_incomplete"
    loaded = app.load_fund(fund.id)
    assert app.donor_name(loaded, gift["donation_id"]) == "爱心企业"
    app.erase_donor(SYSTEM, fund.id, gift["donation_id"], "捐赠人申请")
    assert app.donor_name(app.load_fund(fund.id), gift["donation_id"]) == ERASED
