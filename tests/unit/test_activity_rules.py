"""The rules of attendance, decided by the `Activity` aggregate: its scan window, the
longest service it counts, the window of manual entries, the geofence and the capacity."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from timebank.domain.errors import DomainError
from timebank.domain.service import (
    DEFAULT_RADIUS_M,
    NO_POSITION,
    OUTSIDE_AREA,
    Activity,
    distance_m,
)

START = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
END = START + timedelta(hours=2)
GRACE = timedelta(minutes=30)
# The community centre, and a point about 111 m north of it (0.001° of latitude).
CENTRE = (31.2304, 121.4737)
NORTH_111_M = (31.2314, 121.4737)


def activity(**options: object) -> Activity:
    return Activity.plan(office_id=uuid.uuid4(), bank_id=uuid.uuid4(), title="助老",
                         category="elderly_care", starts_at=START, ends_at=END,
                         location="活动室", actor={"kind": "system"}, **options)  # type: ignore[arg-type]


def refused(code: str, call, *args) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as exc:
        call(*args)
    assert exc.value.code == code


def test_scans_are_taken_from_grace_before_the_start_to_grace_after_the_end() -> None:
    a = activity()
    assert (a.scans_open_at(GRACE), a.scans_close_at(GRACE)) == (START - GRACE, END + GRACE)
    for moment in (START - GRACE, START, END, END + GRACE):
        a.check_open_for_scans(moment, GRACE)
    refused("activity_not_open", a.check_open_for_scans, START - GRACE - timedelta(seconds=1),
            GRACE)
    refused("token_expired", a.check_open_for_scans, END + GRACE + timedelta(seconds=1), GRACE)
    a.cancel({"kind": "system"}, "下雨")
    refused("activity_cancelled", a.check_open_for_scans, START, GRACE)


def test_no_service_counts_more_than_the_length_plus_grace() -> None:
    assert activity().longest_service_minutes(GRACE) == 120 + 30
    assert activity().longest_service_minutes(timedelta(0)) == 120


def test_hours_entered_by_hand_lie_inside_the_window_plus_grace() -> None:
    a = activity()
    a.check_service_times(START - GRACE, END + GRACE, GRACE)
    refused("outside_window", a.check_service_times, START - GRACE - timedelta(minutes=1), END,
            GRACE)
    refused("outside_window", a.check_service_times, START, END + GRACE + timedelta(minutes=1),
            GRACE)


def test_a_refused_entry_names_the_time_that_lies_outside_the_window() -> None:
    a = activity()
    for started, ended, field in ((START - GRACE - timedelta(minutes=1), END, "started_at"),
                                  (START, END + GRACE + timedelta(minutes=1), "ended_at")):
        with pytest.raises(DomainError) as exc:
            a.check_service_times(started, ended, GRACE)
        assert (exc.value.code, exc.value.context["field"]) == ("outside_window", field)


def test_distance_is_the_great_circle_distance() -> None:
    # 0.001° of latitude is 6,371,000 m × π/180 × 0.001 = 111.19 m, whatever the longitude.
    assert distance_m(*CENTRE, *NORTH_111_M) == pytest.approx(111.19, abs=0.01)
    assert distance_m(*CENTRE, *CENTRE) == 0


def test_without_a_place_the_geofence_says_nothing() -> None:
    a = activity()
    assert a.place_flags(None) == [] and a.place_flags(NORTH_111_M) == []


def test_a_flagging_geofence_flags_scans_outside_it_or_without_a_position() -> None:
    near = activity(latitude=CENTRE[0], longitude=CENTRE[1], radius_m=120)
    assert near.place_flags(NORTH_111_M) == []
    tight = activity(latitude=CENTRE[0], longitude=CENTRE[1], radius_m=100)
    assert tight.place_flags(NORTH_111_M) == [OUTSIDE_AREA]
    assert tight.place_flags(None) == [NO_POSITION]
    assert activity(latitude=CENTRE[0], longitude=CENTRE[1]).radius_m == DEFAULT_RADIUS_M


def test_a_refusing_geofence_refuses_scans_outside_it_or_without_a_position() -> None:
    strict = activity(latitude=CENTRE[0], longitude=CENTRE[1], radius_m=100,
                      geofence_mode="refuse")
    assert strict.place_flags(CENTRE) == []
    refused("outside_area", strict.place_flags, NORTH_111_M)
    refused("outside_area", strict.place_flags, None)


def test_capacity_admits_volunteers_until_full_and_only_then_keeps_a_roster() -> None:
    unlimited = activity()
    unlimited.admit(uuid.uuid4())
    assert unlimited.admitted == [] and len(unlimited.collect_events()) == 1  # only Created
    small = activity(capacity=2)
    first, second = uuid.uuid4(), uuid.uuid4()
    small.admit(first)
    small.admit(second)
    refused("activity_full", small.admit, uuid.uuid4())
    assert small.admitted == [str(first), str(second)]
    refused("invalid_input", small.edit, {"capacity": 1}, {"kind": "system"})
