"""A donation's cost as its fund grows: 1,000 gifts beside 100,000 (PostgreSQL).

    .venv/bin/python -m benchmarks.fund_growth [--sizes 1000,100000] [--donations 200]

Each size gets a fresh schema and a foundation already holding that many gifts (seeded in
bulk through the domain, restricted and unrestricted, with a grant paid now and then so the
queues move). Then, at each size: the donation command as the API calls it (idempotency
key, its own `Donation`, the receipt) serially, and the fund's load from the store with the
cache emptied (a snapshot and at most an interval of events). The fund's state size is what
a snapshot and every command's copy carry. Not a test: nothing here asserts a timing.
Figures: docs/benchmarks-funds.md (`--output`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
import uuid
from datetime import datetime
from pathlib import Path

from benchmarks.run import DEFAULT_URL, drop_schema, forget_cached, fresh_schema, runtime_for
from timebank.application import Idempotency, TimebankApp
from timebank.domain.actors import SYSTEM
from timebank.domain.donations import Donation
from timebank.domain.funds import Fund, Grant
from timebank.domain.values import SHANGHAI

SEED_CHUNK = 500  # gifts per save while seeding


def seed_fund(app: TimebankApp, gifts: int) -> Fund:
    bank = app.open_office(SYSTEM, "基准区公益银行", "bank", None)
    branch = app.open_office(SYSTEM, "街道", "branch", bank.id)
    fund = app.open_fund(SYSTEM, "基准社区基金会", "foundation", None, branch.id)
    actor = SYSTEM.record()
    now = datetime.now(SHANGHAI)
    made = 0
    while made < gifts:
        fund = app.load_fund(fund.id)
        batch: list[object] = []
        for _ in range(min(SEED_CHUNK, gifts - made)):
            donation_id = uuid.uuid4()
            gift = fund.receive_donation(donation_id, 5_000 + made % 7 * 1_000, "resident",
                                         None, True, "助老" if made % 3 == 0 else None, now,
                                         actor)
            batch.append(Donation(id=donation_id, fund_id=fund.id, receipt_no=gift.receipt_no,
                                  postings=gift.postings, donor_sealed=None, lots=[gift.lot],
                                  actor=actor))
            made += 1
        grant = Grant.propose(fund, "楼道扶手", 300_000, None, actor)
        grant.record_vote(20, 2, 1, "居民议事纪要", True, actor)
        disbursement_id = uuid.uuid4()
        grant.record_disbursement(disbursement_id, 300_000, actor)
        fund.pay_grant(grant.id, disbursement_id, 300_000, None, actor)
        app.save(fund, grant, *batch)
    return app.load_fund(fund.id)


def state_bytes(fund: Fund) -> int:
    return len(json.dumps({k: v for k, v in vars(fund).items() if k != "_pending_events"},
                          default=str))


def measure(url: str, sizes: list[int], donations: int, rounds: int = 10
            ) -> list[dict[str, float]]:
    """Seed one fund per size, then interleave: a round of donations and of cold loads in
    each fund in turn, so the machine's load drifts alike over every size."""
    places = []
    try:
        for gifts in sizes:
            schema = fresh_schema(url)
            runtime = runtime_for(url, schema)
            places.append({"gifts": gifts, "schema": schema, "runtime": runtime,
                           "latencies": [], "loads": []})
            started = time.perf_counter()
            place = places[-1]
            place["fund"] = seed_fund(runtime.app, gifts)
            place["seed_s"] = time.perf_counter() - started
        per_round = max(1, donations // rounds)
        for round_no in range(rounds):
            for place in places:
                app, fund = place["runtime"].app, place["fund"]
                for n in range(per_round):
                    key = Idempotency("bench", f"gift-{round_no}-{n}", f"{round_no}-{n}")
                    start = time.perf_counter()
                    app.receive_donation(SYSTEM, fund.id, 10_000, "爱心企业", "enterprise",
                                         "助学" if n % 2 else None, False, key)
                    place["latencies"].append(time.perf_counter() - start)
                forget_cached(app)
                start = time.perf_counter()
                app.load_fund(fund.id)
                place["loads"].append(time.perf_counter() - start)
        results = []
        for place in places:
            latencies = sorted(place["latencies"])
            results.append({
                "gifts": place["gifts"],
                "seed_s": place["seed_s"],
                "median_ms": statistics.median(latencies) * 1000,
                "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
                "load_ms": statistics.median(place["loads"]) * 1000,
                "state_bytes": state_bytes(place["runtime"].app.load_fund(place["fund"].id)),
            })
        return results
    finally:
        for place in places:
            place["runtime"].close()
            drop_schema(url, place["schema"])


def report(results: list[dict[str, float]], donations: int, seconds: float) -> str:
    base = results[0]
    lines = [
        "# Benchmarks: a donation's cost as its fund grows",
        "",
        f"Measured {datetime.now(SHANGHAI):%Y-%m-%d %H:%M} Asia/Shanghai by "
        f"`.venv/bin/python -m benchmarks.fund_growth` (whole run {seconds:.0f} s), on "
        f"{platform.platform()}, {os.cpu_count()} CPU cores, PostgreSQL on loopback.",
        "",
        f"A foundation already holding N gifts takes {donations} more, one after another, "
        "through the donation command the API calls (idempotency record, the gift's own "
        "`Donation`, the receipt number); the funds take turns, a round at a time, and "
        "each round ends with a load of the fund from the store with the cache emptied "
        "(a snapshot and at most 100 events). Reference: the smallest N.",
        "",
        "| gifts in the fund | donation, median ms | ratio | p95 ms | fund load, cache "
        "emptied, ms | fund state, bytes |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results:
        lines.append(
            f"| {row['gifts']:,} | {row['median_ms']:.2f} | "
            f"{row['median_ms'] / base['median_ms']:.2f}× | {row['p95_ms']:.2f} | "
            f"{row['load_ms']:.2f} | {row['state_bytes']:,} |")
    lines += [
        "",
        "Before the fund's state was bounded (issue 17), a fund carried every gift and lot "
        "it ever took: the state, each command's copy of it and each snapshot grew by about "
        "450 bytes a gift (some 45 MB at 100,000 gifts), and a donation's latency doubled as "
        "the fund grew. Now the state holds balances by class, one queue per holding and the "
        "receipt counters (docs/design-decisions.md, \"A fund's state is bounded\").",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres-url",
                        default=os.environ.get("TIMEBANK_BENCH_POSTGRES_URL", DEFAULT_URL))
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--donations", type=int, default=200)
    parser.add_argument("--output", default="docs/benchmarks-funds.md")
    args = parser.parse_args()
    started = time.perf_counter()
    results = measure(args.postgres_url, [int(size) for size in args.sizes.split(",")],
                      args.donations)
    text = report(results, args.donations, time.perf_counter() - started)
    Path(args.output).write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
