"""Bank partitions at the application layer: each bank's commands land in its own store only,
and the city rollup follows every partition's log exactly once (SQLite files and PostgreSQL
schemas/databases; see `partitioned_settings`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from projections import queries
from projections.city import CityRollup, city_rollup
from projections.runner import ProjectionRunner
from tests.helpers import District
from timebank.domain.actors import SYSTEM
from timebank.domain.errors import DomainError
from timebank.domain.offices import BANK
from timebank.domain.values import hours_text
from timebank.partitions import DIRECTORY, Partition
from timebank.runtime import Runtime, build_runtime
from timebank.settings import Settings


@pytest.fixture
def city(partitioned_settings: Settings) -> Iterator[Runtime]:
    rt = build_runtime(partitioned_settings)
    try:
        yield rt
    finally:
        rt.close()


def district_in(rt: Runtime, key: str, name: str) -> District:
    """bank → branch → savings office, the bank opened in partition `key`."""
    app = rt.partitions.banks[key].app
    d = District(app)
    d.bank = rt.partitions.open_bank(SYSTEM, name, key)
    d.branch = app.open_office(SYSTEM, f"{name}街道分行", "branch", d.bank.id)
    d.office = app.open_office(SYSTEM, f"{name}社区储蓄所", "savings_office", d.branch.id)
    d.other_branch = app.open_office(SYSTEM, f"{name}第二分行", "branch", d.bank.id)
    d.other_office = app.open_office(SYSTEM, f"{name}第二储蓄所", "savings_office",
                                     d.other_branch.id)
    d.activity = d.plan_activity(d.office, "elderly_care")
    return d


def stored_ids(partition: Partition) -> set[str]:
    """Every aggregate id in a partition's notification log."""
    recorder = partition.app.recorder
    return {str(n.originator_id) for n in recorder.select_notifications(start=1, limit=100_000)}


def test_commands_land_only_in_their_banks_store(city: Runtime) -> None:
    east, west = district_in(city, "east", "东区"), district_in(city, "west", "西区")
    east_volunteer, west_volunteer = east.volunteer(), west.volunteer()
    east.earn(east_volunteer, 120)
    west.earn(west_volunteer, 60)
    partitions = city.partitions
    east_ids = stored_ids(partitions.banks["east"])
    west_ids = stored_ids(partitions.banks["west"])
    for d, own, other in ((east, east_ids, west_ids), (west, west_ids, east_ids)):
        for aggregate in (d.bank, d.branch, d.office, d.activity, *d.volunteers):
            assert str(aggregate.id) in own
            assert str(aggregate.id) not in other
    assert east_ids.isdisjoint(west_ids)
    # Nothing of either bank reached the directory.
    assert stored_ids(partitions.directory).isdisjoint(east_ids | west_ids)
    # Routing by id finds each bank's aggregates where they are.
    assert partitions.locate(east.office.id).key == "east"
    assert partitions.locate(west_volunteer.id).key == "west"
    assert partitions.locate("00000000-0000-0000-0000-000000000000").key == DIRECTORY
    # A command given to the wrong bank's store cannot see the other bank's office.
    with pytest.raises(DomainError) as refused:
        partitions.banks["west"].app.open_office(SYSTEM, "越界", "branch", east.bank.id)
    assert refused.value.code == "invalid_parent"
    # Each bank's passbook holds its own points (its bank's point rules, its own store).
    east_passbook = partitions.banks["east"].app.load_passbook(east_volunteer.passbook_no)
    assert east_passbook.balance == 2 * partitions.banks["west"].app.load_passbook(
        west_volunteer.passbook_no).balance > 0
    with pytest.raises(DomainError):
        partitions.banks["west"].app.load_passbook(east_volunteer.passbook_no)


def test_a_bank_opens_only_in_a_configured_partition(city: Runtime) -> None:
    with pytest.raises(DomainError) as refused:
        city.partitions.open_bank(SYSTEM, "无处之行", "north")
    assert refused.value.code == "invalid_input"
    bank = city.partitions.open_bank(SYSTEM, "东区", "east")
    assert bank.kind == BANK
    assert city.partitions.locate(bank.id).key == "east"


def test_usernames_stay_unique_across_the_city(city: Runtime) -> None:
    east, west = district_in(city, "east", "东区"), district_in(city, "west", "西区")
    partitions = city.partitions
    user = east.app.create_user(SYSTEM, "coord-east", "correct-horse-1", "coordinator",
                                east.office.id)
    assert user.id in east.app.repository
    assert user.id not in west.app.repository
    assert partitions.for_username("coord-east").key == "east"
    # The same name in another bank, or for a system administrator, is taken.
    with pytest.raises(DomainError) as taken:
        west.app.create_user(SYSTEM, "coord-east", "correct-horse-1", "coordinator",
                             west.office.id)
    assert taken.value.code == "username_taken"
    with pytest.raises(DomainError) as taken_by_admin:
        partitions.directory.app.ensure_admin("coord-east", "correct-horse-1")
    assert taken_by_admin.value.code == "username_taken"
    # And the other way round: an administrator's name cannot be claimed by a bank.
    partitions.directory.app.ensure_admin("city-admin", "correct-horse-1")
    with pytest.raises(DomainError) as admin_name:
        west.app.create_user(SYSTEM, "city-admin", "correct-horse-1", "coordinator",
                             west.office.id)
    assert admin_name.value.code == "username_taken"
    assert partitions.for_username("city-admin").key == DIRECTORY
    # A login is answered by the account's own bank.
    assert partitions.for_username("coord-east").app.authenticate_user(
        "coord-east", "correct-horse-1").id == user.id


def bank_figures(rt: Runtime, key: str, bank_id: object) -> dict[str, object]:
    partition = rt.partitions.banks[key]
    ProjectionRunner(partition.app, partition.engine).catch_up()
    result = queries.rollup(partition.engine, str(bank_id), None, None)
    assert result is not None
    totals = dict(result["totals"])
    # Star levels are each bank's own (its thresholds): the city rollup does not sum them.
    totals.pop("star_volunteers")
    return totals


def as_rollup_totals(figures: dict[str, int]) -> dict[str, object]:
    return {
        "volunteers": figures["volunteers_net"],
        "approved_hours": hours_text(figures["approved_minutes"]),
        "points_earned": figures["points_earned"],
        "points_redeemed": figures["points_redeemed"],
        "points_balance": figures["points_net"],
    }


def test_city_rollup_is_the_sum_of_the_banks_rollups(city: Runtime) -> None:
    east, west = district_in(city, "east", "东区"), district_in(city, "west", "西区")
    for minutes in (60, 90, 150):
        east.earn(east.volunteer(), minutes)
    mover = west.volunteer()
    west.earn(mover, 45)
    west.earn(west.volunteer(west.other_office), 30)
    # A move between the bank's offices changes office totals, never the bank's.
    west.app.move_volunteer(SYSTEM, mover.id, west.other_office.id, "搬家")
    rollup = CityRollup(city.partitions)
    assert rollup.catch_up() > 0
    figures = city_rollup(city.engine)
    east_totals, west_totals = bank_figures(city, "east", east.bank.id), bank_figures(
        city, "west", west.bank.id)
    assert as_rollup_totals(figures["partitions"]["east"]) == east_totals
    assert as_rollup_totals(figures["partitions"]["west"]) == west_totals
    assert east_totals["volunteers"] == 3 and west_totals["volunteers"] == 2
    total = figures["total"]
    assert total["volunteers_net"] == 5
    assert total["points_earned"] == east_totals["points_earned"] + west_totals["points_earned"]
    assert total["points_net"] == east_totals["points_balance"] + west_totals["points_balance"]
    assert total["approved_minutes"] == 60 + 90 + 150 + 45 + 30
    # Exactly once, per partition: catching up again adds nothing; a rebuild replays the
    # same figures, and new events of one bank move only that bank's row.
    assert rollup.catch_up() == 0
    rollup.rebuild()
    assert city_rollup(city.engine) == figures
    east.earn(east.volunteer(), 60)
    rollup.catch_up()
    after = city_rollup(city.engine)
    assert after["partitions"]["west"] == figures["partitions"]["west"]
    assert after["partitions"]["east"]["volunteers_net"] == 4
    assert after["total"]["approved_minutes"] == total["approved_minutes"] + 60
    positions = {s.name: (s.position, s.lag) for s in rollup.status()}
    assert set(positions) == {"city:directory", "city:east", "city:west"}
    assert all(lag == 0 for _position, lag in positions.values())
    east_head = city.partitions.banks["east"].app.recorder.max_notification_id()
    assert positions["city:east"][0] == east_head


def test_without_bank_databases_there_is_only_the_directory(runtime: Runtime) -> None:
    assert runtime.partitions.banks == {}
    assert runtime.partitions.all() == [runtime.partitions.directory]
    assert runtime.partitions.directory.app is runtime.app
    d = District.build(runtime.app)
    # Everything routes to the one store, and tokens carry no partition.
    assert runtime.partitions.locate(d.office.id) is runtime.partitions.directory
    assert runtime.partitions.for_username("anyone").token_claim is None
    token = runtime.signer.issue("someone", "user", runtime.partitions.directory.token_claim)
    claims = runtime.signer.verify(token)
    assert claims is not None and claims.partition is None
