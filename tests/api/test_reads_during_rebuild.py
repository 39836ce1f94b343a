"""Reads keep answering while another runner (a rebuild, a worker) holds a projection."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from projections.tables import projection_positions
from tests.api._support import Bank


@contextmanager
def holding(engine: Engine, name: str) -> Iterator[None]:
    """Another connection takes a projection's position lock, as a runner's batch does."""
    with engine.connect() as conn, conn.begin():
        conn.execute(update(projection_positions).where(projection_positions.c.name == name)
                     .values(position=projection_positions.c.position))
        yield


def test_a_read_answers_while_another_runner_holds_a_projection(client: TestClient) -> None:
    b = Bank(client)
    engine = client.app.state.runtime.engine  # type: ignore[attr-defined]
    assert b.rollup(b.d.bank_id)["totals"]["volunteers"] == 0
    response = client.post("/api/v1/volunteers", json={
        "name": "张三", "phone": "13800138000", "office_id": b.d.office_id, "pin": "738294"},
        headers=b.admin)
    assert response.status_code == 201, response.text
    with holding(engine, "rollups"):
        # The read does not wait for the holder, nor replay for it: it answers from the
        # table as it stands, one volunteer short.
        assert b.rollup(b.d.bank_id)["totals"]["volunteers"] == 0
    # Released: the next read catches up and sees the registration, once.
    assert b.rollup(b.d.bank_id)["totals"]["volunteers"] == 1
    assert b.rollup(b.d.bank_id)["totals"]["volunteers"] == 1


def test_what_is_kept_is_not_made_from_a_projection_that_lags(client: TestClient,
                                                              store: str) -> None:
    """A certificate is recorded from the service records, and the audit verdict attests to
    the chain: while either projection is held behind the log, the answer is a clear
    503 `read_models_behind`, nothing is recorded, and a retry afterwards succeeds."""
    from tests.helpers import next_phone

    if store == "sqlite":
        pytest.skip("SQLite has one write lock per file: nothing is stored while a "
                    "projection is held, so no projection can lag behind a write there")

    b = Bank(client)
    d = b.d
    engine = client.app.state.runtime.engine  # type: ignore[attr-defined]
    phone = next_phone()
    volunteer = d.volunteer(phone=phone)
    d.earn(volunteer["id"], 90)
    me = d.volunteer_headers(phone)
    path = f"/api/v1/volunteers/{volunteer['id']}/certificates"
    period = {"from": "2026-01-01", "to": "2030-12-31"}
    with holding(engine, "service_records"):
        d.earn(volunteer["id"], 60)  # stored while the projection cannot take it
        refused = client.post(path, json=period, headers=me)
    assert refused.status_code == 503, refused.text
    error = refused.json()["error"]
    assert error["code"] == "read_models_behind"
    assert error["message_zh"] == "数据正在更新，请稍后再试。"
    issued = client.post(path, json=period, headers=me)
    assert issued.status_code == 201, issued.text
    assert issued.json()["total_hours"] == "2.50" and issued.json()["total_services"] == 2

    with holding(engine, "audit"):
        d.volunteer()
        lagging = client.get("/api/v1/audit/verify", headers=b.admin)
    assert lagging.status_code == 503 and lagging.json()["error"]["code"] == "read_models_behind"
    verified = client.get("/api/v1/audit/verify", headers=b.admin)
    assert verified.status_code == 200 and verified.json()["ok"] is True


def test_reads_during_a_rebuild_answer_as_before_it(client: TestClient, monkeypatch) -> None:
    """`timebank projections rebuild` replays the log into shadow tables and swaps them in
    at the end: reads during the replay (half of it done, all of it done) answer from the
    live tables exactly as before the rebuild, a write made meanwhile is read at once and
    survives the swap, and after the swap the answers are the same again."""
    import threading

    import projections.rebuild as rebuild_module
    from projections.runner import ProjectionRunner

    b = Bank(client)
    volunteers = [b.volunteer(name=name) for name in ("张三", "李四", "王五")]
    for volunteer in volunteers:
        b.earn(volunteer["id"], 90)
        b.pending(volunteer["id"], 30)

    def answers() -> dict[str, object]:
        return {"rollup": b.rollup(b.d.bank_id),
                "records": sorted(b.records(), key=lambda r: r["id"]),
                "passbooks": [b.passbook(v["id"]) for v in volunteers]}

    before = answers()
    runner: ProjectionRunner = client.app.state.runner  # type: ignore[attr-defined]
    monkeypatch.setattr(rebuild_module, "SHADOW_BATCH_SIZE", 5)  # a replay of many pages
    half_way, before_swap, go_on = threading.Event(), threading.Event(), threading.Event()
    apply_page, swap = ProjectionRunner._apply_page, rebuild_module.Shadow.swap
    shadow_pages = []

    def pausing_apply_page(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        applied = apply_page(self, *args, **kwargs)
        if self.engine.get_execution_options().get("schema_translate_map"):
            shadow_pages.append(applied)
            if len(shadow_pages) == 3:
                half_way.set()
                assert go_on.wait(60)
        return applied

    def pausing_swap(self, catch_up):  # type: ignore[no-untyped-def]
        before_swap.set()
        assert go_on.wait(60)
        return swap(self, catch_up)

    monkeypatch.setattr(ProjectionRunner, "_apply_page", pausing_apply_page)
    monkeypatch.setattr(rebuild_module.Shadow, "swap", pausing_swap)
    failures: list[BaseException] = []

    def rebuild() -> None:
        try:
            runner.rebuild()
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=rebuild)
    thread.start()
    try:
        assert half_way.wait(60), failures
        assert answers() == before  # the shadow is part filled; reads do not see it
        b.earn(volunteers[0]["id"], 60)  # a write while the rebuild runs
        during = answers()
        assert during["passbooks"][0]["balance_points"] == (
            before["passbooks"][0]["balance_points"] + 10)  # type: ignore[index]
        go_on.set()
        assert before_swap.wait(60), failures
        assert answers() == during  # the shadow is whole; reads still come from the live
    finally:
        go_on.set()
        thread.join(60)
    assert failures == []
    assert len(shadow_pages) > 3, "the replay ran in several pages"
    assert answers() == during  # swapped in: the same answers, the write included
    assert all(s.lag == 0 for s in runner.status())
