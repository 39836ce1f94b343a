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
        "name": "张三", "phone": "13800138000", "office_id": b.d.office_id, "pin": "123456"},
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
