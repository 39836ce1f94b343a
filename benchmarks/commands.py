"""The commands in-process, beside a plain eventsourcing equivalent; round trips per command;
a redemption's CPU with its PIN check; the rate limiter's cost per hit as keys grow.

    python -m benchmarks.commands [--scans 400] [--redemptions 60]

Each figure beside its reference, in the same run, on PostgreSQL: the project's scan
(check-in and check-out) and approval against `benchmarks/plain.py` (the same commands
written straight from the library's documentation, its defaults), each preceded by what
its bearer token costs (the account's load). Time is wall time per command run one after
another (no concurrency); CPU is this process's (user + system, every thread). The two
sides run in one process, each on a schema of its own, interleaved in blocks of 20
commands (A B B A A B …): on a shared machine the wait for each commit (the disk's fsync
queue, other processes' CPU) changes from minute to minute, and run one side after the
other, whichever ran in the busier minutes lost. Round trips are counted on the wire
(`benchmarks/roundtrips.py`) in a separate pass, so the proxy's own work is not in the
timings.

Not a test: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from benchmarks.plain import PlainApp
from benchmarks.roundtrips import RoundTripProxy
from benchmarks.run import DEFAULT_URL, District, drop_schema, fresh_schema
from timebank.domain.actors import SYSTEM
from timebank.runtime import build_runtime
from timebank.settings import Settings

SECRET = "benchmark-secret-key-0123456789abcdef"  # noqa: S105 (a benchmark's throwaway)


@dataclass
class Timing:
    count: int
    wall_s: float
    cpu_s: float

    @property
    def ms(self) -> float:
        return 1000 * self.wall_s / self.count

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu_s / self.count

    @property
    def rate(self) -> float:
        return self.count / self.wall_s


def timed(jobs: list[Callable[[], Any]]) -> Timing:
    wall, cpu = time.perf_counter(), time.process_time()
    for job in jobs:
        job()
    return Timing(len(jobs), time.perf_counter() - wall, time.process_time() - cpu)


def settings_for(url: str, schema: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        var_dir=Path(tempfile.mkdtemp()), database_url=url, database_schema=schema,
        secret_key=SECRET, pool_size=5, pool_max_overflow=5,
    )


@contextmanager
def schema_on(url: str) -> Iterator[str]:
    schema = fresh_schema(url)
    try:
        yield schema
    finally:
        drop_schema(url, schema)


def plain_env(settings: Settings) -> dict[str, str]:
    env = settings.event_store_env()
    env.pop("APPLICATION_RECORDER_TOPIC", None)  # the library's own recorder
    return {**env, "CREATE_TABLE": "y"}


# -- the workload: each volunteer checks in to an activity, out of it, in to the next --------
@dataclass
class Steps:
    """(volunteer index, activity index, action) in an order where every scan succeeds."""

    volunteers: int
    activities: int

    def __iter__(self) -> Iterator[tuple[int, int, str]]:
        for activity in range(self.activities):
            for action in ("check_in", "check_out"):
                for volunteer in range(self.volunteers):
                    yield volunteer, activity, action


def window() -> tuple[datetime, datetime, datetime, datetime]:
    start = datetime.now(UTC) - timedelta(hours=2)
    return start, start + timedelta(hours=8), start + timedelta(minutes=10), \
        start + timedelta(minutes=70)


@dataclass
class Side:
    """One side of the comparison, set up and warmed: its commands, one call each."""

    scan: Callable[[int, int, str], None]
    approve: Callable[[UUID], None]
    redeem: Callable[[int], None] | None
    steps: list[tuple[int, int, str]]  # the scans still to make, in an order that succeeds
    records: list[UUID]  # the service records its check-outs closed, to approve
    volunteers: int


@contextmanager
def ours_side(url: str, scans: int) -> Iterator[Side]:
    """The project's commands on a schema of their own."""
    with schema_on(url) as schema:
        runtime = build_runtime(settings_for(url, schema))
        try:
            app = runtime.app
            d = District(app)
            volunteers = [d.volunteer() for _ in range(20)]
            steps = Steps(len(volunteers), scans // (2 * len(volunteers)) + 1)
            start, end, at_in, at_out = window()
            activities = [app.plan_activity(SYSTEM, d.office.id, f"活动{i}", "general",
                                            start, end, "活动室")
                          for i in range(steps.activities)]
            tokens = {(a, action): app.scan_token(SYSTEM, activity.id, action)
                      for a, activity in enumerate(activities)
                      for action in ("check_in", "check_out")}
            admin, _ = app.ensure_admin("bench-admin", "bench-admin-password")
            records: list[UUID] = []

            def scan(v: int, a: int, action: str) -> None:
                actor = app.actor_for_volunteer(volunteers[v].id)
                answer = app.scan(actor, tokens[(a, action)],
                                  now=at_in if action == "check_in" else at_out)
                if action == "check_out":
                    records.append(UUID(answer["service_record_id"]))

            def approve(record_id: UUID) -> None:
                app.approve_service_record(app.actor_for_user(admin.id), record_id)

            app.list_catalog_item(SYSTEM, d.office.id, "SOAP", "香皂", 1, 10**6)
            _kiosk, key = app.register_kiosk(SYSTEM, d.office.id, "1 号机")
            counter = iter(range(10**9))

            def redeem(v: int) -> None:
                kiosk = app.authenticate_kiosk(key)
                app.redeem(kiosk, volunteers[v].passbook_no, "738294",
                           [{"sku": "SOAP", "quantity": 1}],
                           app.idempotency(f"kiosk:{kiosk.id}:redeem", f"r{next(counter)}", {}))

            yield _warmed(Side(scan, approve, redeem, list(steps), records, len(volunteers)))
        finally:
            runtime.close()


@contextmanager
def plain_side(url: str, scans: int) -> Iterator[Side]:
    """The same commands written straight from the library's documentation."""
    with schema_on(url) as schema:
        app = PlainApp(plain_env(settings_for(url, schema)), SECRET)
        try:
            bank, office = app.district()
            staff = app.volunteer(bank)  # the approver's account: one load per request
            volunteers = [app.volunteer(bank) for _ in range(20)]
            steps = Steps(len(volunteers), scans // (2 * len(volunteers)) + 1)
            start, end, at_in, at_out = window()
            activities = [app.activity(office, start, end) for _ in range(steps.activities)]
            tokens = {(a, action): app.scan_tokens.issue(activity.id, action, "printable", end)
                      for a, activity in enumerate(activities)
                      for action in ("check_in", "check_out")}
            records: list[UUID] = []

            def scan(v: int, a: int, action: str) -> None:
                record = app.scan(volunteers[v].id, tokens[(a, action)],
                                  at_in if action == "check_in" else at_out)
                if action == "check_out":
                    records.append(record.id)

            def approve(record_id: UUID) -> None:
                app.authenticate(staff.id)
                app.approve(record_id)

            yield _warmed(Side(scan, approve, None, list(steps), records, len(volunteers)))
        finally:
            app.close()


def _warmed(side: Side) -> Side:
    """Each volunteer's first check-in and check-out made: caches and pools warm, as in
    a serving process."""
    warm, side.steps = side.steps[:2 * side.volunteers], side.steps[2 * side.volunteers:]
    for step in warm:
        side.scan(*step)
    return side


def interleaved(a: list[Callable[[], Any]], b: list[Callable[[], Any]], block: int = 20
                ) -> tuple[Timing, Timing]:
    """Both lists run in alternating blocks (A B B A A B …), each block timed on its own
    and summed per side: whatever else the machine does meanwhile (a shared disk's fsync
    queue, other processes' CPU) falls on both sides alike, not on whichever ran first."""
    totals = {"a": [0.0, 0.0], "b": [0.0, 0.0]}
    blocks = {"a": [a[i:i + block] for i in range(0, len(a), block)],
              "b": [b[i:i + block] for i in range(0, len(b), block)]}
    for index in range(max(len(blocks["a"]), len(blocks["b"]))):
        order = ("a", "b") if index % 2 == 0 else ("b", "a")
        for side in order:
            if index < len(blocks[side]):
                t = timed(blocks[side][index])
                totals[side][0] += t.wall_s
                totals[side][1] += t.cpu_s
    return (Timing(len(a), *totals["a"]), Timing(len(b), *totals["b"]))


def run_side_by_side(url: str, scans: int, redemptions: int) -> dict[str, dict[str, Timing]]:
    """The project's commands and the plain ones, interleaved block by block."""
    with ours_side(url, scans) as ours, plain_side(url, scans) as plain:
        ours_scan, plain_scan = interleaved(
            [lambda s=s: ours.scan(*s) for s in ours.steps[:scans]],
            [lambda s=s: plain.scan(*s) for s in plain.steps[:scans]])
        ours_records, plain_records = (side.records[side.volunteers:] for side in (ours, plain))
        ours.approve(ours.records[0])
        plain.approve(plain.records[0])
        ours_approve, plain_approve = interleaved(
            [lambda r=r: ours.approve(r) for r in ours_records],
            [lambda r=r: plain.approve(r) for r in plain_records])
        assert ours.redeem is not None
        redeem = ours.redeem
        redeem(0)
        redeem_timing = timed([lambda i=i: redeem(i % ours.volunteers)
                               for i in range(redemptions)])
    return {"ours": {"scan": ours_scan, "approve": ours_approve, "redeem": redeem_timing},
            "plain": {"scan": plain_scan, "approve": plain_approve}}


# -- round trips ---------------------------------------------------------------------------
def _count_trips(proxy: RoundTripProxy, side: Side) -> dict[str, Any]:
    def trips(job: Callable[[], Any]) -> int:
        with proxy.counting() as box:
            job()
        return box[0]

    steps = side.steps
    check_in = [trips(lambda s=s: side.scan(*s)) for s in steps[:40] if s[2] == "check_in"]
    check_out = [trips(lambda s=s: side.scan(*s)) for s in steps[:60] if s[2] == "check_out"]
    side.approve(side.records[0])
    approvals = [trips(lambda r=r: side.approve(r)) for r in side.records[1:11]]
    result = {"check_in": statistics.median(check_in),
              "check_out": statistics.median(check_out),
              "approve": statistics.median(approvals)}
    if side.redeem is not None:
        redeem = side.redeem
        redeem(0)
        result["redeem"] = statistics.median(trips(lambda i=i: redeem(i)) for i in range(1, 6))
    return result


def round_trips(url: str) -> dict[str, dict[str, Any]]:
    with RoundTripProxy(url) as proxy:
        result = {}
        for name, side_of in (("ours", ours_side), ("plain", plain_side)):
            with side_of(proxy.url, 80) as side:
                result[name] = _count_trips(proxy, side)
        return result


# -- the rate limiter ----------------------------------------------------------------------
def rate_limiter_cost(keys: int, per_second: int | None, seconds: float = 3.0
                      ) -> dict[str, Any]:
    """µs of process CPU (every thread: the storage's own timers too) per hit while `keys`
    distinct callers are active, each within its limit; as fast as it goes, or paced at
    `per_second` hits (a server's real arrival rate: then any background sweep of the
    storage shows in the cost of each hit)."""
    from api.rate_limits import RateLimiter

    limiter = RateLimiter("memory://")
    names = [f"volunteer-{n}" for n in range(keys)]
    for name in names:
        limiter.hit("scan", name, per_minute=10**6)
    hits, index, batch = 0, 0, 50
    wall, cpu = time.perf_counter(), time.process_time()
    while time.perf_counter() - wall < seconds:
        for _ in range(batch):
            limiter.hit("scan", names[index], per_minute=10**6)
            index = (index + 1) % keys
        hits += batch
        if per_second:
            time.sleep(max(0.0, wall + hits / per_second - time.perf_counter()))
    elapsed_cpu = time.process_time() - cpu
    return {"keys": keys, "per_second": per_second, "hits": hits,
            "cpu_us": 1e6 * elapsed_cpu / hits}


# -- the run -------------------------------------------------------------------------------
def run_commands(url: str, scans: int = 400, redemptions: int = 60) -> dict[str, Any]:
    print("  in-process commands, the project's and plain eventsourcing's interleaved …",
          flush=True)
    both = run_side_by_side(url, scans, redemptions)
    ours, plain = both["ours"], both["plain"]
    print("  round trips …", flush=True)
    trips = round_trips(url)
    print("  rate limiter …", flush=True)
    limiter = [rate_limiter_cost(keys, pace) for pace in (None, 500) for keys in (10, 10_000)]
    return {"ours": ours, "plain": plain, "trips": trips, "limiter": limiter,
            "scans": scans, "redemptions": redemptions}


def report(r: dict[str, Any]) -> str:
    ours, plain, trips = r["ours"], r["plain"], r["trips"]
    lines = [
        "## Commands in-process, beside plain eventsourcing",
        "",
        "Run one after another in one process on PostgreSQL (loopback), each preceded by its "
        "bearer token's cost (the account's load); plain: the same commands written straight "
        "from the library's documentation with its defaults (`benchmarks/plain.py`). The two "
        "sides interleaved in blocks of 20 commands (A B B A …), so the shared machine's "
        "load falls on both alike. Faster = ratio above 1; ms is wall time, the rest of it "
        "beyond CPU is waiting (for PostgreSQL, its commit's WAL flush, the scheduler). "
        "Round trips counted on the wire in a separate pass (median).",
        "",
        "| command | project ms (CPU ms) | plain ms (CPU ms) | plain ÷ project time | "
        "round trips project / plain |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, label, trip_key in (("scan", "scan (check-in and check-out alternating)", None),
                                  ("approve", "approval (record + passbook)", "approve")):
        o, p = ours[name], plain[name]
        if trip_key is None:
            ours_trips = f"{trips['ours']['check_in']:g} in, {trips['ours']['check_out']:g} out"
            plain_trips = (f"{trips['plain']['check_in']:g} in, "
                           f"{trips['plain']['check_out']:g} out")
        else:
            ours_trips, plain_trips = f"{trips['ours'][trip_key]:g}", f"{trips['plain'][trip_key]:g}"
        lines.append(f"| {label} | {o.ms:.2f} ({o.cpu_ms:.2f}) | {p.ms:.2f} ({p.cpu_ms:.2f}) "
                     f"| {p.ms / o.ms:.2f}× | {ours_trips} / {plain_trips} |")
    red = ours["redeem"]
    lines += [
        f"| kiosk redemption, PIN check included (no plain equivalent) | {red.ms:.2f} "
        f"({red.cpu_ms:.2f}) | | | {trips['ours']['redeem']:g} |",
        "",
        f"{r['scans']} scans, {ours['approve'].count} approvals, {r['redemptions']} "
        "redemptions. A redemption's CPU is mostly its PIN check (see docs/security.md for "
        "the hash chosen).",
        "",
        "### The rate limiter as active callers grow",
        "",
        "`RateLimiter.hit` in this process with the configured in-process storage, every "
        "key within its limit: as fast as one thread goes, and paced at 500 hits/s (a busy "
        "server's arrival rate, where a storage's background sweeping shows per hit).",
        "",
        "| distinct keys active | pace | hits | CPU µs per hit (every thread) |",
        "|---:|---:|---:|---:|",
    ]
    for row in r["limiter"]:
        pace = f"{row['per_second']}/s" if row["per_second"] else "flat out"
        lines.append(f"| {row['keys']} | {pace} | {row['hits']} | {row['cpu_us']:.1f} |")
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres-url",
                        default=os.environ.get("TIMEBANK_BENCH_POSTGRES_URL", DEFAULT_URL))
    parser.add_argument("--scans", type=int, default=400)
    parser.add_argument("--redemptions", type=int, default=60)
    args = parser.parse_args()
    print(report(run_commands(args.postgres_url, args.scans, args.redemptions)))


if __name__ == "__main__":
    main()
