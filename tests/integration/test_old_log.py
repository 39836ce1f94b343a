"""A log written by commit 01a9f90 still loads and projects as that version projected it."""

from __future__ import annotations

from uuid import UUID

import pytest
from sqlalchemy import select

from projections import tables as read_tables
from projections.runner import ProjectionRunner
from tests.old_log import comparable, install_old_log, old_rows, old_tables, read_log
from timebank.runtime import Runtime

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def replayed(runtime: Runtime) -> Runtime:
    install_old_log(runtime)
    ProjectionRunner(runtime.app, runtime.engine).catch_up()
    return runtime


def test_every_old_aggregate_loads(replayed: Runtime) -> None:
    events = read_log()["events"]
    last_version: dict[str, int] = {}
    for item in events:
        last_version[item["originator_id"]] = item["originator_version"]
    for originator_id, version in last_version.items():
        aggregate = replayed.app.repository.get(UUID(originator_id))
        assert aggregate.version == version, originator_id


def test_the_log_keeps_its_positions(replayed: Runtime) -> None:
    events = read_log()["events"]
    assert replayed.app.recorder.max_notification_id() == len(events)
    stored = replayed.app.recorder.select_notifications(start=1, limit=len(events))
    assert [(n.id, n.topic) for n in stored] == [(e["id"], e["topic"]) for e in events]


@pytest.mark.parametrize("table_name", old_tables())
def test_read_models_project_as_before(replayed: Runtime, table_name: str) -> None:
    """Every row the old version projected, in every column it had, is projected again."""
    expected = old_rows(table_name)
    table = read_tables.metadata.tables.get(table_name)
    assert table is not None, f"read model {table_name} is gone"
    columns = sorted(expected[0]) if expected else [c.name for c in table.columns]
    missing = [c for c in columns if c not in table.c]
    assert not missing, f"{table_name} lost columns {missing}"
    with replayed.engine.connect() as conn:
        actual = [dict(row) for row in conn.execute(select(table)).mappings()]
    if table_name == "projection_positions":
        # New projections add their own positions; the old ones must stand where they stood.
        assert set(comparable(expected, columns)) <= set(comparable(actual, columns))
        return
    assert comparable(actual, columns) == comparable(expected, columns)


def test_offices_opened_in_version_1_load_with_the_rule_they_opened_with(
    replayed: Runtime,
) -> None:
    """Office.Opened gained `points_per_hour` in version 2; the upcaster gives the old events
    the rule version 1 applied, so the write side agrees with what that version projected."""
    old_offices = old_rows("offices")
    assert {row["kind"] for row in old_offices} == {"bank", "branch", "savings_office"}
    for row in old_offices:
        office = replayed.app.load_office(row["office_id"])
        opened = next(iter(replayed.app.events.get(office.id)))
        assert opened.points_per_hour == (10 if row["kind"] == "bank" else 0)
        # Rule changes since apply on top, on both sides.
        assert office.points_per_hour == row["points_per_hour"], row


def test_funds_of_version_1_keep_their_gifts_in_bounded_state(replayed: Runtime) -> None:
    """Fund version 1 kept every gift and lot; replayed now, each fund's balance by class is
    what its queues hold, its old gifts live on as legacy records, and the voids and purpose
    changes they allow are still decided from them."""
    from timebank.domain import lots
    from timebank.domain.actors import SYSTEM
    from timebank.domain.funds import CASH

    app = replayed.app
    donations = old_rows("donations")
    funds = {row["fund_id"] for row in donations}
    voidable = None
    for fund_id in funds:
        fund = app.load_fund(fund_id)
        for fund_class, balance in fund.cash.items():
            assert lots.held(fund.queue(CASH, fund_class)) == balance, (fund_id, fund_class)
        mine = [row for row in donations if row["fund_id"] == fund_id]
        assert set(fund.legacy_donations) == {row["donation_id"] for row in mine}
        for row in mine:
            record = fund.legacy_donations[row["donation_id"]]
            assert record["voided"] == (row["status"] == "voided")
            if voidable is None and fund.own_lot(record) is not None and not record["voided"]:
                voidable = (fund_id, row["donation_id"], row["receipt_no"])
    assert voidable is not None, "the old log has a gift still whole"
    fund_id, donation_id, receipt_no = voidable
    answer = app.void_donation(SYSTEM, fund_id, donation_id, "录入错误")
    assert answer == {"donation_id": donation_id, "status": "voided", "receipt_no": receipt_no}
    assert app.load_fund(fund_id).legacy_donations[donation_id]["voided"] is True
