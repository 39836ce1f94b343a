"""Care withdrawn in another bank (通存通兑), on the in-memory store: a daughter in the east
bank pays from her stored hours for care her mother receives in the west bank. The window's
hours are held in the east, the request is opened in the west, and when it ends the east
posts what the service used and returns the rest — or voids it all. Balances by hand; every
step run twice, as a restarted driver would; events of the previous version still load."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import StoredEvent

from tests.helpers import District, next_phone
from tests.memory import memory_app
from timebank.application import TimebankApp
from timebank.application.idempotency import Idempotency
from timebank.domain.actors import SYSTEM, Actor
from timebank.domain.errors import DomainError
from timebank.domain.interbank import (
    CARE,
    CARE_NOT_SERVED,
    DEADLINE_PASSED,
    PENDING,
    POSTED,
    TRANSFER,
    VOIDED,
    InterbankCredit,
    InterbankTransfer,
    care_request_id_for,
    interbank_credit_id_for,
)
from timebank.domain.service_requests import ServiceRequest
from timebank.domain.time_accounts import TimeAccount, time_account_id_for
from timebank.domain.values import gb11643_check_digit, utc_now
from timebank.interbank import CityTransfers, care_request_preview
from timebank.partitions import DIRECTORY, Partition, Partitions

START = datetime(2026, 12, 10, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
FIXTURE = Path(__file__).parents[1] / "fixtures" / "events-cb21130.json"


def born(birth: str) -> str:
    body = f"310104{birth}123"
    return body + gb11643_check_digit(body)


def as_volunteer(app: TimebankApp, volunteer: Any) -> Actor:
    actor = app.actor_for_volunteer(str(volunteer.id), None)
    assert actor is not None
    return actor


def account(app: TimebankApp, volunteer: Any) -> TimeAccount:
    return app.load(TimeAccount, time_account_id_for(volunteer.passbook_no))


def balance(app: TimebankApp, volunteer: Any) -> int:
    account_id = time_account_id_for(volunteer.passbook_no)
    return app.load(TimeAccount, account_id).balance if app.exists(account_id) else 0


class Family:
    """The east bank stores the daughter's hours; the west bank serves her mother."""

    def __init__(self, app: TimebankApp) -> None:
        self.app = app
        self.east, self.west = District.build(app), District.build(app)
        app.change_time_bank_rules(SYSTEM, self.east.bank.id,
                                   {"payers": {"elderly_care": "minted"}})
        app.change_time_bank_rules(SYSTEM, self.west.bank.id, {
            "payers": {"elderly_care": "minted", "cleaning": "beneficiary",
                       "meals": "minted"}})
        self.daughter = self.east.volunteer(name="王女儿")
        self.east.earn(self.daughter, 300)  # 5 h stored in the east
        self.mother = app.register_volunteer(SYSTEM, "王奶奶", next_phone(), born("19480305"),
                                             self.west.office.id, "738294")
        self.helper = self.west.volunteer(name="李志愿")
        directory = Partition(DIRECTORY, app.settings, None, app.vault, app)  # type: ignore[arg-type]
        self.city = CityTransfers(Partitions(directory, {}))
        self.home = directory

    def post(self, category: str = "cleaning", minutes: int = 120, passbook: str = "",
             bank: Any = None, idem: str | None = None) -> dict[str, Any]:
        return self.city.post_care(
            self.home, as_volunteer(self.app, self.daughter), str((bank or self.west.bank).id),
            passbook or self.mother.passbook_no, category, "parent", "松林小区5栋102",
            "腿脚不便", START, START + timedelta(minutes=minutes),
            Idempotency(scope="test", key=idem, fingerprint=idem) if idem else None)

    def serve(self, request_id: str, minutes: int) -> None:
        self.app.take_request(as_volunteer(self.app, self.helper), request_id)
        self.app.mark_request_done(as_volunteer(self.app, self.helper), request_id, minutes,
                                   "打扫完毕")

    def advance(self, transfer_id: str) -> str:
        first = self.city.advance(self.home, transfer_id)
        assert self.city.advance(self.home, transfer_id) == first  # a restarted driver
        return first


@pytest.fixture
def family() -> Family:
    return Family(memory_app())


def test_care_in_another_bank_posts_what_was_used_and_returns_the_rest(
    family: Family,
) -> None:
    app = family.app
    posted = family.post(minutes=120, idem="care-1")
    transfer_id = posted["paid_from"]["transfer_id"]
    assert posted["request_id"] == str(care_request_id_for(transfer_id))
    assert (posted["status"], posted["payer"], posted["held_hours"]) == (
        "posted", "beneficiary", "2.00")
    assert posted["paid_from"] == {"bank_id": str(family.east.bank.id),
                                   "passbook": family.daughter.passbook_no,
                                   "transfer_id": transfer_id}
    assert posted["beneficiary_id"] == str(family.mother.id)
    # A retry answers the same and holds nothing more.
    assert family.post(minutes=120, idem="care-1") == posted
    held = account(app, family.daughter)
    assert (held.balance, held.reserved_total) == (180, 120)  # 300 - 120 held

    # The west bank opened the request at once, for the mother, with the place sealed there.
    request = app.load(ServiceRequest, posted["request_id"])
    assert (request.bank_id, request.beneficiary_id) == (family.west.bank.id,
                                                         family.mother.id)
    assert request.remote_payer == {"bank_id": str(family.east.bank.id),
                                    "passbook_no": family.daughter.passbook_no,
                                    "transfer_id": transfer_id}
    shown = app.read_request(as_volunteer(app, family.mother), posted["request_id"])
    assert shown["place"] == "松林小区5栋102" and shown["paid_from"] == posted["paid_from"]
    credit = app.load(InterbankCredit, interbank_credit_id_for(transfer_id))
    assert credit.accepted and credit.purpose == CARE and credit.care_open
    # While the service is open, the hold waits.
    assert family.advance(transfer_id) == PENDING

    family.serve(posted["request_id"], 90)
    confirmed = app.confirm_request(as_volunteer(app, family.mother), posted["request_id"],
                                    5, "很细心", None)
    assert (confirmed["status"], confirmed["paid_hours"]) == ("confirmed", "1.50")
    assert balance(app, family.helper) == 90  # stored in the west
    credit = app.load(InterbankCredit, interbank_credit_id_for(transfer_id))
    assert (credit.care_open, credit.paid_minutes) == (False, 90)

    assert family.advance(transfer_id) == POSTED
    transfer = app.load_interbank_transfer(transfer_id)
    assert (transfer.posted_minutes, transfer.returned_minutes) == (90, 30)
    assert transfer.decided_at == credit.care_settled_at
    after = account(app, family.daughter)
    assert (after.balance, after.reserved_total) == (210, 0)  # 300 - 90: 30 came back
    assert balance(app, family.mother) == 0
    kinds = [type(e).__name__ for e in app.repository.event_store.get(after.id)]
    assert kinds[-3:] == ["HoursReserved", "ReservationPosted", "ReservationReleased"]


def test_care_ended_without_a_service_is_voided_and_every_hour_returns(
    family: Family,
) -> None:
    app = family.app
    cancelled = family.post(minutes=60)
    app.cancel_request(as_volunteer(app, family.mother), cancelled["request_id"], "已住院")
    transfer_id = cancelled["paid_from"]["transfer_id"]
    assert family.advance(transfer_id) == VOIDED
    assert app.load_interbank_transfer(transfer_id).reason == CARE_NOT_SERVED
    assert (account(app, family.daughter).balance,
            account(app, family.daughter).reserved_total) == (300, 0)

    # A dispute the west bank dismisses (0 hours found served) returns everything too.
    disputed = family.post(minutes=60)
    family.serve(disputed["request_id"], 60)
    app.dispute_request(as_volunteer(app, family.mother), disputed["request_id"], "没有来")
    app.resolve_request(SYSTEM, disputed["request_id"], 0, "核实未服务", None)
    assert family.advance(disputed["paid_from"]["transfer_id"]) == VOIDED
    assert balance(app, family.daughter) == 300 and balance(app, family.helper) == 0


def test_the_other_bank_is_asked_before_any_hour_is_held(family: Family) -> None:
    app = family.app

    def refused(code: str, **post: Any) -> None:
        with pytest.raises(DomainError) as error:
            family.post(**post)
        assert error.value.code == code
        assert (account(app, family.daughter).balance,
                account(app, family.daughter).reserved_total) == (300, 0)

    refused("care_not_offered", category="meals")  # the west bank mints hours for meals
    refused("not_time_bank_service", category="company")
    refused("not_found", passbook=family.daughter.passbook_no)  # not a west passbook
    refused("same_bank", bank=family.east.bank, passbook=family.daughter.passbook_no)
    young = app.register_volunteer(SYSTEM, "王小妹", next_phone(), born("19900101"),
                                   family.west.office.id, "738294")
    refused("care_age_not_reached", passbook=young.passbook_no)
    refused("insufficient_hours", minutes=360)  # 6 h window, 5 h stored


def test_a_second_opening_answers_the_first_decision(family: Family) -> None:
    app = family.app
    posted = family.post(minutes=60)
    transfer = app.load_interbank_transfer(posted["paid_from"]["transfer_id"])
    first = app.interbank_credit(transfer.id)
    assert first is not None and first.accepted  # opened when it was posted
    # Asked again later (a restarted driver, past the deadline even): the same decision.
    again = app.open_care_request(transfer, app.care_details(transfer),
                                  now=utc_now() + timedelta(days=30))
    assert again.id == first.id and again.accepted and again.version == first.version
    requests = [e for e in app.recorder.select_notifications(start=1, limit=10_000)
                if e.topic.endswith("ServiceRequest.Published")]
    assert len(requests) == 1


def test_past_its_deadline_the_other_bank_refuses_to_open(family: Family) -> None:
    app = family.app
    beneficiary = app.check_care_beneficiary(family.west.bank.id, family.mother.passbook_no,
                                             "cleaning")

    body = app.request_care_hold(
        as_volunteer(app, family.daughter), family.west.bank.id, family.mother.passbook_no,
        "cleaning", "parent", "松林小区5栋102", None, START, START + timedelta(minutes=60),
        None, lambda t: care_request_preview(t, beneficiary, "松林小区5栋102", None))
    transfer_id = body["paid_from"]["transfer_id"]
    assert app.interbank_credit(transfer_id) is None  # held, not opened yet
    transfer = app.load_interbank_transfer(transfer_id)
    decided = app.open_care_request(transfer, app.care_details(transfer),
                                    now=utc_now() + timedelta(days=30))
    assert not decided.accepted and decided.reason == DEADLINE_PASSED
    assert not app.exists(care_request_id_for(transfer_id))
    assert family.advance(transfer_id) == VOIDED
    assert balance(app, family.daughter) == 300
    with pytest.raises(ValueError):
        app.decide_interbank_credit(transfer)  # care is never decided as a plain transfer


# -- events written before care existed still load --------------------------------------------
def test_events_of_the_previous_version_load_with_their_old_meaning() -> None:
    stored = json.loads(FIXTURE.read_text())
    app = memory_app()
    app.recorder.insert_events([
        StoredEvent(originator_id=e["originator_id"],
                    originator_version=e["originator_version"], topic=e["topic"],
                    state=base64.b64decode(e["state"]))
        for e in stored["events"]])
    transfer = app.load(InterbankTransfer, stored["transfer_id"])
    assert (transfer.purpose, transfer.care, transfer.status) == (TRANSFER, None, POSTED)
    assert (transfer.minutes, transfer.returned_minutes, transfer.posted_minutes) == (60, 0, 60)
    credit = app.load(InterbankCredit, interbank_credit_id_for(stored["transfer_id"]))
    assert (credit.purpose, credit.accepted, credit.care_open) == (TRANSFER, True, False)
    requests = [e for e in stored["events"] if e["topic"].endswith("ServiceRequest.Published")]
    (published,) = requests
    request = app.load(ServiceRequest, published["originator_id"])
    assert request.remote_payer is None and request.held_minutes == 60
    sender = app.load(TimeAccount, time_account_id_for(stored["sender_passbook"]))
    # 300 stored, 60 sent (posted), 60 held by the family's request.
    assert (sender.balance, sender.reserved_total) == (180, 60)


def test_a_driver_looks_at_open_care_again_only_after_a_while(family: Family) -> None:
    app = family.app
    posted = family.post(minutes=60)
    transfer_id = posted["paid_from"]["transfer_id"]

    def pending(_partition: Partition) -> list[str]:
        return [transfer_id] if app.load_interbank_transfer(transfer_id).status == PENDING \
            else []

    patient = CityTransfers(family.city.partitions, care_recheck_seconds=3600)
    assert patient.drive(pending).still_pending == 1  # open in the west: it waits
    family.serve(posted["request_id"], 60)
    app.confirm_request(as_volunteer(app, family.mother), posted["request_id"], 5, "", None)
    # Found open a moment ago: this driver does not load it again yet …
    assert patient.drive(pending).still_pending == 1
    assert app.load_interbank_transfer(transfer_id).status == PENDING
    # … one that looks at every pass settles it at once.
    eager = CityTransfers(family.city.partitions, care_recheck_seconds=0)
    report = eager.drive(pending)
    assert (report.posted, report.still_pending) == (1, 0)
    assert balance(app, family.daughter) == 240 and balance(app, family.helper) == 60
    assert patient.drive(pending).idle  # nothing pending any more, and it forgets it
    assert patient._open_care == {}
