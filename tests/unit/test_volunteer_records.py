"""Training, awards and complaints (《志愿服务记录办法》: a record has training, awards and
complaints besides service), through the services on the in-memory store."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.unit.test_service_entries import START, World, id_number_born, refused, years_ago
from timebank.domain.actors import SYSTEM
from timebank.domain.complaints import INVESTIGATING, RESOLVED
from timebank.domain.values import shanghai_date, utc_now


@pytest.fixture
def world() -> World:
    return World()


def test_a_training_attended_opens_the_activities_that_require_it(world: World) -> None:
    volunteer = world.register(id_number=id_number_born(years_ago(40)))
    activity = world.activity(required_training="急救培训")
    refused("training_required", world.enter, volunteer, activity)
    refused("forbidden", world.app.record_training, world.other_coordinator, volunteer.id,
            "急救培训", date(2026, 1, 1), "2")
    refused("invalid_input", world.app.record_training, world.coordinator, volunteer.id,
            "急救培训", shanghai_date(utc_now()) + timedelta(days=1), "2")
    world.app.record_training(world.coordinator, volunteer.id, " 急救培训 ", date(2026, 1, 1),
                              "2.5", "区红十字会")
    assert world.enter(volunteer, activity).status == "pending"
    # Training hours stay apart from service hours: the passbook has none of them.
    passbook = world.app.load_passbook(volunteer.passbook_no)
    assert passbook.balance == 0
    # A scan too, once the volunteer's login holds the training.
    scanner = world.register(id_number=id_number_born(years_ago(35), "321"))
    world.app.record_training(world.coordinator, scanner.id, "急救培训", date(2026, 1, 1), "2")
    actor = world.app.actor_for_volunteer(scanner.id)
    assert actor is not None
    token = world.app.scan_token(SYSTEM, activity.id, "check_in", now=START)
    assert world.app.scan(actor, token, None, now=START)["status"] == "checked_in"


def test_awards_come_from_a_branch_or_the_bank(world: World) -> None:
    volunteer = world.register(id_number=id_number_born(years_ago(40)))
    refused("forbidden", world.app.record_award, world.coordinator, volunteer.id,
            "优秀志愿者", "东湖街道", date(2026, 1, 5))
    branch_admin = world.staff("branch-1", "branch_admin", world.d.branch.id)
    done = world.app.record_award(branch_admin, volunteer.id, "优秀志愿者", "东湖街道办事处",
                                  date(2026, 1, 5))
    assert world.app.load_volunteer(volunteer.id).awards == [done["id"]]


def test_a_complaint_is_received_below_and_decided_above(world: World) -> None:
    volunteer = world.register(id_number=id_number_born(years_ago(40)))
    record = world.enter(volunteer, world.activity())
    refused("forbidden", world.app.receive_complaint, world.other_coordinator, record.id,
            "family", "", "迟到", date(2026, 1, 2))
    complaint = world.app.receive_complaint(world.coordinator, record.id, "family", "王先生",
                                            "送餐迟到一小时", date(2026, 1, 2))
    assert "王先生" not in str(complaint.complainant_sealed)
    assert world.app.complainant_of(world.coordinator, complaint) == "王先生"
    volunteer_login = world.app.actor_for_volunteer(volunteer.id)
    assert volunteer_login is not None
    own = world.app.read_complaint(volunteer_login, complaint.id)  # their own record
    assert world.app.complainant_of(volunteer_login, own) is None  # never who complained
    # The coordinator of the recording office does not decide it.
    refused("forbidden", world.app.resolve_complaint, world.coordinator, complaint.id,
            "dismissed", "无")
    bank_admin = world.staff("bank-1", "bank_admin", world.d.bank.id)
    assert world.app.investigate_complaint(bank_admin, complaint.id, "调取签到记录").status \
        == INVESTIGATING
    refused("invalid_state", world.app.investigate_complaint, bank_admin, complaint.id, "")
    decided = world.app.resolve_complaint(bank_admin, complaint.id, "upheld", "属实，已提醒")
    assert (decided.status, decided.outcome) == (RESOLVED, "upheld")
    refused("invalid_state", world.app.resolve_complaint, bank_admin, complaint.id,
            "dismissed", "再议")
