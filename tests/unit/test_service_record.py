"""Activities and service records: pending → approved | rejected, corrections appended."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from timebank.domain.errors import DomainError
from timebank.domain.service import APPROVED, PENDING, REJECTED, Activity, ServiceRecord
from timebank.domain.values import SHANGHAI

ACTOR: dict[str, Any] = {"kind": "user", "id": "coordinator-1", "role": "coordinator",
                         "office_id": None, "request_id": "req-1"}
OFFICE_ID = uuid.UUID("11111111-1111-4111-8111-111111111111")
BANK_ID = uuid.UUID("22222222-2222-4222-8222-222222222222")
VOLUNTEER_ID = uuid.UUID("33333333-3333-4333-8333-333333333333")
PASSBOOK_ID = uuid.UUID("44444444-4444-4444-8444-444444444444")
START = datetime(2024, 5, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def replay(events: Sequence[Any]) -> Any:
    aggregate = None
    for domain_event in events:
        aggregate = domain_event.mutate(aggregate)
    return aggregate


def plan(**overrides: Any) -> Activity:
    arguments: dict[str, Any] = {
        "office_id": OFFICE_ID, "bank_id": BANK_ID, "title": "敬老院陪伴",
        "category": "elderly_care", "starts_at": START, "ends_at": START + timedelta(hours=3),
        "location": "梅园社区", "actor": ACTOR,
    }
    arguments.update(overrides)
    return Activity.plan(**arguments)


def enter(activity: Activity, started_at: datetime, ended_at: datetime) -> ServiceRecord:
    return ServiceRecord.enter_manually(
        VOLUNTEER_ID, PASSBOOK_ID, activity, started_at, ended_at, "代录", ACTOR
    )


def given_record(*commands: str) -> tuple[ServiceRecord, list[Any]]:
    """A 150-minute record rebuilt from its events, after 'approve' (25 points) or 'reject'."""
    record = enter(plan(), START, START + timedelta(minutes=150))
    for command in commands:
        if command == "approve":
            record.approve(10, "1", 25, ACTOR)
        elif command == "reject":
            record.reject("not present", ACTOR)
    events = list(record.collect_events())
    return replay(events), events


# --- Activity.plan -----------------------------------------------------------------------------


def test_planning_records_created_with_utc_times_and_trimmed_text() -> None:
    starts = datetime(2024, 5, 1, 9, 0, tzinfo=SHANGHAI)
    activity = plan(title="  敬老院陪伴 ", category=" elderly_care ", location=" ",
                    starts_at=starts, ends_at=starts + timedelta(hours=2))

    [created] = activity.collect_events()
    assert isinstance(created, Activity.Created)
    assert created.office_id == OFFICE_ID and created.bank_id == BANK_ID
    assert created.title == "敬老院陪伴"
    assert created.category == "elderly_care"
    assert created.location == ""
    assert created.starts_at == START and created.starts_at.utcoffset() == timedelta(0)
    assert created.ends_at == START + timedelta(hours=2)
    assert created.actor == ACTOR
    assert not activity.cancelled


@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
def test_planning_refuses_naive_times(field: str) -> None:
    naive = {"starts_at": datetime(2024, 5, 1, 9), "ends_at": datetime(2024, 5, 1, 12)}[field]
    with pytest.raises(DomainError) as caught:
        plan(**{field: naive})
    assert caught.value.code == "invalid_input"
    assert field in caught.value.message


@pytest.mark.parametrize("ends_at", [START, START - timedelta(minutes=1)])
def test_planning_refuses_an_end_not_after_the_start(ends_at: datetime) -> None:
    with pytest.raises(DomainError) as caught:
        plan(ends_at=ends_at)
    assert caught.value.code == "invalid_time_range"


@pytest.mark.parametrize(
    "overrides",
    [
        {"title": ""},
        {"title": "   "},
        {"title": "x" * 201},
        {"category": ""},
        {"category": "c" * 51},
        {"location": "l" * 201},
    ],
)
def test_planning_refuses_missing_or_overlong_text(overrides: dict[str, str]) -> None:
    with pytest.raises(DomainError) as caught:
        plan(**overrides)
    assert caught.value.code == "invalid_input"


def test_cancelling_records_cancelled_once() -> None:
    activity = plan()
    activity.collect_events()

    activity.cancel(ACTOR, "rain")

    [cancelled] = activity.collect_events()
    assert isinstance(cancelled, Activity.Cancelled)
    assert cancelled.reason == "rain"
    assert activity.cancelled
    with pytest.raises(DomainError) as caught:
        activity.cancel(ACTOR, "again")
    assert caught.value.code == "activity_cancelled"
    assert activity.collect_events() == []


# --- ServiceRecord.enter_manually --------------------------------------------------------------


def test_entering_manually_records_entered_as_pending_with_floor_minutes() -> None:
    activity = plan()
    started = datetime(2024, 5, 1, 9, 0, tzinfo=SHANGHAI)
    record = enter(activity, started, started + timedelta(minutes=90, seconds=59))

    [entered] = record.collect_events()
    assert isinstance(entered, ServiceRecord.Entered)
    assert entered.volunteer_id == VOLUNTEER_ID
    assert entered.passbook_id == PASSBOOK_ID
    assert entered.activity_id == activity.id
    assert entered.office_id == OFFICE_ID
    assert entered.category == "elderly_care"
    assert entered.started_at == START and entered.started_at.utcoffset() == timedelta(0)
    assert entered.minutes == 90
    assert entered.source == "manual"
    assert entered.note == "代录"
    assert entered.actor == ACTOR
    assert record.status == PENDING
    assert record.points == 0


@pytest.mark.parametrize("which", ["started_at", "ended_at"])
def test_entering_refuses_naive_datetimes(which: str) -> None:
    times = {"started_at": START, "ended_at": START + timedelta(hours=1)}
    times[which] = times[which].replace(tzinfo=None)
    with pytest.raises(DomainError) as caught:
        enter(plan(), times["started_at"], times["ended_at"])
    assert caught.value.code == "invalid_input"
    assert which in caught.value.message


@pytest.mark.parametrize("ended_at", [START, START - timedelta(hours=1)])
def test_entering_refuses_an_end_not_after_the_start(ended_at: datetime) -> None:
    with pytest.raises(DomainError) as caught:
        enter(plan(), START, ended_at)
    assert caught.value.code == "invalid_time_range"


def test_entering_refuses_more_than_24_hours() -> None:
    with pytest.raises(DomainError) as caught:
        enter(plan(), START, START + timedelta(hours=24, minutes=1))
    assert caught.value.code == "invalid_hours"


def test_entering_exactly_24_hours_is_accepted() -> None:
    record = enter(plan(), START, START + timedelta(hours=24))
    [entered] = record.collect_events()
    assert entered.minutes == 1440


def test_entering_for_a_cancelled_activity_is_refused() -> None:
    activity = plan()
    activity.cancel(ACTOR, "rain")
    with pytest.raises(DomainError) as caught:
        enter(activity, START, START + timedelta(hours=1))
    assert caught.value.code == "activity_cancelled"


# --- approve and reject ------------------------------------------------------------------------


def test_approving_a_pending_record_records_approved_with_the_rules_used() -> None:
    record, given = given_record()

    record.approve(12, "1.5", 38, ACTOR)

    [approved] = record.collect_events()
    assert isinstance(approved, ServiceRecord.Approved)
    assert approved.originator_version == 2
    assert approved.minutes == 150
    assert approved.points == 38
    assert approved.points_per_hour == 12
    assert approved.multiplier == "1.5"
    assert approved.actor == ACTOR
    rebuilt = replay([*given, approved])
    assert rebuilt.status == APPROVED
    assert (rebuilt.points, rebuilt.points_per_hour, rebuilt.multiplier) == (38, 12, "1.5")


def test_rejecting_a_pending_record_records_rejected_with_the_reason() -> None:
    record, given = given_record()

    record.reject("  not present  ", ACTOR)

    [rejected] = record.collect_events()
    assert isinstance(rejected, ServiceRecord.Rejected)
    assert rejected.reason == "not present"
    assert replay([*given, rejected]).status == REJECTED


def test_rejecting_needs_a_reason() -> None:
    record, _ = given_record()
    with pytest.raises(DomainError) as caught:
        record.reject("   ", ACTOR)
    assert caught.value.code == "invalid_input"
    assert record.collect_events() == []
    assert record.status == PENDING


@pytest.mark.parametrize("history", [("approve",), ("reject",)])
@pytest.mark.parametrize("command", ["approve", "reject"])
def test_only_a_pending_record_can_be_approved_or_rejected(
    history: tuple[str, ...], command: str
) -> None:
    record, _ = given_record(*history)
    status, points = record.status, record.points

    with pytest.raises(DomainError) as caught:
        if command == "approve":
            record.approve(10, "1", 99, ACTOR)
        else:
            record.reject("late", ACTOR)

    assert caught.value.code == "not_pending"
    assert record.collect_events() == []
    assert (record.status, record.points) == (status, points)


# --- corrections -------------------------------------------------------------------------------


def test_correcting_an_approved_record_returns_the_points_delta() -> None:
    record, given = given_record("approve")  # 150 minutes, 25 points

    delta = record.correct(90, 15, "left early", ACTOR)

    assert delta == -10
    [corrected] = record.collect_events()
    assert isinstance(corrected, ServiceRecord.Corrected)
    assert corrected.previous_minutes == 150
    assert corrected.minutes == 90
    assert corrected.points_delta == -10
    assert corrected.reason == "left early"
    assert corrected.actor == ACTOR
    rebuilt = replay([*given, corrected])
    assert (rebuilt.status, rebuilt.minutes, rebuilt.points) == (APPROVED, 90, 15)


def test_corrections_are_appended_and_each_records_the_minutes_before_it() -> None:
    record, given = given_record("approve")

    assert record.correct(180, 30, "stayed longer", ACTOR) == 5
    assert record.correct(120, 20, "checked the sign-in sheet", ACTOR) == -10

    first, second = record.collect_events()
    assert (first.previous_minutes, first.minutes, first.points_delta) == (150, 180, 5)
    assert (second.previous_minutes, second.minutes, second.points_delta) == (180, 120, -10)
    assert second.originator_version == 4
    rebuilt = replay([*given, first, second])
    assert (rebuilt.minutes, rebuilt.points) == (120, 20)


def test_correcting_a_pending_record_changes_minutes_but_no_points() -> None:
    record, _ = given_record()

    assert record.correct(120, 99, "typo", ACTOR) == 0

    [corrected] = record.collect_events()
    assert (corrected.previous_minutes, corrected.minutes, corrected.points_delta) == (
        150, 120, 0,
    )
    assert record.status == PENDING and record.points == 0
    record.approve(10, "1", 20, ACTOR)
    [approved] = record.collect_events()
    assert approved.minutes == 120


def test_a_rejected_record_cannot_be_corrected() -> None:
    record, _ = given_record("reject")
    with pytest.raises(DomainError) as caught:
        record.correct(60, 10, "oops", ACTOR)
    assert caught.value.code == "not_approved"
    assert record.collect_events() == []


@pytest.mark.parametrize("minutes", [-1, 1441])
def test_a_correction_outside_0_to_24_hours_is_refused(minutes: int) -> None:
    record, _ = given_record("approve")
    with pytest.raises(DomainError) as caught:
        record.correct(minutes, 10, "oops", ACTOR)
    assert caught.value.code == "invalid_hours"
    assert record.collect_events() == []
    assert (record.minutes, record.points) == (150, 25)


def test_a_correction_needs_a_reason() -> None:
    record, _ = given_record("approve")
    with pytest.raises(DomainError) as caught:
        record.correct(60, 10, "", ACTOR)
    assert caught.value.code == "invalid_input"
    assert record.collect_events() == []
