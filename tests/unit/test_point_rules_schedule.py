"""Point rules changed from a moment announced ahead: the rules in force at each moment,
approvals credited under the rules in force when they happen, a change withdrawn before it
takes effect, and a version-1 change (no effective time) read as taking effect when recorded."""

from __future__ import annotations

import json
from datetime import timedelta
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from tests.memory import memory_app
from tests.old_log import read_log
from timebank.domain import offices
from timebank.domain.actors import SYSTEM
from timebank.domain.errors import DomainError
from timebank.domain.offices import Office
from timebank.domain.values import utc_now


def bank_with_rules() -> tuple[object, Office]:
    app = memory_app()
    bank = app.open_office(SYSTEM, "示范区公益银行", "bank", None)
    app.change_point_rules(SYSTEM, bank.id, 10, {"elderly_care": "1.5"})
    return app, app.load_office(bank.id)


def test_a_change_announced_ahead_applies_from_its_moment_only() -> None:
    app, bank = bank_with_rules()
    start = utc_now() + timedelta(days=30)
    app.change_point_rules(SYSTEM, bank.id, 20, {}, start)
    bank = app.load_office(bank.id)
    assert (bank.points_per_hour, bank.category_multipliers, bank.rules_version) == (
        10, {"elderly_care": "1.5"}, 2)
    assert [(r.version, r.points_per_hour, r.effective_from) for r in bank.announced_rules()] == [
        (3, 20, start)]
    later = bank.rules_at(start + timedelta(seconds=1))
    assert (later.points_per_hour, later.category_multipliers, later.version) == (20, {}, 3)
    assert bank.rules_at(start - timedelta(seconds=1)).points_per_hour == 10


def test_a_later_recorded_change_with_an_earlier_moment_does_not_hide_the_announced_one() -> None:
    app, bank = bank_with_rules()
    now = utc_now()
    app.change_point_rules(SYSTEM, bank.id, 30, {}, now + timedelta(days=10))
    app.change_point_rules(SYSTEM, bank.id, 15, {}, now + timedelta(days=5))
    bank = app.load_office(bank.id)
    assert [bank.rules_at(now + timedelta(days=d)).points_per_hour for d in (1, 6, 11)] == [
        10, 15, 30]


def test_approvals_are_credited_under_the_rules_in_force_when_they_happen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app, bank = bank_with_rules()
    branch = app.open_office(SYSTEM, "东湖街道分行", "branch", bank.id)
    office = app.open_office(SYSTEM, "樱花社区储蓄所", "savings_office", branch.id)
    volunteers = [app.register_volunteer(SYSTEM, name, phone, None, office.id, "738294")
                  for name, phone in (("王秀英", "13900000001"), ("李建国", "13900000002"))]
    now = utc_now()
    activity = app.plan_activity(SYSTEM, office.id, "送餐", "elderly_care",
                                 now - timedelta(hours=5), now - timedelta(hours=1), "食堂")
    records = [app.enter_service_record(SYSTEM, v.id, activity.id, now - timedelta(hours=3),
                                        now - timedelta(hours=2), "代录") for v in volunteers]
    start = now + timedelta(days=1)
    app.change_point_rules(SYSTEM, bank.id, 20, {"elderly_care": "2"}, start)
    app.approve_service_record(SYSTEM, records[0].id)  # before: 1 h × 10 × 1.5
    monkeypatch.setattr(offices, "utc_now", lambda: start + timedelta(minutes=1))
    app.approve_service_record(SYSTEM, records[1].id)  # after: 1 h × 20 × 2
    assert [app.load_passbook(v.passbook_no).balance for v in volunteers] == [15, 40]


def test_an_announced_change_can_be_withdrawn_until_it_takes_effect(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app, bank = bank_with_rules()
    start = utc_now() + timedelta(hours=2)
    app.change_point_rules(SYSTEM, bank.id, 20, {}, start)
    app.change_point_rules(SYSTEM, bank.id, 25, {}, start + timedelta(hours=1))
    with pytest.raises(DomainError) as blank:
        app.cancel_point_rules_change(SYSTEM, bank.id, 3, " ")
    assert blank.value.code == "invalid_input"
    app.cancel_point_rules_change(SYSTEM, bank.id, 3, "价格听证未通过")
    bank = app.load_office(bank.id)
    assert [r.version for r in bank.announced_rules()] == [4]
    assert bank.rules_at(start + timedelta(minutes=5)).points_per_hour == 10
    with pytest.raises(DomainError) as twice:
        app.cancel_point_rules_change(SYSTEM, bank.id, 3, "again")
    assert twice.value.code == "not_found"
    with pytest.raises(DomainError) as opening:
        app.cancel_point_rules_change(SYSTEM, bank.id, 1, "the opening rules")
    assert opening.value.code == "not_found"
    monkeypatch.setattr(offices, "utc_now", lambda: start + timedelta(hours=2))
    with pytest.raises(DomainError) as in_force:
        app.cancel_point_rules_change(SYSTEM, bank.id, 4, "too late")
    assert in_force.value.code == "rules_already_in_force"
    assert app.load_office(bank.id).points_per_hour == 25
    kinds = [type(e).__name__ for e in app.events.get(bank.id)]
    assert kinds.count("PointRulesChangeCancelled") == 1


@pytest.mark.parametrize("offset", [timedelta(hours=-1), timedelta(days=400)])
def test_a_moment_in_the_past_or_beyond_a_year_is_refused_and_changes_nothing(
    offset: timedelta,
) -> None:
    app, bank = bank_with_rules()
    with pytest.raises(DomainError) as refused:
        app.change_point_rules(SYSTEM, bank.id, 20, {}, utc_now() + offset)
    assert (refused.value.code, refused.value.context.get("field")) == (
        "invalid_rules_effective_from", "effective_from")
    assert len(list(app.events.get(bank.id))) == 2


def test_a_version_1_change_loads_as_in_force_from_when_it_was_recorded() -> None:
    item = next(e for e in read_log()["events"]
                if e["topic"] == "timebank.domain.offices:Office.PointRulesChanged")
    old_state = json.loads(item["state"])
    assert "effective_from" not in old_state and "class_version" not in old_state
    stored = StoredEvent(originator_id=UUID(item["originator_id"]),
                         originator_version=item["originator_version"],
                         topic=item["topic"], state=item["state"].encode())
    changed = memory_app().mapper.to_domain_event(stored)
    assert isinstance(changed, Office.PointRulesChanged)
    assert changed.effective_from == changed.timestamp
    assert changed.points_per_hour == old_state["points_per_hour"]


def test_new_changes_store_version_2_with_their_moment() -> None:
    app, bank = bank_with_rules()
    stored = app.recorder.select_events(bank.id)[-1]
    assert stored.topic == "timebank.domain.offices:Office.PointRulesChanged"
    state = json.loads(stored.state)
    assert state["class_version"] == 2 and "effective_from" in state
