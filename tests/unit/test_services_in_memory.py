"""The application services on the in-memory event store (tests/memory.py): the attendance
rules, approvals and the read gate as the commands apply them, without HTTP or a database.
The same stories run through HTTP on both stores in tests/api."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.helpers import District
from tests.memory import MemoryKioskUsage, memory_app
from timebank.application import TimebankApp
from timebank.application.authz import SERVICE_RECORDS
from timebank.domain.actors import SYSTEM, Actor
from timebank.domain.attendance import attendance_record_id_for
from timebank.domain.errors import DomainError
from timebank.domain.reading import ReadScope
from timebank.domain.service import (
    APPROVED,
    NO_LOCATION_CONSENT,
    NO_POSITION,
    OUTSIDE_AREA,
    PENDING,
)
from timebank.domain.values import utc_now

START = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)
END = START + timedelta(hours=2)
GRACE = timedelta(minutes=30)
CENTRE = (31.2304, 121.4737)
NORTH_111_M = (31.2314, 121.4737)


class Attendance:
    """A district on the in-memory store with one volunteer and their login."""

    def __init__(self, **settings: object) -> None:
        self.app: TimebankApp = memory_app(**settings)
        self.d = District.build(self.app)
        self.volunteer = self.d.volunteer()
        self.actor = self.login(self.volunteer)

    def login(self, volunteer: Any, location_consent: bool = True) -> Actor:
        """The volunteer's login; by default they consented to the use of their location."""
        actor = self.app.actor_for_volunteer(volunteer.id)
        assert actor is not None
        if location_consent:
            self.app.set_location_consent(actor, volunteer.id, True)
            # A login is per request: it holds the volunteer as loaded then.
            actor = self.app.actor_for_volunteer(volunteer.id)
            assert actor is not None
        return actor

    def activity(self, **options: object) -> Any:
        return self.app.plan_activity(SYSTEM, self.d.office.id, "助老", "elderly_care", START,
                                      END, "活动室", **options)

    def scan(self, activity: Any, action: str, at: datetime, actor: Actor | None = None,
             position: tuple[float, float] | None = None) -> dict[str, Any]:
        token = self.app.scan_token(SYSTEM, activity.id, action, now=at)
        return self.app.scan(actor or self.actor, token, position, now=at)

    def refused(self, code: str, *args: Any, **kwargs: Any) -> None:
        with pytest.raises(DomainError) as exc:
            self.scan(*args, **kwargs)
        assert exc.value.code == code


@pytest.fixture
def world() -> Attendance:
    return Attendance()


def test_a_scan_is_taken_only_inside_the_window_plus_grace(world: Attendance) -> None:
    activity = world.activity()
    world.refused("activity_not_open", activity, "check_in", START - GRACE - timedelta(minutes=1))
    record_id = attendance_record_id_for(activity.id, world.volunteer.id)
    assert not world.app.exists(record_id)  # a refused scan stored nothing
    done = world.scan(activity, "check_in", START - GRACE)
    assert (done["service_record_id"], done["status"]) == (str(record_id), "checked_in")
    world.refused("already_checked_in", activity, "check_in", START)


def test_a_check_out_counts_at_most_the_length_plus_grace(world: Attendance) -> None:
    activity = world.activity()
    world.scan(activity, "check_in", START - GRACE)
    out = world.scan(activity, "check_out", END + GRACE - timedelta(minutes=1))
    # Present for 2 h 59 min; the activity lasts 2 hours, and grace adds 30 minutes.
    assert (out["status"], out["hours"]) == (PENDING, "2.50")


def test_the_geofence_flags_or_refuses_as_the_activity_says(world: Attendance) -> None:
    flagging = world.activity(latitude=CENTRE[0], longitude=CENTRE[1], radius_m=100)
    assert world.scan(flagging, "check_in", START, position=NORTH_111_M)["flags"] == [
        OUTSIDE_AREA]
    other = world.login(world.d.volunteer(name="李四"))
    assert world.scan(flagging, "check_in", START, actor=other)["flags"] == [NO_POSITION]

    refusing = world.activity(latitude=CENTRE[0], longitude=CENTRE[1], radius_m=100,
                              geofence_mode="refuse")
    third = world.login(world.d.volunteer(name="王五"))
    world.refused("outside_area", refusing, "check_in", START, actor=third,
                  position=NORTH_111_M)
    assert world.scan(refusing, "check_in", START, actor=third, position=CENTRE)["flags"] == []


def test_without_consent_to_use_location_a_scan_is_flagged_never_refused(
    world: Attendance,
) -> None:
    refusing = world.activity(latitude=CENTRE[0], longitude=CENTRE[1], radius_m=100,
                              geofence_mode="refuse")
    volunteer = world.d.volunteer(name="赵六")
    actor = world.login(volunteer, location_consent=False)
    done = world.scan(refusing, "check_in", START, actor=actor, position=NORTH_111_M)
    assert done["flags"] == [NO_LOCATION_CONSENT]
    # Consent is the volunteer's alone, and revocable: given, the geofence applies again.
    with pytest.raises(DomainError) as refused:
        world.app.set_location_consent(SYSTEM, volunteer.id, True)
    assert refused.value.code == "forbidden"
    world.app.set_location_consent(actor, volunteer.id, True)
    actor = world.login(volunteer, location_consent=False)  # the next request's login
    world.refused("outside_area", world.activity(latitude=CENTRE[0], longitude=CENTRE[1],
                                                 radius_m=100, geofence_mode="refuse"),
                  "check_in", START + timedelta(minutes=1), actor=actor, position=NORTH_111_M)
    world.app.set_location_consent(actor, volunteer.id, False)
    assert not world.app.load_volunteer(volunteer.id).location_consent


def test_capacity_turns_away_the_volunteer_after_the_last_place(world: Attendance) -> None:
    activity = world.activity(capacity=1)
    world.scan(activity, "check_in", START)
    late = world.d.volunteer(name="李四")
    world.refused("activity_full", activity, "check_in", START, actor=world.login(late))
    assert not world.app.exists(attendance_record_id_for(activity.id, late.id))
    assert world.app.load_activity(activity.id).admitted == [str(world.volunteer.id)]


def test_auto_approval_puts_the_points_in_the_passbook_at_check_out(world: Attendance) -> None:
    activity = world.activity(approval_policy="auto_on_checkout")
    world.scan(activity, "check_in", START)
    out = world.scan(activity, "check_out", START + timedelta(minutes=90))
    # 90 minutes at the bank's default 10 points an hour.
    assert (out["status"], out["points"]) == (APPROVED, 15)
    assert world.app.load_passbook(world.volunteer.passbook_no).balance == 15


def test_every_scan_is_counted_once_by_the_scan_limit(world: Attendance) -> None:
    counted: list[str] = []
    world.app.scan_limit = counted.append
    activity = world.activity()
    world.scan(activity, "check_in", START)
    world.refused("already_checked_in", activity, "check_in", START)
    assert counted == [world.actor.id, world.actor.id]


def test_manual_entries_keep_to_the_window_and_corrections_to_the_length(
    world: Attendance,
) -> None:
    activity = world.activity()
    with pytest.raises(DomainError) as outside:
        world.app.enter_service_record(SYSTEM, world.volunteer.id, activity.id,
                                       START - GRACE - timedelta(minutes=1), END, "")
    assert outside.value.code == "outside_window"
    record = world.app.enter_service_record(SYSTEM, world.volunteer.id, activity.id,
                                            START - GRACE, END + GRACE, "")
    assert (record.status, record.minutes) == (PENDING, 180)
    with pytest.raises(DomainError) as too_long:
        world.app.correct_service_record(SYSTEM, record.id, "2.51", "签退时间有误")
    assert too_long.value.code == "invalid_hours"
    corrected = world.app.correct_service_record(SYSTEM, record.id, "2.50", "签退时间有误")
    assert corrected["hours"] == "2.50"


def test_a_manual_entry_ending_in_the_future_names_that_problem_in_both_languages(
    world: Attendance,
) -> None:
    """代录 while the activity is still running: an end still to come is refused as that,
    in English without the code's contrary 'end must be after the start', and even when the
    end also lies past the activity's window (not as the start being outside it)."""
    now = utc_now()
    running = world.app.plan_activity(SYSTEM, world.d.office.id, "助老", "elderly_care",
                                      now - timedelta(hours=1), now + timedelta(hours=2),
                                      "活动室")
    for ended in (running.ends_at, running.ends_at + GRACE + timedelta(hours=1)):
        with pytest.raises(DomainError) as future:
            world.app.enter_service_record(SYSTEM, world.volunteer.id, running.id,
                                           running.starts_at, ended, "")
        assert (future.value.code, future.value.context["field"]) == (
            "invalid_time_range", "ended_at")
        assert future.value.message == (
            "Service cannot end in the future: while the activity is still running, enter "
            "now or an earlier end time.")
        assert future.value.message_zh == (
            "服务结束时间不能晚于现在：活动还在进行时，请填写现在或更早的结束时间。")


def test_a_grace_setting_moves_every_rule_at_once() -> None:
    strict = Attendance(scan_grace_minutes=5)
    activity = strict.activity()
    strict.refused("activity_not_open", activity, "check_in", START - timedelta(minutes=6))
    strict.scan(activity, "check_in", START - timedelta(minutes=5))
    # Present 2 h 9 min, counted up to 2 h 5 min.
    assert strict.scan(activity, "check_out", END + timedelta(minutes=4))["hours"] == "2.08"


def test_the_read_gate_through_the_services(world: Attendance) -> None:
    activity = world.activity()
    world.scan(activity, "check_in", START)
    record_id = attendance_record_id_for(activity.id, world.volunteer.id)
    assert world.app.read_service_record(world.actor, record_id).id == record_id
    stranger = world.login(world.d.volunteer(name="李四"))
    with pytest.raises(DomainError) as refused:
        world.app.read_service_record(stranger, record_id)
    assert refused.value.code == "forbidden"
    assert world.app.read_scope(stranger, SERVICE_RECORDS) == ReadScope.own(stranger.id)
    far = Actor(kind="user", id="far", role="coordinator", office_id=world.d.other_office.id)
    with pytest.raises(DomainError):
        world.app.read_service_record(far, record_id)
    # A volunteer of another bank does not even learn that the activity exists.
    other_bank = world.app.open_office(SYSTEM, "邻区公益银行", "bank", None)
    branch = world.app.open_office(SYSTEM, "北街道分行", "branch", other_bank.id)
    office = world.app.open_office(SYSTEM, "北社区储蓄所", "savings_office", branch.id)
    foreigner = world.login(world.d.volunteer(office, "赵六"))
    with pytest.raises(DomainError) as hidden:
        world.app.read_activity(foreigner, activity.id)
    assert hidden.value.code == "not_found"
    assert world.app.read_activity(world.actor, activity.id).id == activity.id


def test_kiosk_key_use_goes_to_the_injected_log(world: Attendance) -> None:
    kiosk, key = world.app.register_kiosk(SYSTEM, world.d.office.id, "1 号机")
    assert world.app.kiosk_usage.last_used(kiosk.id) is None
    world.app.authenticate_kiosk(key)
    usage = world.app.kiosk_usage
    assert isinstance(usage, MemoryKioskUsage) and set(usage.seen) == {kiosk.id}
