"""The demo district that `scripts/serve --demo` creates: a living system, seeded once."""

from __future__ import annotations

from pathlib import Path

from projections import fund_queries, kiosk_queries, page_queries, queries
from projections.runner import ProjectionRunner
from tests.conftest import make_sqlite_settings
from timebank.demo import seed_demo
from timebank.domain.reading import ReadScope
from timebank.domain.values import utc_now
from timebank.runtime import build_runtime


def test_demo_district_is_alive_and_seeded_only_into_an_empty_database(tmp_path: Path) -> None:
    runtime = build_runtime(make_sqlite_settings(tmp_path))
    try:
        summary = seed_demo(runtime.app)
        assert summary is not None and any("admin" in line for line in summary)
        runner = ProjectionRunner(runtime.app, runtime.engine)
        runner.catch_up()
        funds = fund_queries.funds_of_offices(runtime.engine, None)
        assert len(funds) == 1
        statement = fund_queries.statement(runtime.engine, funds[0]["id"], None)
        assert statement["donations_fen"] > 7_000_000 and statement["disbursed_fen"] == 800_000
        bank_id = funds[0]["office_id"]
        tree = queries.rollup(runtime.engine, bank_id, None, None)
        assert tree["totals"]["volunteers"] == 24
        assert tree["totals"]["points_earned"] > 0
        assert len(tree["children"]) == 2
        # A kiosk with goods: its key, printed once, works at once.
        key = next(line for line in summary if line.startswith("kiosk of")).rsplit(" ", 1)[1]
        kiosk = runtime.app.authenticate_kiosk(key)
        goods = kiosk_queries.catalog(runtime.engine, str(kiosk.office_id))
        assert {item["sku"] for item in goods} >= {"RICE-5KG", "SOAP"}
        assert all(item["stock"] > 0 for item in goods)
        # Each savings office has an activity under way: today's page and its live codes.
        now = utc_now()
        under_way = page_queries.activities_between(runtime.engine, ReadScope.everything(),
                                                    now, now)
        assert len(under_way) == 4 and {a["title"] for a in under_way} == {"社区义诊引导"}
        assert seed_demo(runtime.app) is None  # never seeds a database already in use
        assert runtime.app.authenticate_user("admin", "admin-demo-2026").role == "admin"
    finally:
        runtime.close()
