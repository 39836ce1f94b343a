"""Benchmarks on PostgreSQL, each figure measured beside its reference in the same run.

    scripts/bench [--events N] [--threads N] [--output docs/benchmarks.md]

Writes docs/benchmarks.md: the machine, the versions, the figures and how to reproduce.
Not a test: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import eventsourcing
import psycopg
import sqlalchemy

from projections.runner import ProjectionRunner
from timebank.application import TimebankApp
from timebank.domain.actors import SYSTEM
from timebank.domain.values import gb11643_check_digit
from timebank.runtime import Runtime, build_runtime
from timebank.settings import Settings

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


# -- set-up ------------------------------------------------------------------------------------
def fresh_schema(url: str) -> str:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return schema


def drop_schema(url: str, schema: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def runtime_for(url: str, schema: str, snapshot_interval: int = 100) -> Runtime:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        var_dir=Path(tempfile.mkdtemp()),
        database_url=url,
        database_schema=schema,
        secret_key="benchmark-secret-key-0123456789abcdef",
        passbook_snapshot_interval=snapshot_interval,
        pool_size=20,
        pool_max_overflow=20,
    )
    return build_runtime(settings)


class District:
    def __init__(self, app: TimebankApp) -> None:
        self.app = app
        bank = app.open_office(SYSTEM, "基准区公益银行", "bank", None)
        branch = app.open_office(SYSTEM, "街道", "branch", bank.id)
        self.office = app.open_office(SYSTEM, "储蓄所", "savings_office", branch.id)
        self.phones = 0

    def volunteer(self) -> Any:
        self.phones += 1
        body = f"11010519800101{self.phones % 1000:03d}"
        return self.app.register_volunteer(
            SYSTEM, "志愿者", f"139{self.phones:08d}", body + gb11643_check_digit(body),
            self.office.id, "738294",
        )

    def activity(self, hours: int = 8) -> Any:
        start = datetime.now(UTC) - timedelta(days=1)
        return self.app.plan_activity(SYSTEM, self.office.id, "活动", "general", start,
                                      start + timedelta(hours=hours), "活动室")


def forget_cached(app: TimebankApp) -> None:
    """Empty the aggregate cache (LRUCache.clear() resets its order list, not its entries)."""
    cache = app.repository.cache
    if cache is not None:
        cache.cache.clear()
        cache.clear()


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def timed(func: Callable[[], Any]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def in_threads(threads: int, jobs: list[Callable[[], Any]]) -> float:
    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(job) for job in jobs]:
            future.result()
    return time.perf_counter() - start


# -- references: the database's own limit for the same rows -----------------------------------
def raw_inserts(url: str, schema: str, rows: int, batch: int) -> float:
    """Plain psycopg: rows of the size of a stored event into a bare table."""
    payload = b"x" * 400
    with psycopg.connect(url, options=f"-csearch_path={schema}") as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bare (id uuid, version int, topic text, "
                     "state bytea, PRIMARY KEY (id, version))")
        conn.commit()
        start = time.perf_counter()
        for offset in range(0, rows, batch):
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO bare VALUES (%s, 1, 'bench', %s)",
                    [(uuid.uuid4(), payload) for _ in range(min(batch, rows - offset))],
                )
            conn.commit()
        return time.perf_counter() - start


def raw_inserts_threads(url: str, schema: str, rows: int, threads: int) -> float:
    """One row per transaction from `threads` connections at once."""
    payload = b"x" * 400
    per = rows // threads

    def worker() -> None:
        with psycopg.connect(url, options=f"-csearch_path={schema}") as conn:
            for _ in range(per):
                conn.execute("INSERT INTO bare VALUES (%s, 1, 'bench', %s)",
                             (uuid.uuid4(), payload))
                conn.commit()

    return in_threads(threads, [worker for _ in range(threads)])


# -- the figures -------------------------------------------------------------------------------
def bench_commands(url: str, count: int, threads: int) -> dict[str, Any]:
    schema = fresh_schema(url)
    runtime = runtime_for(url, schema)
    try:
        app = runtime.app
        d = District(app)
        volunteers = [d.volunteer() for _ in range(max(threads, 8))]
        activities = [d.activity() for _ in range(2 * count // len(volunteers) + 2)]
        pending = []
        for index in range(count * 2):
            volunteer = volunteers[index % len(volunteers)]
            activity = activities[index // len(volunteers)]
            start = activity.starts_at
            pending.append(app.enter_service_record(
                SYSTEM, volunteer.id, activity.id, start, start + timedelta(hours=2), ""))
        serial = pending[:count]
        parallel = pending[count:]
        approve_serial = timed(lambda: [app.approve_service_record(SYSTEM, r.id)
                                        for r in serial])
        approve_parallel = in_threads(threads, [
            (lambda r=r: app.approve_service_record(SYSTEM, r.id)) for r in parallel])

        app.list_catalog_item(SYSTEM, d.office.id, "SOAP", "香皂", 1, 10**6)
        _kiosk, key = app.register_kiosk(SYSTEM, d.office.id, "1 号机")
        kiosk = app.authenticate_kiosk(key)
        counter = iter(range(10**9))

        def redeem(volunteer: Any) -> None:
            app.redeem(kiosk, volunteer.passbook_no, "738294", [{"sku": "SOAP", "quantity": 1}],
                       app.idempotency(f"kiosk:{kiosk.id}", f"r{next(counter)}", {}))

        redeem_serial = timed(lambda: [redeem(volunteers[i % len(volunteers)])
                                       for i in range(count)])
        redeem_parallel = in_threads(threads, [
            (lambda i=i: redeem(volunteers[i % len(volunteers)])) for i in range(count)])

        raw_one = raw_inserts(url, schema, count, 1)
        raw_batched = raw_inserts(url, schema, count * 10, 500)
        raw_parallel = raw_inserts_threads(url, schema, count, threads)
        return {
            "count": count, "threads": threads,
            "approve_serial": rate(count, approve_serial),
            "approve_parallel": rate(count, approve_parallel),
            "redeem_serial": rate(count, redeem_serial),
            "redeem_parallel": rate(count, redeem_parallel),
            "raw_one": rate(count, raw_one),
            "raw_parallel": rate(count, raw_parallel),
            "raw_batched": rate(count * 10, raw_batched),
        }
    finally:
        runtime.close()
        drop_schema(url, schema)


def bench_passbook_load(url: str, events: int) -> dict[str, Any]:
    """One passbook with `events` events, reloaded cold, with and without snapshots."""
    results: dict[str, Any] = {"events": events}
    for label, interval in (("with_snapshots", 100), ("without_snapshots", 10**9)):
        schema = fresh_schema(url)
        runtime = runtime_for(url, schema, snapshot_interval=interval)
        try:
            app = runtime.app
            d = District(app)
            giver, receiver = d.volunteer(), d.volunteer()
            approvals = events // 80 + 1  # an 8-hour attendance earns 80 points
            for _ in range(approvals):
                activity = d.activity()
                record = app.enter_service_record(
                    SYSTEM, giver.id, activity.id, activity.starts_at,
                    activity.starts_at + timedelta(hours=8), "")
                app.approve_service_record(SYSTEM, record.id)
            for _ in range(events - 1 - approvals):  # version 1 is the opening
                app.transfer_points(SYSTEM, giver.passbook_no, receiver.passbook_no, 1, "", None)
            samples = []
            for _ in range(7):
                forget_cached(app)
                samples.append(timed(lambda a=app, g=giver: a.repository.get(g.passbook_id)))
            results[label] = statistics.median(samples)
        finally:
            runtime.close()
            drop_schema(url, schema)
    return results


def bench_rebuild(url: str, events: int) -> dict[str, Any]:
    schema = fresh_schema(url)
    runtime = runtime_for(url, schema)
    try:
        app = runtime.app
        d = District(app)
        volunteers = [d.volunteer() for _ in range(50)]
        while (app.recorder.max_notification_id() or 0) < events:
            activity = d.activity()
            for volunteer in volunteers:
                start = activity.starts_at
                record = app.enter_service_record(SYSTEM, volunteer.id, activity.id, start,
                                                  start + timedelta(hours=1), "")
                app.approve_service_record(SYSTEM, record.id)
        stored = app.recorder.max_notification_id() or 0

        def read_all() -> None:
            position = 0
            while True:
                page = app.recorder.select_notifications(start=position, limit=1000,
                                                         inclusive_of_start=False)
                if not page:
                    return
                position = page[-1].id

        read_seconds = timed(read_all)
        runner = ProjectionRunner(app, runtime.engine)
        names = [p.name for p in runner.projections]
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        rebuild_seconds = timed(lambda: runner.rebuild(names, processes=os.cpu_count() or 1))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return {"events": stored, "read": rate(stored, read_seconds),
                "rebuild": rate(stored, rebuild_seconds), "seconds": rebuild_seconds,
                "peak_rss_mb": peak / 1024, "rss_before_mb": before / 1024,
                "projections": len(names)}
    finally:
        runtime.close()
        drop_schema(url, schema)


# -- report ------------------------------------------------------------------------------------
def report(commands: dict[str, Any], load: dict[str, Any], rebuild: dict[str, Any],
           took: float, args: argparse.Namespace) -> str:
    sizes = (f"## Sizes run\nThis section's rebuild ran on {rebuild['events']} events; how the read "
             f"side grows at {args.growth.replace(',', ', ')} stored events is in \"Growth\" below."
             if args.growth else "## Sizes run\nOnly this section's sizes (`--growth` was empty).")
    with psycopg.connect(args.postgres_url) as conn:
        server = conn.execute("SHOW server_version").fetchone()[0]
    c = commands
    ratio = lambda value, ref: f"{value / ref:.2g}×"  # noqa: E731
    return f"""# Benchmarks

Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `scripts/bench` (whole run {took:.0f} s).
Every figure is measured in the same run as its reference, so the ratio is what to compare
between machines; the absolute rates move with the machine's load.

## Machine and versions
- {platform.platform()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}
- PostgreSQL {server} on loopback; eventsourcing {eventsourcing.__version__ if hasattr(eventsourcing, "__version__") else "9.5"}, SQLAlchemy {sqlalchemy.__version__}, psycopg {psycopg.__version__}

## Command throughput on PostgreSQL ({c['count']} commands each)
Reference: plain psycopg inserts of rows of a stored event's size into a bare table.

| what | commands/s | vs one-row transactions (serial) | vs batched inserts (500 rows) |
|---|---:|---:|---:|
| raw insert, one row per transaction, 1 connection | {c['raw_one']:.0f} | 1.00× | {ratio(c['raw_one'], c['raw_batched'])} |
| raw insert, one row per transaction, {c['threads']} connections | {c['raw_parallel']:.0f} | {ratio(c['raw_parallel'], c['raw_one'])} | {ratio(c['raw_parallel'], c['raw_batched'])} |
| raw insert, batched 500 rows per transaction | {c['raw_batched']:.0f} | {ratio(c['raw_batched'], c['raw_one'])} | 1.00× |
| approve service record (record + passbook, 1 save), serial | {c['approve_serial']:.0f} | {ratio(c['approve_serial'], c['raw_one'])} | {ratio(c['approve_serial'], c['raw_batched'])} |
| approve service record, {c['threads']} threads | {c['approve_parallel']:.0f} | {ratio(c['approve_parallel'], c['raw_one'])} | {ratio(c['approve_parallel'], c['raw_batched'])} |
| kiosk redemption (passbook + item + redemption + idempotency record, PIN check), serial | {c['redeem_serial']:.0f} | {ratio(c['redeem_serial'], c['raw_one'])} | {ratio(c['redeem_serial'], c['raw_batched'])} |
| kiosk redemption, {c['threads']} threads | {c['redeem_parallel']:.0f} | {ratio(c['redeem_parallel'], c['raw_one'])} | {ratio(c['redeem_parallel'], c['raw_batched'])} |

A redemption verifies the volunteer's PIN against its argon2id hash (19 MiB, 2 passes:
about 20 ms of CPU on purpose) — that, not the database, bounds it, and with 2 cores more
threads only queue for the CPU. An approval writes two aggregates in one transaction
behind the event store's table lock that keeps the notification log gap-free.

## Passbook load with {load['events']} events (cold: cache cleared, median of 7)
| what | seconds | ratio |
|---|---:|---:|
| without snapshots (replays every event) | {load['without_snapshots']:.4f} | 1.00× |
| with a snapshot every 100 events | {load['with_snapshots']:.4f} | {ratio(load['with_snapshots'], load['without_snapshots'])} |

## Projection rebuild ({rebuild['events']} stored events, {rebuild['projections']} projections)
| what | events/s | ratio |
|---|---:|---:|
| reading the notification log alone (pages of 1000) | {rebuild['read']:.0f} | 1.00× |
| rebuilding every projection from it (shadow tables, one process per core) | {rebuild['rebuild']:.0f} | {ratio(rebuild['rebuild'], rebuild['read'])} |

Rebuild took {rebuild['seconds']:.1f} s; peak resident memory of the process
{rebuild['peak_rss_mb']:.0f} MB (before: {rebuild['rss_before_mb']:.0f} MB).

{sizes}

## Reproduce
On a machine with PostgreSQL (`TIMEBANK_BENCH_POSTGRES_URL`, default `{DEFAULT_URL}`):

    scripts/bench --events {args.events} --commands {args.commands} --threads {args.threads} \\
        --passbook-events {args.passbook_events} --growth {args.growth or '""'}{'' if args.http else ' --no-http'}

The sections below the rebuild (growth with the log's size, HTTP load) are appended by
`benchmarks/growth.py` and `benchmarks/http_load.py`, each runnable alone
(`python -m benchmarks.growth --help`, `python -m benchmarks.http_load --help`).
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres-url",
                        default=os.environ.get("TIMEBANK_BENCH_POSTGRES_URL", DEFAULT_URL))
    parser.add_argument("--commands", type=int, default=400)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--passbook-events", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--output", default="docs/benchmarks.md")
    parser.add_argument("--http", action=argparse.BooleanOptionalAction, default=True,
                        help="the HTTP check-in load (benchmarks/http_load.py, wrk)")
    parser.add_argument("--growth", default="100000,1000000",
                        help="stored-event sizes for benchmarks/growth.py ('' to skip)")
    parser.add_argument("--serving", action=argparse.BooleanOptionalAction, default=True,
                        help="server CPU per request beside the floor and 01a9f90 "
                             "(benchmarks/serving.py) and the in-process commands beside "
                             "plain eventsourcing (benchmarks/commands.py)")
    parser.add_argument("--ten-million", action="store_true",
                        help="also grow the log to 10,000,000 events in the growth section "
                             "(optional, run once: seeding and two rebuilds take an hour or "
                             "more here)")
    args = parser.parse_args()
    if args.ten_million and args.growth and "10000000" not in args.growth.split(","):
        args.growth += ",10000000"
    started = time.perf_counter()
    print("command throughput …", flush=True)
    commands = bench_commands(args.postgres_url, args.commands, args.threads)
    print(commands, flush=True)
    print("passbook load …", flush=True)
    load = bench_passbook_load(args.postgres_url, args.passbook_events)
    print(load, flush=True)
    print("projection rebuild …", flush=True)
    rebuild = bench_rebuild(args.postgres_url, args.events)
    print(rebuild, flush=True)
    sections = []
    if args.growth:
        from benchmarks.growth import run_growth  # both import this module's helpers

        print(f"growth {args.growth} …", flush=True)
        sections.append(run_growth(args.postgres_url, [int(n) for n in args.growth.split(",")]))
    if args.http:
        from benchmarks.http_load import run_http_load

        print("HTTP load …", flush=True)
        sections.append(run_http_load(args.postgres_url))
    if args.serving:
        from benchmarks.commands import report as commands_report
        from benchmarks.commands import run_commands
        from benchmarks.serving import run_serving

        print("commands in-process beside plain eventsourcing …", flush=True)
        sections.insert(0, commands_report(run_commands(args.postgres_url)))
        print("server CPU per request beside the floor and 01a9f90 …", flush=True)
        sections.insert(0, run_serving(args.postgres_url)[0])
    text = report(commands, load, rebuild, time.perf_counter() - started, args)
    Path(args.output).write_text("\n".join([text, *sections]), encoding="utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
