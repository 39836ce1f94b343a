"""The application on SQLite and PostgreSQL: what is stored, how points are computed, snapshots."""

from __future__ import annotations

from decimal import Decimal

import pytest

from projections.runner import ProjectionRunner
from tests.helpers import District, forget_cached
from timebank.domain.actors import SYSTEM
from timebank.domain.errors import DomainError
from timebank.domain.volunteers import Passbook
from timebank.runtime import Runtime, build_runtime
from timebank.security.personal_data import ERASED


def stored_states(app) -> list[bytes]:
    return [n.state for n in app.recorder.select_notifications(start=None, limit=100_000)]


def test_personal_data_is_encrypted_in_the_event_store(services) -> None:
    d = District.build(services)
    volunteer = services.register_volunteer(
        SYSTEM, "欧阳娜娜", "13912345678", "11010519491231002X", d.office.id, "246810"
    )
    states = b"\n".join(stored_states(services))
    for secret in ("欧阳娜娜".encode(), b"13912345678", b"11010519491231002X", b"246810"):
        assert secret not in states
    person = services.personal_data(services.load_volunteer(volunteer.id))
    assert (person.name, person.phone, person.id_number) == (
        "欧阳娜娜", "13912345678", "11010519491231002X"
    )
    assert person.name_masked == "欧**娜"


def test_destroying_the_key_erases_the_person_but_not_the_points(services) -> None:
    d = District.build(services)
    volunteer = d.volunteer(name="王五")
    d.earn(volunteer, 60)
    assert services.vault.destroy_key(volunteer.id)
    person = services.personal_data(services.load_volunteer(volunteer.id))
    assert person.name == ERASED and person.phone == ERASED
    assert services.load_passbook(volunteer.passbook_no).balance == 10


def test_rule_changes_apply_to_later_approvals_only(services) -> None:
    d = District.build(services)
    volunteer = d.volunteer()
    first = d.serve(volunteer, 120)
    assert services.approve_service_record(SYSTEM, first.id)["points"] == 20
    pending = d.serve(volunteer, 60)

    services.change_point_rules(SYSTEM, d.bank.id, 12, {"elderly_care": "1.5"})
    # Pending when the rules changed, approved after: the new rules apply.
    assert services.approve_service_record(SYSTEM, pending.id)["points"] == 18
    # The earlier approval keeps its points, and a correction of it keeps its original rate.
    corrected = services.correct_service_record(SYSTEM, first.id, "2.5", "记录有误")
    assert corrected["points"] == 25 and corrected["points_delta"] == 5
    assert services.load_passbook(volunteer.passbook_no).balance == 20 + 18 + 5
    # A correction cannot exceed the activity's length plus grace (2 h + 30 min here).
    with pytest.raises(DomainError) as too_long:
        services.correct_service_record(SYSTEM, first.id, "2.6", "记录有误")
    assert too_long.value.code == "invalid_hours"


def test_category_multiplier_and_rounding(services) -> None:
    d = District.build(services)
    services.change_point_rules(SYSTEM, d.bank.id, 7, {"elderly_care": Decimal("1.25")})
    volunteer = d.volunteer()
    # 100 minutes * 7 / 60 * 1.25 = 14.583 -> 15 (half up)
    assert d.earn(volunteer, 100)["points"] == 15
    other = d.plan_activity(d.office, "environment")
    assert d.earn(volunteer, 100, other)["points"] == 12  # 11.67 -> 12, no multiplier


def test_correction_cannot_take_back_points_already_spent(services) -> None:
    d = District.build(services)
    giver, receiver = d.volunteer(), d.volunteer(name="李四")
    record = d.serve(giver, 120)
    services.approve_service_record(SYSTEM, record.id)
    services.transfer_points(SYSTEM, giver.passbook_no, receiver.passbook_no, 15, "", None)
    with pytest.raises(DomainError) as refused:
        services.correct_service_record(SYSTEM, record.id, "0.5", "多记了")
    assert refused.value.code == "insufficient_points"
    assert services.load_service_record(record.id).minutes == 120
    assert services.load_passbook(giver.passbook_no).balance == 5


def test_long_passbooks_are_snapshotted_and_reload_exactly(settings) -> None:
    runtime: Runtime = build_runtime(settings.model_copy(update={"passbook_snapshot_interval": 5}))
    try:
        app = runtime.app
        d = District.build(app)
        giver, receiver = d.volunteer(), d.volunteer(name="李四")
        d.earn(giver, 600)  # 100 points
        for _ in range(23):
            app.transfer_points(SYSTEM, giver.passbook_no, receiver.passbook_no, 3, "", None)
        snapshots = list(app.snapshots.get(giver.passbook_id))
        assert [s.originator_version for s in snapshots] == [5, 10, 15, 20, 25]
        forget_cached(app)
        reloaded = app.repository.get(giver.passbook_id)
        assert isinstance(reloaded, Passbook)
        assert reloaded.balance == 100 - 69 and reloaded.version == 25
    finally:
        runtime.close()


def test_moving_a_volunteer_moves_their_balance_in_the_rollup(
    services, runner: ProjectionRunner
) -> None:
    from projections import queries

    d = District.build(services)
    volunteer = d.volunteer()
    d.earn(volunteer, 120)
    services.move_volunteer(SYSTEM, volunteer.id, d.other_office.id, "搬家")
    runner.catch_up()
    tree = queries.rollup(runner.engine, str(d.bank.id), None, None)
    by_office = {
        child["office_id"]: child["totals"]
        for branch in tree["children"]
        for child in branch["children"]
    }
    assert by_office[str(d.office.id)]["points_balance"] == 0
    assert by_office[str(d.office.id)]["volunteers"] == 0
    assert by_office[str(d.other_office.id)]["points_balance"] == 20
    assert by_office[str(d.other_office.id)]["volunteers"] == 1
    # Earned stays where it was earned: the flow happened while the volunteer belonged there.
    assert by_office[str(d.office.id)]["points_earned"] == 20
    assert tree["totals"]["points_balance"] == 20


def test_one_record_per_volunteer_and_activity_inside_its_window(services) -> None:
    from datetime import timedelta

    d = District.build(services)
    volunteer = d.volunteer()
    start = d.activity.starts_at
    services.enter_service_record(SYSTEM, volunteer.id, d.activity.id, start,
                                  start + timedelta(hours=2), "")
    for attempt in (start, start + timedelta(hours=2)):
        with pytest.raises(DomainError) as again:
            services.enter_service_record(SYSTEM, volunteer.id, d.activity.id, attempt,
                                          attempt + timedelta(hours=1), "")
        assert again.value.code == "already_recorded"
    other = d.volunteer(name="李四")
    with pytest.raises(DomainError) as outside:
        services.enter_service_record(SYSTEM, other.id, d.activity.id,
                                      start - timedelta(hours=2), start, "")
    assert outside.value.code == "outside_window"


def test_a_manual_entry_with_a_key_answers_a_resubmission_with_its_record(services) -> None:
    from datetime import timedelta

    d = District.build(services)
    volunteer = d.volunteer()
    start = d.activity.starts_at
    body = {"activity": str(d.activity.id), "minutes": 90}
    idem = services.idempotency("user:coord:service-record-entry", "form-1", body)
    first = services.enter_service_record(SYSTEM, volunteer.id, d.activity.id, start,
                                          start + timedelta(minutes=90), "", idem)
    stored = len(stored_states(services))
    again = services.enter_service_record(SYSTEM, volunteer.id, d.activity.id, start,
                                          start + timedelta(minutes=90), "", idem)
    assert again.id == first.id and again.minutes == 90
    assert len(stored_states(services)) == stored  # nothing more was recorded
    changed = services.idempotency("user:coord:service-record-entry", "form-1",
                                   {**body, "minutes": 60})
    with pytest.raises(DomainError) as reused:
        services.enter_service_record(SYSTEM, volunteer.id, d.activity.id, start,
                                      start + timedelta(minutes=60), "", changed)
    assert reused.value.code == "idempotency_key_reused"


def test_transfers_stay_with_the_owner_and_within_one_bank(services) -> None:
    d = District.build(services)
    giver, receiver = d.volunteer(), d.volunteer(name="李四")
    d.earn(giver, 120)
    coordinator = services.create_user(SYSTEM, "coord-x", "password-123", "coordinator",
                                       d.office.id)
    staff = services.actor_for_user(coordinator.id)
    with pytest.raises(DomainError) as not_owner:
        services.transfer_points(staff, giver.passbook_no, receiver.passbook_no, 5, "", None)
    assert not_owner.value.code == "forbidden"
    other_bank = services.open_office(SYSTEM, "另一区公益银行", "bank", None)
    branch = services.open_office(SYSTEM, "分行", "branch", other_bank.id)
    office = services.open_office(SYSTEM, "储蓄所", "savings_office", branch.id)
    stranger = d.volunteer(office, "王五")
    owner = services.actor_for_volunteer(giver.id)
    with pytest.raises(DomainError) as foreign:
        services.transfer_points(owner, giver.passbook_no, stranger.passbook_no, 5, "", None)
    assert foreign.value.code == "office_mismatch"
    assert services.load_passbook(giver.passbook_no).balance == 20


def test_accounts_logged_into_every_day_are_snapshotted_and_reload_exactly(settings) -> None:
    """Every login is an event on the account, so accounts live as long as passbooks."""
    from timebank.domain.users import User
    from timebank.domain.volunteers import Volunteer

    runtime: Runtime = build_runtime(settings.model_copy(update={"passbook_snapshot_interval": 5}))
    try:
        app = runtime.app
        d = District.build(app)
        volunteer = d.volunteer()
        user = app.create_user(SYSTEM, "snapshot_clerk", "correct horse battery", "coordinator",
                               d.office.id)
        for day in range(12):
            app.open_session("volunteer", volunteer.id, f"198.51.100.{day}", "phone")
            app.open_session("user", user.id, "203.0.113.9", "desktop")
        for account_id in (volunteer.id, user.id):
            versions = [s.originator_version for s in app.snapshots.get(account_id)]
            assert versions and all(v % 5 == 0 for v in versions)
        sessions_before = app.load_volunteer(volunteer.id).sessions
        forget_cached(app)
        reloaded = app.repository.get(volunteer.id)
        assert isinstance(reloaded, Volunteer)
        assert reloaded.sessions == sessions_before and len(reloaded.sessions) == 10
        assert reloaded.passbook_no == volunteer.passbook_no
        staff = app.repository.get(user.id)
        assert isinstance(staff, User) and staff.role == "coordinator" and staff.active
        # Still a working account after the reload from a snapshot.
        assert app.authenticate_volunteer(app.personal_data(reloaded).phone, "738294").id \
            == volunteer.id
    finally:
        runtime.close()
