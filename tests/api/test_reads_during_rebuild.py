"""Reads keep answering while another runner (a rebuild, a worker) holds a projection."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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
