"""Round trips to PostgreSQL per command, counted on the wire, and what they rest on.

Every hot command reads what it needs in one statement (timebank/application/repository.py)
and saves in one (timebank/infrastructure/recorders.py). Counted through a loopback proxy
(benchmarks/roundtrips.py), with the caller's authentication included, as a request makes
it: a scan at most 3 (issue 18 asks 4: the command checks the bearer's account with its own
reads), an approval at most 5, a redemption at most 6. The one-trip
save keeps the library's guarantees: a stale version is refused and nothing of the save is
stored, and the event table is locked from before a notification id is drawn until the
commit, so readers never pass over an id that commits later. Cached aggregates are never
changed in place, on both stores.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest
from eventsourcing.persistence import RecordConflictError

from benchmarks.roundtrips import RoundTripProxy
from tests.conftest import PG_URL, TEST_SECRET
from tests.helpers import District
from timebank.application.repository import unit_of_work
from timebank.domain.actors import SYSTEM, Actor
from timebank.domain.offices import Office
from timebank.domain.service import AUTO_ON_CHECKOUT
from timebank.runtime import Runtime, build_runtime
from timebank.settings import Settings

MOST = {"scan": 3, "approval": 5, "redemption": 6}


@pytest.fixture
def counted(tmp_path: Path, pg_schema: str) -> Iterator[tuple[Runtime, RoundTripProxy]]:
    with RoundTripProxy(PG_URL) as proxy:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            var_dir=tmp_path, database_url=proxy.url, database_schema=pg_schema,
            secret_key=TEST_SECRET,
        )
        runtime = build_runtime(settings)
        try:
            yield runtime, proxy
        finally:
            runtime.close()


@pytest.mark.postgres
def test_round_trips_per_scan_approval_and_redemption(counted) -> None:
    runtime, proxy = counted
    app = runtime.app
    d = District.build(app)
    first, second, third = d.volunteer(), d.volunteer(), d.volunteer()
    auto = app.plan_activity(SYSTEM, d.office.id, "自动核准", "general", d.activity.starts_at,
                             d.activity.ends_at, "活动室", approval_policy=AUTO_ON_CHECKOUT)
    during = d.activity.starts_at + timedelta(minutes=30)

    def scan(volunteer, activity, action: str) -> dict:
        token = app.scan_token(SYSTEM, activity.id, action)
        at = during if action == "check_in" else during + timedelta(hours=1)
        with proxy.counting() as trips:
            # As a request makes it: the bearer token names the volunteer, and the command
            # checks the account with its own reads.
            holder = Actor(kind="volunteer", id=str(volunteer.id))
            answer = app.scan(holder, token, now=at, generation=volunteer.token_generation)
        assert answer["action"] == action
        return {"trips": trips[0], **answer}

    # One volunteer warms the process (offices, activities); others scan for the first time.
    scan(first, d.activity, "check_in")
    scan(first, d.activity, "check_out")
    check_in = scan(second, auto, "check_in")
    check_out = scan(second, auto, "check_out")  # approved into the passbook at once
    assert check_out["status"] == "approved" and check_out["points"] > 0
    assert check_in["trips"] <= MOST["scan"], check_in
    assert check_out["trips"] <= MOST["scan"], check_out

    admin, _ = app.ensure_admin("root-admin", "root-admin-password")
    records = [d.serve(third, 60) for _ in range(2)]
    app.approve_service_record(app.actor_for_user(admin.id), records[0].id)
    with proxy.counting() as approval:
        actor = app.actor_for_user(admin.id)
        body = app.approve_service_record(
            actor, records[1].id, app.idempotency(f"user:{admin.id}:approve", "k1", {}))
    assert body["status"] == "approved"
    assert approval[0] <= MOST["approval"]

    app.list_catalog_item(SYSTEM, d.office.id, "SOAP", "香皂", 1, 100)
    _kiosk, key = app.register_kiosk(SYSTEM, d.office.id, "1 号机")

    def redeem(number: int) -> int:
        with proxy.counting() as trips:
            kiosk = app.authenticate_kiosk(key)
            app.redeem(kiosk, third.passbook_no, "738294", [{"sku": "SOAP", "quantity": 1}],
                       app.idempotency(f"kiosk:{kiosk.id}:redeem", f"r{number}", {}))
        return trips[0]

    redeem(1)  # its first use also records when the key was last used (once a minute)
    assert redeem(2) <= MOST["redemption"]
    print(f"round trips: check-in {check_in['trips']}, check-out with approval "
          f"{check_out['trips']}, approval {approval[0]}, redemption {redeem(3)}")


@pytest.mark.postgres
def test_a_one_trip_save_of_a_stale_version_stores_nothing(postgres_settings) -> None:
    runtime = build_runtime(postgres_settings)
    try:
        app = runtime.app
        d = District.build(app)
        head = app.recorder.max_notification_id()
        stale = app.load_office(d.office.id)
        stale.rename("旧名", SYSTEM.record(), "")
        other = Office.open(name="新储蓄所", kind="savings_office", parent=d.branch,
                            actor=SYSTEM.record())
        app.rename_office(SYSTEM, d.office.id, "另一个名字", "")  # moves the office on
        with pytest.raises(RecordConflictError):
            app.save(other, stale)  # one save: a new aggregate and a stale one
        assert app.recorder.max_notification_id() == head + 1  # only the rename
        with pytest.raises(Exception, match="not found"):
            app.load_office(other.id)
    finally:
        runtime.close()


@pytest.mark.postgres
def test_a_one_trip_save_waits_for_the_event_table_lock(postgres_settings) -> None:
    """A save draws its notification ids only once no other insert holds the table: then
    ids commit in order, and a reader that saw id n never finds n - 1 committed later."""
    runtime = build_runtime(postgres_settings)
    try:
        app = runtime.app
        d = District.build(app)
        table = app.recorder.events_table_name
        done = threading.Event()
        with psycopg.connect(PG_URL, options=f"-csearch_path={postgres_settings.database_schema}"
                             ) as holder:
            holder.execute(f'LOCK TABLE "{table}" IN EXCLUSIVE MODE')  # as an insert does
            worker = threading.Thread(
                target=lambda: (app.rename_office(SYSTEM, d.office.id, "改名", ""), done.set()))
            worker.start()
            time.sleep(0.5)
            assert not done.is_set(), "the save did not wait for the table lock"
            holder.rollback()
        worker.join(timeout=20)
        assert done.is_set()
    finally:
        runtime.close()


def test_cached_aggregates_are_never_changed_in_place(settings) -> None:
    """Two processes on one store: the second's reader keeps the object it read, and the
    next read brings a new one up to date; a command's load is its own copy."""
    one, two = build_runtime(settings), build_runtime(settings)
    try:
        d = District.build(one.app)
        seen = two.app.view_office(d.office.id)
        version = seen.version
        one.app.rename_office(SYSTEM, d.office.id, "新名字", "")
        fresh = two.app.view_office(d.office.id)
        assert (seen.version, fresh.version) == (version, version + 1)
        assert fresh.name == "新名字" and seen.name != "新名字"
        assert two.app.view_office(d.office.id) is fresh  # read-only: no copy
        assert two.app.load_office(d.office.id) is not fresh  # a command's own copy
        with unit_of_work():
            # Inside a unit of work, an id read once is not read again.
            first = two.app.view_office(d.office.id)
            one.app.rename_office(SYSTEM, d.office.id, "第三个名字", "")
            assert two.app.view_office(d.office.id) is first
        assert two.app.view_office(d.office.id).name == "第三个名字"
        # What a process saved is cached at the version it stored.
        renamed = one.app.rename_office(SYSTEM, d.office.id, "第四个名字", "")
        assert one.app.repository.peek(d.office.id) is renamed
        assert uuid4() not in one.app.repository
    finally:
        one.close()
        two.close()
