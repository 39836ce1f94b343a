"""Inter-bank transfers of hours (通存通兑) per second, beside same-bank transfers (转赠).

    python -m benchmarks.interbank [--transfers 200] [--output docs/benchmarks.md]

Two banks in two partitions (two fresh databases on the benchmark's PostgreSQL server) and
the directory in a fresh schema. Measured, serially, in one run:
- same-bank: `transfer_points` (both passbooks in one save, one transaction);
- inter-bank, whole: request (reserve in A) then the driver's steps (decide in B, post in A):
  three transactions in two databases per transfer;
- inter-bank, request only (what the caller waits for before its 202), and the driver's pass
  over the requests made (steps 2 and 3 together).
Replaces the "Inter-bank transfers" section of the output file (or appends it). Not a test:
nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from api.background import pending_interbank_transfers
from benchmarks.run import DEFAULT_URL, rate
from timebank.domain.actors import SYSTEM
from timebank.interbank import CityTransfers
from timebank.runtime import build_runtime
from timebank.settings import Settings

HEADING = "## Inter-bank transfers (通存通兑) beside same-bank transfers"


def _bank(runtime: Any, key: str, people: int) -> tuple[Any, list[Any]]:
    app = runtime.partitions.banks[key].app
    bank = runtime.partitions.open_bank(SYSTEM, f"{key} bank", key)
    app.change_time_bank_rules(SYSTEM, bank.id, {"payers": {"general": "minted"},
                                                 "points_too": ["general"]})
    branch = app.open_office(SYSTEM, "街道", "branch", bank.id)
    office = app.open_office(SYSTEM, "储蓄所", "savings_office", branch.id)
    start = datetime(2026, 11, 1, 1, tzinfo=UTC)
    volunteers = []
    for i in range(people):
        volunteer = app.register_volunteer(SYSTEM, "志愿者", f"139{i:04d}{key == 'east':d}000",
                                           None, office.id, "738294")
        activity = app.plan_activity(SYSTEM, office.id, "活动", "general", start,
                                     start.replace(hour=9), "活动室")
        record = app.enter_service_record(SYSTEM, volunteer.id, activity.id, start,
                                          start.replace(hour=9), "")
        app.approve_service_record(SYSTEM, record.id)  # 8 hours and 80 points each
        volunteers.append(volunteer)
    return bank, volunteers


def run_interbank(url: str, transfers: int) -> str:
    base = url.rsplit("/", 1)[0]
    schema, east_db, west_db = (f"bench_{uuid.uuid4().hex[:12]}" for _ in range(3))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        conn.execute(f'CREATE DATABASE "{east_db}"')
        conn.execute(f'CREATE DATABASE "{west_db}"')
    settings = Settings(_env_file=None,  # type: ignore[call-arg]
                        var_dir=Path(tempfile.mkdtemp()), database_url=url,
                        database_schema=schema, secret_key="benchmark-secret-key-0123456789ab",
                        bank_databases={"east": f"{base}/{east_db}", "west": f"{base}/{west_db}"})
    runtime = build_runtime(settings)
    started = time.perf_counter()
    try:
        _east, senders = _bank(runtime, "east", 20)
        _west, receivers = _bank(runtime, "west", 20)
        east_home = runtime.partitions.banks["east"]
        app = east_home.app
        actors = [app.actor_for_volunteer(str(v.id), None) for v in senders]
        city = CityTransfers(runtime.partitions)
        pending = pending_interbank_transfers(runtime.partitions)
        west_bank_id = str(receivers[0].bank_id)

        def pair(i: int) -> tuple[Any, Any, Any]:
            return actors[i % 20], senders[i % 20], receivers[i % 20]

        t0 = time.perf_counter()
        for i in range(transfers):
            actor, sender, _ = pair(i)
            app.transfer_points(actor, sender.passbook_no, senders[(i + 1) % 20].passbook_no,
                                1, "", None)
        same_bank = time.perf_counter() - t0

        t0 = time.perf_counter()
        for i in range(transfers):
            actor, sender, receiver = pair(i)
            answer = city.request(east_home, actor, sender.passbook_no, west_bank_id,
                                  receiver.passbook_no, 1, "", None)
            city.advance(east_home, answer["transfer_id"])
        whole = time.perf_counter() - t0

        t0 = time.perf_counter()
        for i in range(transfers):
            actor, sender, receiver = pair(i)
            city.request(east_home, actor, sender.passbook_no, west_bank_id,
                         receiver.passbook_no, 1, "", None)
        requests = time.perf_counter() - t0
        t0 = time.perf_counter()
        report = city.drive(pending)
        driven = time.perf_counter() - t0
        assert report.posted == transfers and not report.failed, report
    finally:
        runtime.close()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
            conn.execute(f'DROP DATABASE IF EXISTS "{east_db}" WITH (FORCE)')
            conn.execute(f'DROP DATABASE IF EXISTS "{west_db}" WITH (FORCE)')
    reference = rate(transfers, same_bank)

    def line(what: str, seconds: float) -> str:
        per_second = rate(transfers, seconds)
        return f"| {what} | {per_second:.0f} | {per_second / reference:.2f}× |"

    measured = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return "\n".join([
        HEADING,
        f"Measured {measured} by `python -m benchmarks.interbank --transfers {transfers}` "
        f"(whole run {time.perf_counter() - started:.0f} s): two bank partitions in two "
        "databases of one PostgreSQL server on loopback, serial, one caller.",
        "",
        "| what | transfers/s | vs same-bank |",
        "|---|---:|---:|",
        line("same-bank 转赠 of points (both passbooks, one transaction)", same_bank),
        line("inter-bank, whole: reserve in A, decide in B, post in A (3 transactions, "
             "2 databases)", whole),
        line("inter-bank, the request alone (what the caller waits for: 202 pending)",
             requests),
        line("inter-bank, the driver's pass over those requests (steps 2 and 3)", driven),
        "",
        "An inter-bank transfer costs three transactions where a same-bank one costs one, plus "
        "the driver's read of the pending list from the read model (caught up first). The "
        "caller waits only for the first. Spread over databases on separate servers, the "
        "steps in B and A run on different machines' disks.",
        "",
    ])


def write_section(output: Path, section: str) -> None:
    text = output.read_text() if output.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.M | re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    output.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres-url",
                        default=os.environ.get("TIMEBANK_BENCH_POSTGRES_URL", DEFAULT_URL))
    parser.add_argument("--transfers", type=int, default=200)
    parser.add_argument("--output", default="docs/benchmarks.md")
    args = parser.parse_args()
    section = run_interbank(args.postgres_url, args.transfers)
    write_section(Path(args.output), section)
    print(section)


if __name__ == "__main__":
    main()
