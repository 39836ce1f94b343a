"""The growth benchmark's bulk seeder writes a log the application reads as any other."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from benchmarks.growth import Seeder
from projections.runner import ProjectionRunner
from tests.conftest import PG_URL, make_postgres_settings
from timebank.runtime import Runtime, build_runtime

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_runtime(tmp_path: Path, pg_schema: str) -> Iterator[Runtime]:
    rt = build_runtime(make_postgres_settings(tmp_path, pg_schema, passbook_snapshot_interval=10))
    try:
        yield rt
    finally:
        rt.close()


def test_a_bulk_seeded_log_is_gap_free_loads_and_projects(pg_runtime: Runtime) -> None:
    app = pg_runtime.app
    seeder = Seeder(app, PG_URL)
    try:
        head = seeder.grow_to(3_000)
    finally:
        seeder.close()
    table = app.recorder.events_table_name
    with pg_runtime.engine.connect() as conn:
        ids = conn.execute(text(f'SELECT min(notification_id), max(notification_id), count(*) '
                                f'FROM "{table}"')).one()
        snapshots = conn.execute(text(
            f'SELECT count(*) FROM "{app.snapshots.recorder.events_table_name}"')).scalar_one()
    assert head >= 3_000
    assert tuple(ids) == (1, head, head)  # notification ids 1..head, no gap
    assert snapshots > 0  # the long-lived passbook passed its snapshot interval

    # The hot passbook loads from its snapshot and events as the seeder holds it.
    assert seeder.hot is not None
    loaded = app.repository.get(seeder.hot.id)
    assert (loaded.version, loaded.balance) == (seeder.hot.version, seeder.hot.balance)

    # Every projection reads the whole log, and the totals agree with the aggregates.
    runner = ProjectionRunner(app, pg_runtime.engine)
    runner.catch_up()
    assert all(s.lag == 0 for s in runner.status())
    volunteers = sum(len(p["volunteers"]) for p in seeder.offices)
    with pg_runtime.engine.connect() as conn:
        members = conn.execute(text("SELECT count(*), sum(balance) FROM rollup_members")).one()
    balances = sum(passbook.balance for p in seeder.offices for _, passbook in p["volunteers"])
    assert tuple(members) == (volunteers, balances)
