"""The projection follower's cost per scan, by the size of the pages it is woken to.

    python -m benchmarks.follower [--scans 800] [--pages 1,20,100,400]

Scans are made in-process on PostgreSQL (a schema of their own), and after every `page`
scans a runner catches every projection up, as the serving process's follower (woken
every 0.5 s: pages of 100–200 scans at a few hundred scans/s) or a worker woken by each
write (pages of one or a few scans) does. Figures: CPU of this process (user + system)
and wall time spent in the catch-ups, per scan. Not a test: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

from benchmarks.commands import Steps, schema_on, settings_for, window
from benchmarks.run import DEFAULT_URL, District
from projections.runner import ProjectionRunner
from timebank.domain.actors import SYSTEM
from timebank.runtime import build_runtime


def follower_cost(url: str, page: int, scans: int) -> dict[str, Any]:
    with schema_on(url) as schema:
        runtime = build_runtime(settings_for(url, schema))
        try:
            app = runtime.app
            runner = ProjectionRunner(app, runtime.engine)
            d = District(app)
            volunteers = [d.volunteer() for _ in range(20)]
            steps = list(Steps(len(volunteers), scans // (2 * len(volunteers)) + 2))
            start, end, at_in, at_out = window()
            activities = [app.plan_activity(SYSTEM, d.office.id, f"活动{i}", "general",
                                            start, end, "活动室")
                          for i in range((len(steps) // 40) + 1)]
            tokens = {(a, action): app.scan_token(SYSTEM, activity.id, action)
                      for a, activity in enumerate(activities)
                      for action in ("check_in", "check_out")}

            def scan(v: int, a: int, action: str) -> None:
                app.scan(app.actor_for_volunteer(volunteers[v].id), tokens[(a, action)],
                         now=at_in if action == "check_in" else at_out)

            for step in steps[:40]:
                scan(*step)
            runner.catch_up()
            measured = steps[40:40 + scans]
            wall = cpu = 0.0
            for i in range(0, len(measured), page):
                for step in measured[i:i + page]:
                    scan(*step)
                w, c = time.perf_counter(), time.process_time()
                runner.catch_up()
                wall += time.perf_counter() - w
                cpu += time.process_time() - c
            return {"page": page, "scans": len(measured),
                    "cpu_ms": 1000 * cpu / len(measured), "wall_ms": 1000 * wall / len(measured)}
        finally:
            runtime.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres-url",
                        default=os.environ.get("TIMEBANK_BENCH_POSTGRES_URL", DEFAULT_URL))
    parser.add_argument("--scans", type=int, default=800)
    parser.add_argument("--pages", default="1,20,100,400")
    args = parser.parse_args()
    print("| scans per page | scans | follower CPU ms per scan | follower wall ms per scan |")
    print("|---:|---:|---:|---:|")
    for page in (int(p) for p in args.pages.split(",")):
        scans = min(args.scans, 200) if page == 1 else args.scans
        r = follower_cost(args.postgres_url, page, scans)
        print(f"| {r['page']} | {r['scans']} | {r['cpu_ms']:.3f} | {r['wall_ms']:.3f} |",
              flush=True)


if __name__ == "__main__":
    main()
