"""Changing a stored event's shape: a new `class_version` with an `upcast_vN_vN+1`, never a
`getattr` in the readers. Office.Opened is the first event changed this way."""

from __future__ import annotations

import json
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic, resolve_topic

from tests.memory import memory_app
from tests.old_log import read_log
from timebank.domain.actors import SYSTEM
from timebank.domain.offices import DEFAULT_POINTS_PER_HOUR, Office


def stored_in_version_1(kind: str) -> StoredEvent:
    """An Office.Opened exactly as version 1 (commit 01a9f90) stored it, from the old log."""
    item = next(e for e in read_log()["events"]
                if e["topic"] == "timebank.domain.offices:Office.Opened"
                and json.loads(e["state"])["kind"] == kind)
    return StoredEvent(originator_id=UUID(item["originator_id"]),
                       originator_version=item["originator_version"],
                       topic=item["topic"], state=item["state"].encode())


def test_an_office_opened_in_version_1_loads_through_the_upcaster() -> None:
    mapper = memory_app().mapper
    for kind, points_per_hour in (("bank", 10), ("branch", 0), ("savings_office", 0)):
        stored = stored_in_version_1(kind)
        old_state = json.loads(stored.state)
        assert "points_per_hour" not in old_state and "class_version" not in old_state
        opened = mapper.to_domain_event(stored)
        assert isinstance(opened, Office.Opened)
        assert (opened.kind, opened.points_per_hour) == (kind, points_per_hour)
        assert opened.name == old_state["name"]  # the rest passes through untouched


def test_the_upcaster_keeps_version_1s_rule_whatever_the_default_says_now() -> None:
    state = {"kind": "bank", "name": "示范区公益银行"}
    Office.Opened.upcast_v1_v2(state)
    # A literal on purpose: the fact version 1 applied, not today's constant.
    assert state["points_per_hour"] == 10


def test_new_offices_store_version_2_with_their_opening_rule() -> None:
    app = memory_app()
    bank = app.open_office(SYSTEM, "示范区公益银行", "bank", None)
    branch = app.open_office(SYSTEM, "东湖街道分行", "branch", bank.id)
    for office, points_per_hour in ((bank, DEFAULT_POINTS_PER_HOUR), (branch, 0)):
        stored = app.recorder.select_events(office.id)[0]
        assert stored.topic == "timebank.domain.offices:Office.Opened"  # the stored name stays
        state = json.loads(stored.state)
        assert (state["class_version"], state["points_per_hour"]) == (2, points_per_hour)
        assert app.load_office(office.id).points_per_hour == points_per_hour


def test_every_topic_in_the_old_log_still_names_its_event_class() -> None:
    for topic in sorted({e["topic"] for e in read_log()["events"]}):
        assert get_topic(resolve_topic(topic)) == topic, topic


def stored_from_old_log(topic: str) -> StoredEvent:
    item = next(e for e in read_log()["events"] if e["topic"] == topic)
    return StoredEvent(originator_id=UUID(item["originator_id"]),
                       originator_version=item["originator_version"],
                       topic=item["topic"], state=item["state"].encode())


def test_records_events_of_version_1_load_with_what_that_version_meant() -> None:
    """Activity.Created, ServiceRecord.Entered and Volunteer.Registered gained the fields of
    complete records in version 2; version 1 admitted anybody and kept no age."""
    from timebank.domain.service import Activity, ServiceRecord
    from timebank.domain.volunteers import Volunteer

    mapper = memory_app().mapper
    activity = mapper.to_domain_event(
        stored_from_old_log("timebank.domain.service:Activity.Created"))
    assert isinstance(activity, Activity.Created)
    assert (activity.minors, activity.person_in_charge_id, activity.required_training,
            activity.requires_insurance) == ("open", None, "", False)
    entered = mapper.to_domain_event(
        stored_from_old_log("timebank.domain.service:ServiceRecord.Entered"))
    assert isinstance(entered, ServiceRecord.Entered)
    assert (entered.person_in_charge_id, entered.beneficiary) == (None, None)
    registered = mapper.to_domain_event(
        stored_from_old_log("timebank.domain.volunteers:Volunteer.Registered"))
    assert isinstance(registered, Volunteer.Registered)
    assert (registered.age_band, registered.birth_date_sealed) == ("unknown", None)
