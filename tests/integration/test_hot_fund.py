"""One hot aggregate under load: hundreds of concurrent donations into one fund, through the
real HTTP server on PostgreSQL (issue 17, item 3).

Before, 400 donations from 12 threads gave dozens of 500s (a cached fund copied while
another thread fast-forwarded it) and conflicts once retries ran out. Every answer must be
201 or a documented 4xx; the receipts have no gaps; the books balance.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from threading import Barrier

import httpx
import psycopg
import pytest

from tests.conftest import PG_URL, make_postgres_settings, require_postgres
from tests.helpers import ADMIN, District
from tests.live_server import LiveServer
from timebank.domain.values import SHANGHAI

pytestmark = pytest.mark.postgres

THREADS = 12
DONATIONS = 300


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        with LiveServer(lambda url: make_postgres_settings(tmp_path, schema,
                                                           public_base_url=url)) as live:
            yield live
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def test_hundreds_of_concurrent_donations_into_one_fund(server: LiveServer) -> None:
    app = server.services
    district = District.build(app)
    app.ensure_admin(*ADMIN)
    http = httpx.Client(base_url=server.url, timeout=120)
    token = http.post("/api/v1/auth/token",
                      data={"username": ADMIN[0], "password": ADMIN[1]}).json()["access_token"]
    admin = {"Authorization": f"Bearer {token}"}
    created = http.post("/api/v1/funds", headers=admin, json={
        "name": "东湖社区基金会", "kind": "foundation", "host_fund_id": None,
        "office_id": str(district.branch.id)})
    assert created.status_code == 201, created.text
    fund_id = created.json()["id"]
    start = Barrier(THREADS)

    def donate(worker: int) -> list[tuple[int, dict]]:
        answers = []
        with httpx.Client(base_url=server.url, timeout=120) as client:
            start.wait()
            for n in range(worker, DONATIONS, THREADS):
                response = client.post(
                    f"/api/v1/funds/{fund_id}/donations",
                    headers={**admin, "Idempotency-Key": f"gift-{n}"},
                    json={"amount_fen": 100 + n, "donor_name": None, "donor_type": "resident",
                          "restricted_purpose": "助老" if n % 3 == 0 else None,
                          "anonymous": True})
                answers.append((response.status_code, response.json()))
        return answers

    with ThreadPoolExecutor(THREADS) as pool:
        answers = [a for batch in pool.map(donate, range(THREADS)) for a in batch]

    statuses = Counter(status for status, _body in answers)
    assert statuses == {201: DONATIONS}, [body for status, body in answers if status != 201][:5]
    year = datetime.now(SHANGHAI).year
    receipts = sorted(body["receipt_no"] for _status, body in answers)
    assert receipts == [f"{year}-{n:06d}" for n in range(1, DONATIONS + 1)]

    # The books: the fund holds every fen, by class, and debits equal credits.
    fund = app.load_fund(fund_id)
    total = sum(100 + n for n in range(DONATIONS))
    assert fund.balance == total
    assert fund.cash["restricted:助老"] == sum(100 + n for n in range(0, DONATIONS, 3))
    statement = http.get(f"/api/v1/funds/{fund_id}/statement", headers=admin).json()
    assert statement["balance_fen"] == statement["donations_fen"] == total
    trial = http.get("/api/v1/reports/trial-balance", headers=admin,
                     params={"fund_id": fund_id}).json()
    assert trial["total_debit_fen"] == trial["total_credit_fen"] == total
    # Bounded state: the fund keeps no record per gift.
    assert fund.legacy_donations == {}
    assert all(not q["holes"] for by_class in fund.queues.values() for q in by_class.values())
