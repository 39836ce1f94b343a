"""Complete service entries and who may attend (志愿服务记录与证明出具办法, 《志愿服务条例》):
the rules in the domain, then the same stories through the services on the in-memory store."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.helpers import District, next_phone
from tests.memory import memory_app
from timebank.application import TimebankApp
from timebank.application.service_records import BeneficiaryGiven
from timebank.application.volunteers import Guardian
from timebank.domain.actors import SYSTEM, Actor
from timebank.domain.ages import (
    ADULT,
    MINOR,
    UNKNOWN,
    Attendee,
    age_on,
    birth_date_from_id,
    registration_age_band,
)
from timebank.domain.errors import DomainError
from timebank.domain.service import APPROVED, Activity, recorder_of
from timebank.domain.values import gb11643_check_digit, shanghai_date, utc_now

START = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)
END = START + timedelta(hours=2)


def id_number_born(birth: date, sequence: str = "123") -> str:
    body = f"310104{birth:%Y%m%d}{sequence}"
    return body + gb11643_check_digit(body)


def years_ago(years: int, days: int = 0) -> date:
    today = shanghai_date(utc_now())
    return today.replace(year=today.year - years) - timedelta(days=days)


def refused(code: str, call: Any, *args: Any, **kwargs: Any) -> DomainError:
    with pytest.raises(DomainError) as exc:
        call(*args, **kwargs)
    assert exc.value.code == code, exc.value
    return exc.value


# -- ages (by hand: born 2010-03-15, on 2026-03-14 one day short of 16) ---------------------
def test_ages_count_whole_years_from_the_birth_date_in_the_id_number() -> None:
    birth = birth_date_from_id(id_number_born(date(2010, 3, 15)))
    assert birth == date(2010, 3, 15)
    assert age_on(birth, date(2026, 3, 14)) == 15
    assert age_on(birth, date(2026, 3, 15)) == 16
    # Born on 29 February: a year older on 1 March of a common year.
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18


def test_registration_refuses_under_14_and_a_minor_without_a_guardian() -> None:
    today = date(2026, 6, 1)
    refused("volunteer_too_young", registration_age_band, date(2012, 6, 2), today, True)
    assert registration_age_band(date(2012, 6, 1), today, True) == MINOR  # 14 today
    refused("guardian_consent_required", registration_age_band, date(2012, 6, 1), today, False)
    assert registration_age_band(date(2008, 6, 1), today, False) == ADULT  # 18 today
    assert registration_age_band(None, today, False) == UNKNOWN


def plan(**options: Any) -> Activity:
    return Activity.plan(office_id=SYSTEM_OFFICE, bank_id=SYSTEM_OFFICE, title="助老",
                         category="elderly_care", starts_at=START, ends_at=END,
                         location="活动室", actor={"kind": "system"}, **options)


SYSTEM_OFFICE = uuid.uuid4()


def test_an_activity_admits_minors_only_as_it_says() -> None:
    minor = Attendee(is_minor=True, guardian_consent=True)
    refused("minors_not_admitted", plan().check_attendee, minor, by_scan=True)
    plan(minors="open").check_attendee(minor, by_scan=True)
    group_only = plan(minors="group_only")
    refused("minors_group_only", group_only.check_attendee, minor, by_scan=True)
    group_only.check_attendee(minor, by_scan=False)  # the coordinator enters the group
    no_consent = Attendee(is_minor=True, guardian_consent=False)
    refused("guardian_consent_required", plan(minors="open").check_attendee, no_consent,
            by_scan=False)
    plan().check_attendee(Attendee(is_minor=False), by_scan=True)


def test_a_required_training_and_insurance_are_checked_before_anyone_scans() -> None:
    needs_training = plan(required_training="急救培训")
    error = refused("training_required", needs_training.check_attendee,
                    Attendee(is_minor=False, trainings=frozenset({"消防培训"})), by_scan=True)
    assert "急救培训" in error.message
    needs_training.check_attendee(Attendee(is_minor=False, trainings=frozenset({"急救培训"})),
                                  by_scan=True)
    insured_later = plan(requires_insurance=True)
    refused("insurance_required", insured_later.check_open_for_scans, START, timedelta(0))
    insured_later.edit({"insurance_ref": "PICC-2026-0042"}, {"kind": "system"})
    insured_later.check_open_for_scans(START, timedelta(0))


def test_the_recorder_is_who_entered_by_hand_else_who_approved() -> None:
    assert recorder_of("manual", "coord", "approver", "boss", True) == "coord"
    assert recorder_of("scan", None, "approver", "boss", True) == "approver"
    # An activity's auto-approval: its person in charge set the rule.
    assert recorder_of("scan", None, None, "boss", True) == "boss"
    assert recorder_of("scan", None, None, "boss", False) is None


# -- the services ------------------------------------------------------------------------
class World:
    def __init__(self) -> None:
        self.app: TimebankApp = memory_app()
        self.d = District.build(self.app)
        self.coordinator = self.staff("coord-1", "coordinator", self.d.office.id)
        self.other_coordinator = self.staff("coord-2", "coordinator", self.d.other_office.id)

    def staff(self, username: str, role: str, office_id: Any) -> Actor:
        user = self.app.create_user(SYSTEM, username, "correct-horse-1", role, office_id)
        actor = self.app.actor_for_user(user.id)
        assert actor is not None
        return actor

    def register(self, birth: date | None = None, guardian: Guardian | None = None,
                 id_number: str | None = None) -> Any:
        return self.app.register_volunteer(
            self.coordinator, "小明", next_phone(), id_number,
            self.d.office.id, "738294", birth_date=birth, guardian=guardian)

    def activity(self, **options: Any) -> Activity:
        return self.app.plan_activity(self.coordinator, self.d.office.id, "助老", "elderly_care",
                                      START, END, "活动室", **options)

    def enter(self, volunteer: Any, activity: Activity, actor: Actor | None = None,
              **kwargs: Any) -> Any:
        return self.app.enter_service_record(actor or self.coordinator, volunteer.id,
                                             activity.id, START, END, "", **kwargs)


@pytest.fixture
def world() -> World:
    return World()


GUARDIAN = Guardian(name="王芳", relation="parent", consented_on=date(2026, 1, 5),
                    phone="13900001111")


def test_registration_keeps_the_age_and_the_guardian_sealed(world: World) -> None:
    refused("volunteer_too_young", world.register, id_number=id_number_born(years_ago(13)))
    refused("guardian_consent_required", world.register, birth=years_ago(15))
    minor = world.register(birth=years_ago(15), guardian=GUARDIAN)
    assert minor.age_band == MINOR and minor.guardian_consent["relation"] == "parent"
    assert "王芳" not in str(minor.guardian_consent)  # sealed in the event
    assert world.app.guardian_of(minor)["name"] == "王芳"
    adult = world.register(id_number=id_number_born(years_ago(30)))
    assert adult.age_band == ADULT and adult.birth_date_sealed is None  # the ID tells it
    unknown = world.register()
    assert unknown.age_band == UNKNOWN and unknown.age_needs_completing
    # A birth date that contradicts the ID number is refused.
    refused("invalid_input", world.register, id_number=id_number_born(date(1990, 1, 1)),
            birth=date(1991, 1, 1))


def test_minors_attend_only_where_and_as_the_activity_allows(world: World) -> None:
    minor = world.register(birth=years_ago(16), guardian=GUARDIAN)
    refused("minors_not_admitted", world.enter, minor, world.activity())
    record = world.enter(minor, world.activity(minors="group_only"))
    assert record.status == "pending"
    # Staff completing the age of an old volunteer apply the same rules.
    old = world.register()
    refused("volunteer_too_young", world.app.record_birth_date, world.coordinator, old.id,
            years_ago(12))
    refused("guardian_consent_required", world.app.record_birth_date, world.coordinator, old.id,
            years_ago(15))
    world.app.record_guardian_consent(world.coordinator, old.id, GUARDIAN)
    completed = world.app.record_birth_date(world.coordinator, old.id, years_ago(15))
    assert completed.age_band == MINOR and not completed.age_needs_completing


def test_an_entry_carries_the_person_in_charge_the_recorder_and_the_beneficiary(
    world: World,
) -> None:
    volunteer = world.register(id_number=id_number_born(years_ago(40)))
    activity = world.activity(content="上门送餐并陪伴聊天", beneficiary="樱花社区独居老人")
    assert activity.person_in_charge_id is not None  # the planner, by default
    assert str(activity.person_in_charge_id) == world.coordinator.id
    refused("invalid_input", world.activity,
            person_in_charge_id=world.other_coordinator.id)  # runs another office
    record = world.enter(volunteer, activity)
    assert record.beneficiary["label"] == "樱花社区独居老人"
    assert str(record.person_in_charge_id) == world.coordinator.id
    assert record.recorder_id == world.coordinator.id
    elder = world.register(id_number=id_number_born(years_ago(80), "456"))
    world.app.name_beneficiary(world.coordinator, record.id,
                               BeneficiaryGiven(kind="person", volunteer_id=str(elder.id)))
    assert world.app.load_service_record(record.id).beneficiary["volunteer_id"] == str(elder.id)
    named = world.app.name_beneficiary(world.coordinator, record.id,
                                       BeneficiaryGiven(kind="person", name="李奶奶"))
    assert "李奶奶" not in str(named.beneficiary)  # a third person's name, sealed
    assert world.app.beneficiary_name(record.id,
                                      named.beneficiary["name_sealed"]) == "李奶奶"


def test_the_organiser_evaluates_and_the_beneficiary_confirms_once(world: World) -> None:
    volunteer = world.register(id_number=id_number_born(years_ago(40)))
    elder = world.register(id_number=id_number_born(years_ago(80), "456"))
    record = world.enter(volunteer, world.activity())
    refused("forbidden", world.app.evaluate_service_record, world.other_coordinator,
            record.id, 5)
    refused("invalid_input", world.app.evaluate_service_record, world.coordinator, record.id, 6)
    world.app.evaluate_service_record(world.coordinator, record.id, 4, "准时")
    world.app.approve_service_record(world.coordinator, record.id)
    evaluated = world.app.evaluate_service_record(world.coordinator, record.id, 5, "复核后")
    assert (evaluated.status, evaluated.organiser_rating) == (APPROVED, 5)
    refused("invalid_state", world.app.confirm_service_record, world.coordinator, record.id,
            True, 5)  # no beneficiary named yet
    world.app.name_beneficiary(world.coordinator, record.id,
                               BeneficiaryGiven(kind="person", volunteer_id=str(elder.id)))
    elder_login = world.app.actor_for_volunteer(elder.id)
    stranger = world.app.actor_for_volunteer(volunteer.id)
    assert elder_login is not None and stranger is not None
    refused("forbidden", world.app.confirm_service_record, stranger, record.id, True, 1)
    confirmed = world.app.confirm_service_record(elder_login, record.id, True, 5, "很满意")
    assert confirmed.beneficiary_confirmation == {"confirmed": True, "rating": 5}
    refused("invalid_state", world.app.confirm_service_record, world.coordinator, record.id,
            True, 4)
    refused("invalid_state", world.app.name_beneficiary, world.coordinator, record.id,
            BeneficiaryGiven(kind="group", label="别人"))
    events = [type(e).__name__ for e in world.app.events.get(record.id)]
    assert events.count("Evaluated") == 2 and events.count("BeneficiaryConfirmed") == 1


def test_a_scan_without_the_training_the_activity_requires_is_refused(world: World) -> None:
    volunteer = world.register(id_number=id_number_born(years_ago(40)))
    activity = world.activity(required_training="急救培训")
    actor = world.app.actor_for_volunteer(volunteer.id)
    assert actor is not None
    token = world.app.scan_token(SYSTEM, activity.id, "check_in", now=START)
    error = refused("training_required", world.app.scan, actor, token, None, now=START)
    assert "急救培训" in error.message
    refused("training_required", world.enter, volunteer, activity)
