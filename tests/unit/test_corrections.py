"""Corrections asked by volunteers: the deadline from the bank's rules, the answers as
compensating events saved with the acceptance, and who may do what (in-memory store)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.unit.test_service_entries import END, START, World, id_number_born, refused, years_ago
from timebank.domain.actors import SYSTEM
from timebank.domain.corrections import ACCEPTED, REFUSED, due_date, is_overdue
from timebank.domain.values import shanghai_date, utc_now


@pytest.fixture
def world() -> World:
    return World()


def test_the_deadline_is_the_banks_days_after_the_request() -> None:
    # By hand: asked on 2026-11-20 with 15 days: answer by 2026-12-05, overdue on the 6th.
    due = due_date(date(2026, 11, 20), 15)
    assert due == date(2026, 12, 5)
    assert not is_overdue("pending", due, date(2026, 12, 5))
    assert is_overdue("pending", due, date(2026, 12, 6))
    assert not is_overdue("accepted", due, date(2026, 12, 6))


def test_a_wrong_entry_is_corrected_with_the_acceptance(world: World) -> None:
    volunteer = world.register(id_number=id_number_born(years_ago(40)))
    record = world.enter(volunteer, world.activity())  # 2 hours entered
    world.app.approve_service_record(world.coordinator, record.id)
    me = world.app.actor_for_volunteer(volunteer.id)
    other = world.app.actor_for_volunteer(world.register().id)
    assert me is not None and other is not None
    refused("forbidden", world.app.ask_correction, world.coordinator, "wrong", "x",
            service_record_id=record.id)
    refused("not_found", world.app.ask_correction, other, "wrong", "不是我的",
            service_record_id=record.id)
    world.app.set_record_rules(SYSTEM, world.d.bank.id, [100, 300], 10)
    request = world.app.ask_correction(me, "wrong", "签退晚了半小时", service_record_id=record.id,
                                       hours="2.5")
    assert request.due_on == (shanghai_date(utc_now()) + timedelta(days=10)).isoformat()
    refused("forbidden", world.app.accept_correction, world.other_coordinator, request.id)
    accepted = world.app.accept_correction(world.coordinator, request.id, "核实无误")
    assert accepted.status == ACCEPTED
    corrected = world.app.load_service_record(record.id)
    assert corrected.minutes == 150
    # 2.5 hours at the bank's 10 points an hour: the passbook got the difference.
    assert world.app.load_passbook(volunteer.passbook_no).balance == 25
    refused("invalid_state", world.app.refuse_correction, world.coordinator, request.id, "晚了")


def test_a_missing_entry_is_entered_late_or_refused(world: World) -> None:
    volunteer = world.register(id_number=id_number_born(years_ago(40)))
    me = world.app.actor_for_volunteer(volunteer.id)
    assert me is not None
    activity = world.activity()
    request = world.app.ask_correction(me, "missing", "忘记扫码", activity_id=activity.id,
                                       started_at=START, ended_at=END)
    assert request.claimed_hours == "2.00"
    done = world.app.accept_correction(world.coordinator, request.id,
                                       started_at=START + timedelta(minutes=30))
    assert done.outcome == "late_entry"
    assert world.app.load_passbook(volunteer.passbook_no).balance == 15  # 1.5 h approved
    # Now it is recorded: a second "missing" request for it is pointless.
    refused("already_recorded", world.app.ask_correction, me, "missing", "again",
            activity_id=activity.id, started_at=START, ended_at=END)
    other = world.app.ask_correction(me, "missing", "也参加了", activity_id=world.activity().id,
                                     started_at=START, ended_at=END)
    refused("invalid_input", world.app.refuse_correction, world.coordinator, other.id, " ")
    assert world.app.refuse_correction(world.coordinator, other.id,
                                       "签到表无此人").status == REFUSED
