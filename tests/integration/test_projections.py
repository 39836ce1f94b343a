"""Projections: live tables equal a rebuild, exactly once, and resume after a crash."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select

from projections.runner import ProjectionFailed, ProjectionRunner
from projections.tables import metadata
from tests.helpers import District
from timebank.domain.actors import SYSTEM

READ_MODEL_TABLES = [t for t in metadata.sorted_tables if t.name != "projection_positions"]


def dump(runner: ProjectionRunner) -> dict[str, list[tuple[Any, ...]]]:
    with runner.engine.connect() as conn:
        return {
            table.name: sorted(
                (tuple(row) for row in conn.execute(select(table))), key=repr
            )
            for table in READ_MODEL_TABLES
        }


def busy_district(services) -> District:
    d = District.build(services)
    alice, bob, carol = d.volunteer(), d.volunteer(name="李四"), d.volunteer(d.other_office, "王五")
    d.earn(alice, 150)
    d.earn(bob, 95)
    rejected = d.serve(carol, 30)
    services.reject_service_record(SYSTEM, rejected.id, "未到场")
    corrected = d.serve(carol, 200)
    services.approve_service_record(SYSTEM, corrected.id)
    services.correct_service_record(SYSTEM, corrected.id, "2.25", "签退时间有误")
    d.serve(alice, 45)  # stays pending
    services.transfer_points(SYSTEM, alice.passbook_no, carol.passbook_no, 7, "谢谢", None)
    services.move_volunteer(SYSTEM, bob.id, d.other_office.id, "搬家")
    services.rename_office(SYSTEM, d.office.id, "樱花社区储蓄所（新址）", "搬迁")
    services.list_catalog_item(SYSTEM, d.office.id, "SOAP", "香皂", 4, 10, "爱心企业")
    services.update_catalog_item(SYSTEM, d.office.id, "SOAP", points=5, restock=3)
    _kiosk, key = services.register_kiosk(SYSTEM, d.office.id, "1 号机")
    kiosk = services.authenticate_kiosk(key)
    made = services.redeem(kiosk, alice.passbook_no, "738294", [{"sku": "SOAP", "quantity": 2}],
                           None)
    services.redeem(kiosk, carol.passbook_no, "738294", [{"sku": "SOAP", "quantity": 1}], None)
    services.cancel_redemption(kiosk, made["redemption_id"], "退货")
    fund = services.open_fund(SYSTEM, "东湖社区基金会", "foundation", None, d.branch.id)
    services.receive_donation(SYSTEM, fund.id, 50_000, "爱心企业", "enterprise", "助老", False,
                              None)
    gone = services.receive_donation(SYSTEM, fund.id, 7_000, None, "resident", None, True, None)
    services.void_donation(SYSTEM, fund.id, gone["donation_id"], "重复")
    grant = services.propose_grant(SYSTEM, fund.id, "扶手", 30_000, "助老")
    services.decide_grant(SYSTEM, grant.id, 20, 3, 1, "纪要")
    services.disburse_grant(SYSTEM, grant.id, 12_000, None)
    return d


def test_live_tables_equal_a_rebuild(services, runner: ProjectionRunner) -> None:
    busy_district(services)
    runner.catch_up()
    live = dump(runner)
    assert len(live["passbook_entries"]) == 9
    assert [(r[2], r[5]) for r in live["catalog_items"]] == [("SOAP", 12)]
    assert sorted(r[6] for r in live["redemptions"]) == ["cancelled", "completed"]
    # Two gifts, a void, the grant's approval (a liability) and its tranche.
    assert len(live["fund_journal"]) == 2 + 2 + 2 + 2 + 2
    assert [(r[5], r[6]) for r in live["grants"]] == [("approved", 12_000)]
    assert {row[8] for row in live["service_records"]} == {"approved", "rejected", "pending"}
    runner.rebuild()
    assert dump(runner) == live
    assert all(s.lag == 0 for s in runner.status())


def test_a_single_projection_rebuilds_alone(services, runner: ProjectionRunner) -> None:
    busy_district(services)
    runner.catch_up()
    live = dump(runner)
    runner.rebuild(["rollups"])
    assert dump(runner) == live
    with pytest.raises(ValueError, match="unknown projections"):
        runner.rebuild(["nope"])


def test_a_crash_mid_batch_leaves_nothing_half_applied(services, runner: ProjectionRunner,
                                                        monkeypatch) -> None:
    busy_district(services)
    passbooks = next(p for p in runner.projections if p.name == "passbooks")
    calls = {"n": 0}
    original = type(passbooks).debited

    def crash_on_debit(self, conn, event):
        calls["n"] += 1
        raise RuntimeError("power cut")

    monkeypatch.setattr(type(passbooks), "debited", crash_on_debit)
    with pytest.raises(ProjectionFailed) as failed:
        runner.catch_up()
    assert failed.value.names == ["passbooks"] and calls["n"] == 1
    # The others carried on past the poisoned batch.
    assert {s.name: s.lag for s in runner.status()}["rollups"] == 0
    # The failed batch rolled back with its position: no passbook rows at all yet.
    positions = {s.name: s.position for s in runner.status()}
    assert positions["passbooks"] == 0
    assert dump(runner)["passbooks"] == []

    monkeypatch.setattr(type(passbooks), "debited", original)
    runner.catch_up()
    live = dump(runner)
    runner.rebuild()
    assert dump(runner) == live


def test_concurrent_runners_apply_each_event_once(services, runtime) -> None:
    busy_district(services)
    runners = [ProjectionRunner(runtime.app, runtime.engine) for _ in range(4)]
    errors: list[BaseException] = []

    def run(r: ProjectionRunner) -> None:
        try:
            for _ in range(3):
                r.catch_up()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(r,)) for r in runners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    runners[0].catch_up()
    live = dump(runners[0])
    runners[0].rebuild()
    assert dump(runners[0]) == live


def test_an_inline_catch_up_applies_a_few_batches_and_leaves_the_rest(
        services, runner: ProjectionRunner, monkeypatch) -> None:
    import projections.runner as runner_module

    busy_district(services)
    monkeypatch.setattr(runner_module, "BATCH_SIZE", 5)
    # The lock-wait budget is not what this test is about: on a loaded machine a page can
    # take longer than the default budget, and the call then stops after one page.
    monkeypatch.setattr(runner_module, "INLINE_LOCK_WAIT_MS", 60_000)
    head = runner.head()
    assert head > 10
    runner.catch_up_inline()  # at most INLINE_BATCHES (2) pages of 5 for each projection
    # Two pages, or one when the call's 250 ms budget ran out first (a loaded machine).
    assert {s.position for s in runner.status()} in ({10}, {5}, {5, 10})
    runner.catch_up()  # the follower's turn: all of it, in large pages
    assert all(s.lag == 0 for s in runner.status())
    live = dump(runner)
    runner.rebuild()
    assert dump(runner) == live


def test_an_inline_catch_up_waits_for_this_process_s_follower_and_reads_its_writes(
        services, runner: ProjectionRunner) -> None:
    """The follower (another thread) holding the runner while a person's write lands: the
    read waits for it to let go and shows the write — not the tables from before it."""
    busy_district(services)
    runner.catch_up()
    d = District.build(services)
    d.earn(d.volunteer(name="赵六"), 60)  # the person's own write, not yet projected
    held, release = threading.Event(), threading.Event()

    def follower_busy() -> None:
        with runner._lock:
            held.set()
            release.wait(timeout=30)

    holder = threading.Thread(target=follower_busy)
    holder.start()
    held.wait(timeout=30)
    # Let go once the read is waiting (a timer, not a measured duration: the outcome is
    # the same whenever it fires within the read's wait).
    threading.Timer(0.3, release.set).start()
    runner.catch_up_inline()
    holder.join()
    assert all(s.lag == 0 for s in runner.status())


def test_an_inline_catch_up_gives_way_to_a_held_projection(
        services, runner: ProjectionRunner, runtime) -> None:
    from sqlalchemy import update

    from projections.tables import projection_positions

    busy_district(services)
    runner.catch_up()
    d = District.build(services)  # more events behind every projection
    d.earn(d.volunteer(name="赵六"), 60)
    with runtime.engine.connect() as holder, holder.begin():
        holder.execute(update(projection_positions)
                       .where(projection_positions.c.name == "passbooks")
                       .values(position=projection_positions.c.position))
        runner.catch_up_inline()  # returns instead of waiting for the holder
        lag = {s.name: s.lag for s in runner.status()}
    assert lag["passbooks"] > 0
    if runtime.settings.is_postgres:  # row locks: the other projections went ahead
        assert all(v == 0 for name, v in lag.items() if name != "passbooks")
    runner.catch_up()
    assert all(s.lag == 0 for s in runner.status())
    caught_up = dump(runner)
    runner.rebuild()
    assert dump(runner) == caught_up


def test_a_projection_moved_back_since_the_look_reads_its_own_page(
        services, runner: ProjectionRunner, runtime, monkeypatch) -> None:
    """A runner that saw positions near the head shares a short page; a projection reset
    meanwhile (a rebuild elsewhere) is found behind that page under its lock and replays
    from its own position, not from the page."""
    from sqlalchemy import delete, update

    from projections.tables import projection_positions

    busy_district(services)
    runner.catch_up()
    live = dump(runner)
    head = runner.head()
    passbooks = next(p for p in runner.projections if p.name == "passbooks")
    with runtime.engine.begin() as conn:
        for table in passbooks.tables:
            conn.execute(delete(table))
        conn.execute(update(projection_positions)
                     .where(projection_positions.c.name == "passbooks").values(position=0))
    stale = {s.name: head - 3 for s in runner.status()}
    monkeypatch.setattr(runner, "_positions", lambda: stale)
    runner.catch_up()
    monkeypatch.undo()
    assert all(s.lag == 0 for s in runner.status())
    assert dump(runner) == live


def _renamed_office_page(services, runner: ProjectionRunner, runtime) -> int:
    """busy_district, projected; then an office renamed (events the passbooks projection
    does not handle), projected too. Returns the head before the rename."""
    from projections.runner import _idle

    d = busy_district(services)
    runner.catch_up()
    before = runner.head()
    services.rename_office(SYSTEM, d.office.id, "樱花社区储蓄所（二迁）", "再次搬迁")
    page = runtime.app.recorder.select_notifications(
        start=before, limit=100, inclusive_of_start=False)
    assert "passbooks" in {p.name for p in _idle(runner.projections, page)}
    assert "offices" not in {p.name for p in _idle(runner.projections, page)}
    return before


def test_projections_with_nothing_in_a_page_move_past_it_and_one_moved_back_replays(
        services, runner: ProjectionRunner, runtime, monkeypatch) -> None:
    """A page that none of a projection's events are in moves its position without a
    batch of its own; but a projection reset meanwhile (a rebuild elsewhere) to before
    the page is not moved past what it has not applied: it replays from its own position."""
    from sqlalchemy import delete, update

    from projections.tables import projection_positions

    before = _renamed_office_page(services, runner, runtime)
    runner.catch_up()
    live = dump(runner)
    passbooks = next(p for p in runner.projections if p.name == "passbooks")
    with runtime.engine.begin() as conn:
        for table in passbooks.tables:
            conn.execute(delete(table))
        conn.execute(update(projection_positions)
                     .where(projection_positions.c.name == "passbooks").values(position=0))
    # The runner's lock-free look saw every projection just before the rename.
    stale = {s.name: before for s in runner.status()}
    monkeypatch.setattr(runner, "_positions", lambda: stale)
    runner.catch_up()
    monkeypatch.undo()
    assert all(s.lag == 0 for s in runner.status())
    assert dump(runner) == live


def test_a_held_projection_with_nothing_in_the_page_holds_back_no_other(
        services, runner: ProjectionRunner, runtime) -> None:
    from sqlalchemy import update

    from projections.tables import projection_positions

    _renamed_office_page(services, runner, runtime)
    with runtime.engine.connect() as holder, holder.begin():
        holder.execute(update(projection_positions)
                       .where(projection_positions.c.name == "passbooks")
                       .values(position=projection_positions.c.position))
        runner.catch_up_inline()  # returns instead of waiting for the holder
        lag = {s.name: s.lag for s in runner.status()}
    assert lag["passbooks"] > 0
    if runtime.settings.is_postgres:  # row locks: the others went ahead, idle or not
        assert all(v == 0 for name, v in lag.items() if name != "passbooks")
    runner.catch_up()
    assert all(s.lag == 0 for s in runner.status())
    caught_up = dump(runner)
    runner.rebuild()
    assert dump(runner) == caught_up


def test_projections_followed_in_parallel_apply_each_event_once(services, runtime) -> None:
    busy_district(services)
    runners = ProjectionRunner(runtime.app, runtime.engine).split(3)
    assert sorted(p.name for r in runners for p in r.projections) == sorted(
        p.name for p in ProjectionRunner(runtime.app, runtime.engine).projections)
    errors: list[BaseException] = []

    def run(r: ProjectionRunner) -> None:
        try:
            r.catch_up()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(r,)) for r in runners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    whole = ProjectionRunner(runtime.app, runtime.engine)
    assert all(s.lag == 0 for s in whole.status())
    live = dump(whole)
    whole.rebuild()
    assert dump(whole) == live


def test_a_rebuild_swaps_in_tables_built_like_the_live_ones(services, runtime) -> None:
    """The rebuilt tables replace the live ones (new tables, not emptied ones) with the
    same columns, constraints and indexes — those a migration made beyond the code's table
    definitions too — and no shadow is left behind."""
    if not runtime.settings.is_postgres:
        pytest.skip("SQLite copies the rebuilt rows into the live tables, which stay")
    from sqlalchemy import text

    def layout() -> tuple[set[Any], set[Any]]:
        with runtime.engine.connect() as conn:
            tables = set(conn.execute(text(
                "SELECT c.relname, c.oid FROM pg_class c JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE n.nspname = current_schema() "
                "AND c.relkind = 'r'")))
            indexes = set(conn.execute(text(
                "SELECT tablename, indexname, regexp_replace(indexdef, ' ON \\S+ ', ' ON ') "
                "FROM pg_indexes WHERE schemaname = current_schema()")))
            return tables, indexes

    busy_district(services)
    runner = ProjectionRunner(services, runtime.engine)
    runner.catch_up()
    live = dump(runner)
    tables, indexes = layout()
    assert ("offices", "ix_offices_path_pattern") in {i[:2] for i in indexes}
    runner.rebuild(["offices", "passbooks"])
    rebuilt_tables, rebuilt_indexes = layout()
    assert rebuilt_indexes == indexes
    replaced = {name for name, oid in tables} - {name for name, oid in rebuilt_tables & tables}
    assert replaced == {"offices", "volunteers", "passbooks", "passbook_entries"}
    assert dump(runner) == live
    with runtime.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM pg_namespace WHERE nspname = "
                                 "current_schema() || '_rebuild'")).scalar_one() == 0


@pytest.mark.parametrize("kept", [1_000_000, 3])
def test_a_rebuild_page_by_page_in_processes_equals_the_live_tables(
        services, runner: ProjectionRunner, monkeypatch: pytest.MonkeyPatch, kept: int) -> None:
    """The replay's children read the log a few events a page (the next page read ahead
    while one is applied) and keep the rows they wrote between pages — all of them, or
    so few that they are forgotten every page and read again: the same tables either way
    (on SQLite the replay runs in this process)."""
    import projections.rebuild as rebuild_module

    busy_district(services)
    runner.catch_up()
    live = dump(runner)
    monkeypatch.setattr(rebuild_module, "SHADOW_BATCH_SIZE", 4)
    monkeypatch.setattr(rebuild_module, "KEEP_ROWS", kept)
    runner.rebuild(processes=2)
    assert dump(runner) == live
    assert all(s.lag == 0 for s in runner.status())
