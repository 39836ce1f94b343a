"""How the read side grows with the log: 100k, 1M, 10M stored events on PostgreSQL.

    python -m benchmarks.growth --sizes 100000,1000000 [--ten-million] [--postgres-url URL]

The log is grown in one schema, size after size: a district (a bank, branches, savings
offices, kiosks, foundations) whose volunteers register, serve and are approved, give
points, redeem at kiosks, and whose foundations take donations and pay grants. Seeding
runs the domain's own commands on aggregates held in memory, on a simulated clock, so the
events are the real ones the projections read, spread over many days; their events join
the log in the order the commands would save them, encoded by the application's mapper
and copied in by the thousand (benchmarks/bulk_log.py: binary COPY under the table lock,
gap-free notification ids, snapshots as the application takes them) — without the
per-command load, PIN hashing and round trips of the application services, which would
take hours. A million events seed in about a minute on an idle machine.

At each size it measures: reading the log alone, reading and decoding it, rebuilding
every projection (events/s, ratio to the read, peak resident memory), and loading the
longest passbook cold with and without snapshots. Not a test: nothing asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import eventsourcing.domain
from cryptography.fernet import Fernet

from benchmarks.bulk_log import BulkLog
from benchmarks.run import DEFAULT_URL, drop_schema, forget_cached, fresh_schema, runtime_for
from projections.runner import ProjectionRunner
from timebank.application import TimebankApp
from timebank.domain.actors import SYSTEM, Actor
from timebank.domain.attendance import Presence, attendance_record_id_for
from timebank.domain.funds import Fund, Grant
from timebank.domain.kiosks import CatalogItem, Kiosk, Redemption
from timebank.domain.offices import Office
from timebank.domain.service import Activity, ServiceRecord
from timebank.domain.values import luhn_check_digit
from timebank.domain.volunteers import (
    REDEMPTION,
    REDEMPTION_CANCELLED,
    SERVICE,
    TRANSFER_IN,
    TRANSFER_OUT,
    Passbook,
    PhoneClaim,
    Volunteer,
)
from timebank.security.passwords import hash_secret

BRANCHES = 8
OFFICES_PER_BRANCH = 6
BULK_EVENTS = 20_000  # events per COPY and transaction (benchmarks/bulk_log.py)
SKUS = (("SOAP", 5), ("RICE", 20), ("OIL", 15), ("TOWEL", 8))
STEP = timedelta(minutes=7)  # simulated time between one office's rounds


class SimulatedClock:
    """Event timestamps on a clock that advances with the seeding, not the wall."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    @contextmanager
    def installed(self) -> Iterator[None]:
        original = eventsourcing.domain.datetime_now_with_tzinfo
        eventsourcing.domain.datetime_now_with_tzinfo = lambda: self.now  # type: ignore[assignment]
        try:
            yield
        finally:
            eventsourcing.domain.datetime_now_with_tzinfo = original  # type: ignore[assignment]


class Seeder:
    """Grows one district's log by whole commands, saved many aggregates at a time."""

    def __init__(self, app: TimebankApp, url: str, seed: int = 7) -> None:
        self.app = app
        self.bulk = BulkLog(app, url)  # many commands per COPY, not one app.save each
        self.rng = random.Random(seed)
        self.clock = SimulatedClock(datetime(2024, 1, 1, 1, tzinfo=UTC))
        self.fernet = Fernet(Fernet.generate_key())
        self.pin_hash = hash_secret("738294")  # one argon2 hash for every volunteer
        self.actor = SYSTEM.record()
        self.serial = 0
        self.offices: list[dict[str, Any]] = []
        self.presences: dict[uuid.UUID, Presence] = {}
        self.hot: Passbook | None = None
        with self.clock.installed():
            self._district()

    # -- saving ------------------------------------------------------------------------------
    def touch(self, *aggregates: Any) -> None:
        """A command's aggregates, in the order it saves them: their new events join the
        log in the order they are touched (a record's entry before the credit naming it)."""
        waiting = 0
        for aggregate in aggregates:
            waiting = self.bulk.collect(aggregate)
        if waiting >= BULK_EVENTS:
            self.flush()

    def flush(self) -> None:
        self.bulk.flush()

    def close(self) -> None:
        self.bulk.close()

    # -- the district -------------------------------------------------------------------------
    def _district(self) -> None:
        bank = Office.open("增长基准区公益银行", "bank", None, self.actor)
        self.bank = bank
        self.touch(bank)
        for b in range(BRANCHES):
            branch = Office.open(f"第{b + 1}街道分行", "branch", bank, self.actor)
            fund = Fund.open(f"第{b + 1}街道社区基金会", "foundation", None, branch.id, bank.id,
                             self.actor)
            self.touch(branch, fund)
            for o in range(OFFICES_PER_BRANCH):
                office = Office.open(f"第{b + 1}-{o + 1}社区储蓄所", "savings_office", branch,
                                     self.actor)
                kiosk = Kiosk(id=uuid.uuid4(), office_id=office.id, name="1 号机",
                              key_hash="x" * 64, actor=self.actor)
                items = [CatalogItem.list_item(office.id, sku, sku.lower(), points, 10**6,
                                               "爱心企业", self.actor) for sku, points in SKUS]
                self.touch(office, kiosk, *items)
                self.offices.append({"office": office, "kiosk": kiosk, "items": items,
                                     "fund": fund, "volunteers": [], "grants": []})
        self.flush()

    def _register(self, place: dict[str, Any]) -> tuple[Volunteer, Passbook]:
        self.serial += 1
        body = f"{10**10 + self.serial:011d}"
        passbook_no = body + luhn_check_digit(body)
        sealed = [self.fernet.encrypt(text.encode()).decode()
                  for text in ("志愿者", f"139{self.serial:08d}", "110105198001011234")]
        volunteer = Volunteer(
            id=uuid.uuid4(), office_id=place["office"].id, bank_id=self.bank.id,
            passbook_no=passbook_no, name_sealed=sealed[0], phone_sealed=sealed[1],
            id_number_sealed=sealed[2], phone_index=uuid.uuid4().hex * 2,
            pin_hash=self.pin_hash, actor=self.actor)
        claim = PhoneClaim(phone_index=volunteer.phone_index, volunteer_id=volunteer.id)
        passbook = Passbook(passbook_no=passbook_no, volunteer_id=volunteer.id,
                            actor=self.actor)
        place["volunteers"].append((volunteer, passbook))
        self.touch(volunteer, claim, passbook)
        return volunteer, passbook

    # -- one office's round: an activity and what follows it ----------------------------------
    def _round(self, place: dict[str, Any]) -> None:
        rng, actor, now = self.rng, self.actor, self.clock.now
        office = place["office"]
        while len(place["volunteers"]) < 12 or rng.random() < 0.25:
            self._register(place)
        if self.hot is None:
            self.hot = place["volunteers"][0][1]
        starts = now - timedelta(hours=4)
        activity = Activity(office_id=office.id, bank_id=self.bank.id, title="社区服务",
                            category=rng.choice(("general", "elderly", "environment")),
                            starts_at=starts, ends_at=starts + timedelta(hours=3),
                            location="活动室", actor=actor)
        self.touch(activity)
        for volunteer, passbook in rng.sample(place["volunteers"], 6):
            minutes = rng.choice((60, 90, 120, 180))
            if rng.random() < 0.5:  # scanned in and out at the activity
                record = self._scanned(volunteer, passbook, activity, starts, minutes)
            else:
                record = ServiceRecord.enter_manually(
                    volunteer.id, passbook.id, activity, starts,
                    starts + timedelta(minutes=minutes), "", actor)
                self.touch(record)
            roll = rng.random()
            if roll < 0.03:
                record.reject("未到场", actor)
            elif roll < 0.97:
                points = minutes * 10 // 60
                record.approve(10, "1", points, actor)
                passbook.credit(points, SERVICE, str(record.id), actor, minutes=minutes)
            self.touch(record, passbook)
        for _ in range(2):
            (_, giver), (_, taker) = rng.sample(place["volunteers"], 2)
            self._transfer(giver, taker)
        if self.hot is not None:  # one long-lived passbook: the load benchmark's
            _, giver = rng.choice(place["volunteers"])
            if giver is not self.hot:
                self._transfer(giver, self.hot)
        _, spender = rng.choice(place["volunteers"])
        item = rng.choice(place["items"])
        if spender.balance >= item.points:
            redemption_id = uuid.uuid4()
            kiosk_actor = Actor(kind="kiosk", id=str(place["kiosk"].id),
                                office_id=office.id).record()
            item.take(1, redemption_id, kiosk_actor)
            spender.debit(item.points, REDEMPTION, str(redemption_id), kiosk_actor)
            redemption = Redemption(
                id=redemption_id, kiosk_id=place["kiosk"].id, office_id=office.id,
                passbook_id=spender.id, passbook_no=spender.passbook_no,
                lines=[{"sku": item.sku, "quantity": 1, "points": item.points}],
                points_spent=item.points, offline_sequence=None, occurred_at=None,
                actor=kiosk_actor)
            self.touch(redemption, spender, item)  # as the kiosk's command saves them
            if rng.random() < 0.05:
                redemption.cancel(kiosk_actor, "退货")
                spender.credit(item.points, REDEMPTION_CANCELLED, str(redemption_id),
                               kiosk_actor)
                item.give_back(1, redemption_id, kiosk_actor)
                self.touch(redemption, spender, item)
        fund = place["fund"]
        if rng.random() < 0.5:
            fund.receive_donation(uuid.uuid4(), rng.choice((5_000, 20_000, 100_000)),
                                  rng.choice(("resident", "enterprise")), None, True,
                                  rng.choice((None, "助老")), now, actor)
            self.touch(fund)
        if rng.random() < 0.02 and fund.balance > 100_000:
            grant = Grant.propose(fund, "楼道扶手", 60_000, None, actor)
            grant.record_vote(20, 2, 1, "居民议事纪要", True, actor)
            disbursement_id = uuid.uuid4()
            grant.record_disbursement(disbursement_id, 30_000, actor)
            fund.pay_grant(grant.id, disbursement_id, 30_000, None, actor)
            self.touch(grant, fund)
        if rng.random() < 0.01:  # a volunteer moves to a sibling office
            siblings = [p for p in self.offices if p["fund"] is fund and p is not place]
            target = rng.choice(siblings)
            volunteer, passbook = place["volunteers"].pop(
                rng.randrange(1, len(place["volunteers"])))
            volunteer.move_to(target["office"].id, actor, "搬家")
            target["volunteers"].append((volunteer, passbook))
            self.touch(volunteer)

    def _scanned(self, volunteer: Volunteer, passbook: Passbook, activity: Activity,
                 starts: datetime, minutes: int) -> ServiceRecord:
        """A check-in scan and, `minutes` later, the check-out scan: the record and the
        volunteer's presence, each scan one save, as the scan commands make them."""
        presence = self.presences.get(volunteer.id)
        if presence is None:
            presence = self.presences[volunteer.id] = Presence(volunteer_id=volunteer.id)
        scanner = Actor(kind="volunteer", id=str(volunteer.id),
                        office_id=activity.office_id).record()
        record = ServiceRecord.check_in(
            record_id=attendance_record_id_for(activity.id, volunteer.id),
            volunteer_id=volunteer.id, passbook_id=passbook.id, activity=activity,
            at=starts, flags=[], actor=scanner)
        presence.open(record.id, activity.id, activity.starts_at, activity.ends_at)
        self.touch(record, presence)
        record.check_out(starts + timedelta(minutes=minutes), 240, [], scanner)
        presence.close(record.id)
        self.touch(record, presence)
        return record

    def _transfer(self, giver: Passbook, taker: Passbook) -> None:
        points = self.rng.randint(1, 3)
        if giver.balance < points:
            return
        transfer_id = str(uuid.uuid4())
        giver.debit(points, TRANSFER_OUT, transfer_id, self.actor)
        taker.credit(points, TRANSFER_IN, transfer_id, self.actor)
        self.touch(giver, taker)

    def grow_to(self, events: int) -> int:
        """Adds whole rounds until the log holds at least `events`; returns its head."""
        with self.clock.installed():
            while (self.app.recorder.max_notification_id() or 0) < events:
                for place in self.offices:
                    self.clock.now += STEP / len(self.offices)
                    self._round(place)
                self.flush()
        return self.app.recorder.max_notification_id() or 0


# -- measurements ------------------------------------------------------------------------------
def peak_rss_reset() -> None:
    """Linux: restart the process's high-water mark of resident memory (VmHWM)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def peak_rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def read_log(app: TimebankApp, decode: bool) -> float:
    start = time.perf_counter()
    position = 0
    while True:
        page = app.recorder.select_notifications(start=position, limit=1000,
                                                 inclusive_of_start=False)
        if not page:
            return time.perf_counter() - start
        if decode:
            for notification in page:
                app.mapper.to_domain_event(notification)
        position = page[-1].id


def passbook_load(app: TimebankApp, passbook_id: uuid.UUID) -> dict[str, float]:
    """Median of 5 cold loads, with snapshots and with the snapshot store set aside."""
    def median_load() -> float:
        samples = []
        for _ in range(5):
            forget_cached(app)
            start = time.perf_counter()
            app.repository.get(passbook_id)
            samples.append(time.perf_counter() - start)
        return sorted(samples)[2]

    with_snapshots = median_load()
    snapshots, app.repository.snapshot_store = app.repository.snapshot_store, None
    try:
        without = median_load()
    finally:
        app.repository.snapshot_store = snapshots
    return {"with": with_snapshots, "without": without,
            "version": float(app.repository.get(passbook_id).version)}


def timed_rebuild(runner: ProjectionRunner, names: list[str] | None,
                  processes: int) -> dict[str, float]:
    """One `timebank projections rebuild` (shadow tables, swap) in this process and its
    replaying children: wall seconds, CPU seconds of all of them, the machine's load."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()[0]
    started, cpu = time.perf_counter(), time.process_time()
    runner.rebuild(names, processes=processes)
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    children_cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    assert all(s.lag == 0 for s in runner.status())
    return {"s": wall, "cpu_s": cpu + children_cpu, "load": (load + os.getloadavg()[0]) / 2,
            "child_rss_mb": after.ru_maxrss / 1024}


def measure_here(url: str, schema: str, passbook_id: uuid.UUID | None) -> dict[str, Any]:
    """In a fresh process, as `timebank projections rebuild` runs: the seeder's heap
    (every aggregate it made) would otherwise slow the garbage collector and add to RSS."""
    runtime = runtime_for(url, schema)
    try:
        app = runtime.app
        head = app.recorder.max_notification_id() or 0
        load_before = os.getloadavg()[0]
        read = read_log(app, decode=False)
        cpu = time.process_time()
        decoded = read_log(app, decode=True)
        decode_cpu = time.process_time() - cpu
        runner = ProjectionRunner(app, runtime.engine)
        processes = os.cpu_count() or 1
        peak_rss_reset()
        before = peak_rss_mb()
        # Every projection, the audit chain included (which also brings every live one to
        # the head of the log, as in a running deployment), then what `timebank
        # projections rebuild` does by default (the audit chain only when named).
        every = timed_rebuild(runner, [p.name for p in runner.projections], processes)
        default = timed_rebuild(runner, None, processes)
        peak = peak_rss_mb()
        decoded_again = read_log(app, decode=True)  # the reference again, after the rebuilds
        load = passbook_load(app, passbook_id) if passbook_id is not None else {}
        return {"events": head, "read_s": read, "decode_s": decoded, "decode_cpu_s": decode_cpu,
                "decode_again_s": decoded_again, "rebuild": default, "rebuild_all": every,
                "processes": processes, "load_before": load_before,
                "rss_before_mb": before, "rss_peak_mb": peak,
                "projections": len(runner.projections), "load": load}
    finally:
        runtime.close()


def measure(url: str, schema: str, seeder: Seeder, size: int) -> dict[str, Any]:
    started = time.perf_counter()
    seeder.grow_to(size)
    seed_seconds = time.perf_counter() - started
    command = [sys.executable, "-m", "benchmarks.growth", "--postgres-url", url,
               "--measure", schema]
    if seeder.hot is not None:
        command += ["--passbook", str(seeder.hot.id)]
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(root), *filter(None, [os.environ.get("PYTHONPATH")])])}
    done = subprocess.run(command, cwd=root, env=env, check=True,  # noqa: S603
                          stdout=subprocess.PIPE, text=True)
    return {"size": size, "seed_s": seed_seconds,
            **json.loads(done.stdout.strip().splitlines()[-1])}


def report(rows: list[dict[str, Any]], took: float) -> str:
    processes = rows[0]["processes"] if rows else os.cpu_count()
    lines = [
        "## Growth: the read side from 100k to 1M (and more) stored events",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `python -m benchmarks.growth` "
        f"(whole run {took:.0f} s, one schema grown size after size). Seeded through the "
        "domain's commands on aggregates in memory, their events copied into the log in "
        "bulk (benchmarks/bulk_log.py). Reading, rebuilding and loading run in a "
        "fresh process at each size, as `timebank projections rebuild` does. A rebuild replays "
        "into shadow tables and swaps them in (projections/rebuild.py), in "
        f"{processes} processes (one per core): first every projection, the audit chain "
        "included (after it every live projection is at the head of the log, as in a "
        "running deployment), then the default rebuild (the "
        f"{rows[0]['projections'] - 1 if rows else 7} projections other than the audit "
        "chain). The reference is reading "
        "and decoding the log in one process, as the library does (pages of 1,000), measured "
        "before and after the rebuilds; the ratio uses the faster of the two (its CPU s: "
        "the first's). CPU s is the "
        "rebuild's own processes' (parent and children); the rest of the wall time is "
        "PostgreSQL's work and waiting for a core. Load is the machine's 1-minute load "
        "average during the rebuild (2 cores, shared with other people's work: at a load "
        "above 2 every process here gets less than a core, so absolute rates move from run "
        "to run; the ratios were measured minutes apart).",
        "",
        "| stored events | seeding s | read events/s | read+decode events/s (CPU s) "
        "| rebuild s (CPU s) | rebuild events/s | rebuild ÷ read+decode "
        "| with audit chain s (CPU s) | with audit events/s | with audit ÷ read+decode "
        "| load | peak RSS MB parent (before) / child |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        n = r["events"]
        reference = min(r["decode_s"], r["decode_again_s"])
        default, every = r["rebuild"], r["rebuild_all"]
        lines.append(
            f"| {n} | {r['seed_s']:.0f} | {n / r['read_s']:.0f} | {n / reference:.0f} "
            f"({r.get('decode_cpu_s', float('nan')):.1f}) "
            f"| {default['s']:.1f} ({default['cpu_s']:.1f}) | {n / default['s']:.0f} "
            f"| {reference / default['s']:.2f}× "
            f"| {every['s']:.1f} ({every['cpu_s']:.1f}) | {n / every['s']:.0f} "
            f"| {reference / every['s']:.2f}× "
            f"| {default['load']:.1f} / {every['load']:.1f} "
            f"| {r['rss_peak_mb']:.0f} ({r['rss_before_mb']:.0f}) / "
            f"{max(default['child_rss_mb'], every['child_rss_mb']):.0f} |")
    lines += ["", "Longest passbook, loaded cold (median of 5):", "",
              "| stored events | passbook version | with snapshots s | without s |",
              "|---:|---:|---:|---:|"]
    for r in rows:
        if r["load"]:
            lines.append(f"| {r['events']} | {r['load']['version']:.0f} "
                         f"| {r['load']['with']:.4f} | {r['load']['without']:.4f} |")
    lines += _not_run(rows)
    return "\n".join(lines) + "\n"


def _not_run(rows: list[dict[str, Any]], target: int = 10_000_000) -> list[str]:
    """What a size this run left out would take, from the largest size's own rates."""
    if not rows or rows[-1]["events"] >= target:
        return []
    last, previous = rows[-1], (rows[-2]["events"] if len(rows) > 1 else 0)
    seed_rate = (last["events"] - previous) / last["seed_s"]
    rebuild_rate = last["events"] / last["rebuild"]["s"]
    minutes = lambda seconds: f"{seconds / 60:.0f} min"  # noqa: E731
    return ["", f"Not run here: {target:,} events. At this run's rates it would take about "
            f"{minutes((target - last['events']) / seed_rate)} more seeding and "
            f"{minutes(target / rebuild_rate)} for one rebuild; run it with "
            "`python -m benchmarks.growth --ten-million` (or `scripts/bench --ten-million`)."]


def run_growth(url: str, sizes: list[int]) -> str:
    """Grows one schema to each size in turn and measures there; returns markdown."""
    started = time.perf_counter()
    schema = fresh_schema(url)
    runtime = runtime_for(url, schema)
    rows = []
    seeder = None
    try:
        seeder = Seeder(runtime.app, url)
        for size in sorted(sizes):
            row = measure(url, schema, seeder, size)
            print(row, flush=True)
            rows.append(row)
    finally:
        if seeder is not None:
            seeder.close()
        runtime.close()
        drop_schema(url, schema)
    return report(rows, time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres-url",
                        default=os.environ.get("TIMEBANK_BENCH_POSTGRES_URL", DEFAULT_URL))
    parser.add_argument("--sizes", default="100000,1000000",
                        help="comma-separated stored-event counts")
    parser.add_argument("--ten-million", action="store_true",
                        help="also grow to 10,000,000 events (optional, run once: about an "
                             "hour or more here)")
    parser.add_argument("--output", help="also write the markdown section to this file")
    parser.add_argument("--measure", metavar="SCHEMA", help=argparse.SUPPRESS)
    parser.add_argument("--passbook", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:  # the child process of `measure`: one JSON line
        passbook = uuid.UUID(args.passbook) if args.passbook else None
        print(json.dumps(measure_here(args.postgres_url, args.measure, passbook)))
        return
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.ten_million and 10_000_000 not in sizes:
        sizes.append(10_000_000)
    section = run_growth(args.postgres_url, sizes)
    print(section)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(section)


if __name__ == "__main__":
    main()
