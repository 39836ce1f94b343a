"""Passbook (爱心存折): given these events, when credit/debit, then these events or this error."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import pytest

from timebank.domain.errors import DomainError
from timebank.domain.ids import passbook_id_for
from timebank.domain.values import is_valid_passbook_no, new_passbook_no
from timebank.domain.volunteers import (
    CORRECTION,
    REDEMPTION,
    REDEMPTION_CANCELLED,
    SERVICE,
    TRANSFER_IN,
    TRANSFER_OUT,
    Passbook,
    Volunteer,
)

ACTOR: dict[str, Any] = {"kind": "user", "id": "coordinator-1", "role": "coordinator",
                         "office_id": None, "request_id": "req-1"}
VOLUNTEER_ID = uuid.UUID("0b6f3f0e-5a7c-4b8e-9f3a-1d2c3b4a5e6f")
PASSBOOK_NO = "100000000008"  # Luhn-valid


def replay(events: Sequence[Any]) -> Any:
    aggregate = None
    for domain_event in events:
        aggregate = domain_event.mutate(aggregate)
    return aggregate


def given_passbook(*credits: int) -> tuple[Passbook, list[Any]]:
    """A passbook rebuilt from Opened and one PointsCredited per amount."""
    passbook = Passbook(passbook_no=PASSBOOK_NO, volunteer_id=VOLUNTEER_ID, actor=ACTOR)
    for index, points in enumerate(credits):
        passbook.credit(points, SERVICE, f"record-{index}", ACTOR, minutes=60)
    events = list(passbook.collect_events())
    return replay(events), events


def test_the_fixture_number_is_a_valid_passbook_number() -> None:
    assert is_valid_passbook_no(PASSBOOK_NO)


def test_opening_records_opened_with_a_zero_balance() -> None:
    passbook = Passbook(passbook_no=PASSBOOK_NO, volunteer_id=VOLUNTEER_ID, actor=ACTOR)

    [opened] = passbook.collect_events()
    assert isinstance(opened, Passbook.Opened)
    assert opened.passbook_no == PASSBOOK_NO
    assert opened.volunteer_id == VOLUNTEER_ID
    assert opened.actor == ACTOR
    assert passbook.balance == 0
    assert passbook.version == 1


def test_the_passbook_id_is_derived_from_the_passbook_number() -> None:
    number = new_passbook_no()
    passbook = Passbook(passbook_no=number, volunteer_id=VOLUNTEER_ID, actor=ACTOR)
    other = Passbook(passbook_no=new_passbook_no(), volunteer_id=VOLUNTEER_ID, actor=ACTOR)

    assert passbook.id == passbook_id_for(number)
    assert passbook.id == Passbook.create_id(number)
    assert Passbook(passbook_no=number, volunteer_id=uuid.uuid4(), actor=ACTOR).id == passbook.id
    assert other.id != passbook.id
    [opened] = passbook.collect_events()
    assert opened.originator_id == passbook_id_for(number)


def test_a_volunteer_points_at_the_passbook_derived_from_its_number() -> None:
    volunteer = Volunteer(
        id=VOLUNTEER_ID, office_id=uuid.uuid4(), bank_id=uuid.uuid4(), passbook_no=PASSBOOK_NO,
        name_sealed="n", phone_sealed="p", id_number_sealed=None, phone_index="i",
        pin_hash="h", actor=ACTOR,
    )
    passbook = Passbook(passbook_no=PASSBOOK_NO, volunteer_id=volunteer.id, actor=ACTOR)
    assert volunteer.id == VOLUNTEER_ID
    assert volunteer.passbook_id == passbook.id


def test_credit_records_points_credited_and_raises_the_balance() -> None:
    passbook, given = given_passbook()

    passbook.credit(15, SERVICE, "record-7", ACTOR, minutes=90)

    [credited] = passbook.collect_events()
    assert isinstance(credited, Passbook.PointsCredited)
    assert credited.originator_id == passbook.id
    assert credited.originator_version == 2
    assert (credited.points, credited.kind, credited.ref, credited.minutes) == (
        15, SERVICE, "record-7", 90,
    )
    assert credited.actor == ACTOR
    assert passbook.balance == 15
    assert replay([*given, credited]).balance == 15


@pytest.mark.parametrize("kind", [SERVICE, CORRECTION, TRANSFER_IN, REDEMPTION_CANCELLED])
def test_every_credit_kind_is_accepted(kind: str) -> None:
    passbook, _ = given_passbook()
    passbook.credit(3, kind, "ref", ACTOR)
    [credited] = passbook.collect_events()
    assert credited.kind == kind
    assert passbook.balance == 3


def test_debit_records_points_debited_and_lowers_the_balance() -> None:
    passbook, given = given_passbook(10, 15)

    passbook.debit(20, REDEMPTION, "redemption-1", ACTOR)

    [debited] = passbook.collect_events()
    assert isinstance(debited, Passbook.PointsDebited)
    assert debited.originator_version == 4
    assert (debited.points, debited.kind, debited.ref, debited.minutes) == (
        20, REDEMPTION, "redemption-1", 0,
    )
    assert passbook.balance == 5
    assert replay([*given, debited]).balance == 5


def test_the_whole_balance_can_be_spent() -> None:
    passbook, _ = given_passbook(25)
    passbook.debit(25, TRANSFER_OUT, "transfer-1", ACTOR)
    assert passbook.balance == 0
    assert [type(e) for e in passbook.collect_events()] == [Passbook.PointsDebited]


@pytest.mark.parametrize(("credits", "debit"), [((), 1), ((10,), 11), ((10, 5), 16)])
def test_a_debit_beyond_the_balance_is_refused_and_records_nothing(
    credits: tuple[int, ...], debit: int
) -> None:
    passbook, _ = given_passbook(*credits)
    balance = sum(credits)

    with pytest.raises(DomainError) as caught:
        passbook.debit(debit, REDEMPTION, "redemption-1", ACTOR)

    assert caught.value.code == "insufficient_points"
    assert caught.value.context == {"balance": balance}
    assert passbook.collect_events() == []
    assert passbook.balance == balance
    assert passbook.version == 1 + len(credits)


@pytest.mark.parametrize("command", ["credit", "debit"])
def test_negative_points_are_refused_and_record_nothing(command: str) -> None:
    passbook, _ = given_passbook(50)
    kind = SERVICE if command == "credit" else REDEMPTION

    with pytest.raises(DomainError) as caught:
        getattr(passbook, command)(-5, kind, "ref", ACTOR)

    assert caught.value.code == "invalid_points"
    assert passbook.collect_events() == []
    assert passbook.balance == 50


@pytest.mark.parametrize("command", ["credit", "debit"])
@pytest.mark.parametrize("points", [2.5, True])
def test_points_that_are_not_whole_numbers_are_refused(command: str, points: Any) -> None:
    # "Points must be a positive whole number": a fraction or a bool must not reach the ledger.
    passbook, _ = given_passbook(50)
    kind = SERVICE if command == "credit" else REDEMPTION

    with pytest.raises(DomainError) as caught:
        getattr(passbook, command)(points, kind, "ref", ACTOR)

    assert caught.value.code == "invalid_points"
    assert passbook.collect_events() == []
    assert passbook.balance == 50


def test_a_kind_of_the_wrong_direction_is_a_programming_error() -> None:
    passbook, _ = given_passbook(50)
    with pytest.raises(ValueError):
        passbook.credit(5, TRANSFER_OUT, "ref", ACTOR)
    with pytest.raises(ValueError):
        passbook.credit(5, REDEMPTION, "ref", ACTOR)
    with pytest.raises(ValueError):
        passbook.debit(5, SERVICE, "ref", ACTOR)
    with pytest.raises(ValueError):
        passbook.debit(5, TRANSFER_IN, "ref", ACTOR)
    assert passbook.collect_events() == []
    assert passbook.balance == 50


def test_a_passbook_rebuilt_from_its_events_has_the_same_balance_and_version() -> None:
    passbook = Passbook(passbook_no=PASSBOOK_NO, volunteer_id=VOLUNTEER_ID, actor=ACTOR)
    passbook.credit(30, SERVICE, "record-1", ACTOR, minutes=180)
    passbook.debit(12, REDEMPTION, "redemption-1", ACTOR)
    passbook.credit(12, REDEMPTION_CANCELLED, "redemption-1", ACTOR)
    passbook.debit(7, TRANSFER_OUT, "transfer-1", ACTOR)
    events = passbook.collect_events()

    assert [type(e) for e in events] == [
        Passbook.Opened, Passbook.PointsCredited, Passbook.PointsDebited,
        Passbook.PointsCredited, Passbook.PointsDebited,
    ]
    assert [e.originator_version for e in events] == [1, 2, 3, 4, 5]
    rebuilt = replay(events)
    assert rebuilt.balance == 23
    assert rebuilt.version == 5
    assert rebuilt.id == passbook.id
    assert rebuilt == passbook


def test_a_snapshot_round_trips_the_balance_and_later_events_apply_on_top() -> None:
    passbook, _ = given_passbook(40, 2)
    passbook.debit(10, TRANSFER_OUT, "transfer-1", ACTOR)
    passbook.collect_events()

    snapshot = Passbook.Snapshot.take(passbook)
    assert snapshot.originator_id == passbook.id
    assert snapshot.originator_version == 4
    assert snapshot.state["balance"] == 32

    restored = snapshot.mutate(None)
    assert isinstance(restored, Passbook)
    assert restored.balance == 32
    assert restored.version == 4
    assert restored.passbook_no == PASSBOOK_NO
    assert restored.volunteer_id == VOLUNTEER_ID
    assert restored == passbook

    # Events after the snapshot continue from it, and the invariant still holds.
    restored.credit(8, TRANSFER_IN, "transfer-2", ACTOR)
    [credited] = restored.collect_events()
    assert credited.originator_version == 5
    with pytest.raises(DomainError) as caught:
        restored.debit(41, REDEMPTION, "redemption-1", ACTOR)
    assert caught.value.code == "insufficient_points"
    assert restored.balance == 40
    assert credited.mutate(snapshot.mutate(None)).balance == 40
