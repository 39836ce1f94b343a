"""The read gate's scopes as query filters (projections/scoping.py), on both stores."""

from __future__ import annotations

import uuid

import pytest

from projections import audit_queries, queries
from projections.runner import ProjectionRunner
from projections.scoping import scoped_office_ids
from tests.helpers import District
from timebank.application.authz import AUDIT_TRAIL, OPERATIONS, SERVICE_RECORDS
from timebank.domain.actors import SYSTEM, Actor
from timebank.domain.errors import DomainError
from timebank.domain.offices import Office
from timebank.domain.reading import ReadScope


def test_each_scope_lets_through_exactly_its_rows(services, runner: ProjectionRunner) -> None:
    d = District.build(services)
    east, west = d.volunteer(), d.volunteer(d.other_office, "王五")
    west_activity = d.plan_activity(d.other_office, "elderly_care")
    east_record = d.serve(east, 60)
    west_record = d.serve(west, 90, west_activity)
    runner.catch_up()

    def record_ids(scope: ReadScope) -> set[str]:
        return {row["id"] for row in queries.list_service_records(runner.engine, scope)}

    assert record_ids(ReadScope.everything()) == {str(east_record.id), str(west_record.id)}
    assert record_ids(ReadScope.subtree(d.bank)) == {str(east_record.id), str(west_record.id)}
    assert record_ids(ReadScope.subtree(d.branch)) == {str(east_record.id)}
    assert record_ids(ReadScope.subtree(d.other_office)) == {str(west_record.id)}
    assert record_ids(ReadScope.own(str(west.id))) == {str(west_record.id)}
    assert record_ids(ReadScope.own(str(uuid.uuid4()))) == set()

    assert {a["id"] for a in queries.activities_of_offices(
        runner.engine, ReadScope.subtree(d.other_branch))} == {str(west_activity.id)}
    assert [o["id"] for o in queries.open_savings_offices(
        runner.engine, ReadScope.subtree(d.branch))] == [str(d.office.id)]
    assert set(scoped_office_ids(runner.engine, ReadScope.subtree(d.branch)) or []) == {
        str(d.branch.id), str(d.office.id)}
    assert scoped_office_ids(runner.engine, ReadScope.everything()) is None


def test_an_office_the_read_models_do_not_know_yet_matches_nothing(
    services, runner: ProjectionRunner
) -> None:
    d = District.build(services)
    d.serve(d.volunteer(), 60)
    runner.catch_up()
    # Opened but not yet projected: its subtree is empty, not everything and not an error.
    unseen = Office.open("新开储蓄所", "savings_office", d.branch, SYSTEM.record())
    assert queries.list_service_records(runner.engine, ReadScope.subtree(unseen)) == []
    assert audit_queries.audit_trail(runner.engine, ReadScope.subtree(unseen)) == []


def test_the_one_refusal_is_an_own_scope_over_things_that_belong_to_no_one(
    services, runner: ProjectionRunner
) -> None:
    District.build(services)
    runner.catch_up()
    for read in (lambda s: scoped_office_ids(runner.engine, s),
                 lambda s: queries.activities_of_offices(runner.engine, s),
                 lambda s: audit_queries.audit_trail(runner.engine, s)):
        with pytest.raises(DomainError) as refused:
            read(ReadScope.own(str(uuid.uuid4())))
        assert refused.value.code == "forbidden"


def test_the_services_choose_the_actors_own_office_by_default(
    services, runner: ProjectionRunner
) -> None:
    d = District.build(services)
    coordinator = Actor(kind="user", id="c", role="coordinator", office_id=d.office.id)
    auditor = Actor(kind="user", id="a", role="auditor", office_id=d.branch.id)
    assert services.read_scope(coordinator, OPERATIONS) == ReadScope.subtree(d.office)
    assert services.read_scope(auditor, AUDIT_TRAIL) == ReadScope.subtree(d.branch)
    assert services.read_scope(auditor, SERVICE_RECORDS, d.office.id) == ReadScope.subtree(
        d.office)
    with pytest.raises(DomainError) as refused:
        services.read_scope(auditor, SERVICE_RECORDS, d.other_office.id)
    assert refused.value.code == "forbidden"
    with pytest.raises(DomainError) as unknown:
        services.read_scope(auditor, SERVICE_RECORDS, str(uuid.uuid4()))
    assert unknown.value.code == "not_found"
    volunteer = d.volunteer()
    as_volunteer = Actor(kind="volunteer", id=str(volunteer.id), office_id=d.office.id)
    # A volunteer asking for an office still gets only their own.
    assert services.read_scope(as_volunteer, SERVICE_RECORDS, d.other_office.id) == (
        ReadScope.own(str(volunteer.id)))
