"""Command throughput with group commit on and off, rounds interleaved in one run.

    python -m benchmarks.group_commit [--rounds 3] [--commands 200] [--threads 8]

Runs benchmarks/run.py's command section (`bench_commands`) with TIMEBANK_GROUP_COMMIT
true, then false, `rounds` times, and reports the median of each figure and the ratio
on ÷ off. Interleaving puts both settings through the same moments of a noisy machine.
Not a test: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import os
import statistics
from datetime import UTC, datetime
from typing import Any

from benchmarks import run
from benchmarks.run import DEFAULT_URL, bench_commands

FIGURES = (
    ("approve_serial", "approve service record, serial"),
    ("approve_parallel", "approve service record, {threads} threads"),
    ("redeem_serial", "kiosk redemption, serial"),
    ("redeem_parallel", "kiosk redemption, {threads} threads"),
    ("raw_one", "reference: raw one-row insert transactions, 1 connection"),
    ("raw_parallel", "reference: raw one-row insert transactions, {threads} connections"),
    ("raw_batched", "reference: raw inserts batched 500 rows per transaction"),
)


class SharingCounter:
    """Saves and commits of the group-commit recorder during each threaded phase of
    bench_commands (approvals, then redemptions): how many commands shared a transaction.
    A count, so the machine's noise cannot move it the way it moves rates."""

    def __init__(self) -> None:
        self.runtime: Any = None
        self.phases: list[list[tuple[int, int]]] = []  # per round: (saves, commits) per phase
        self._runtime_for = run.runtime_for
        self._in_threads = run.in_threads

    def __enter__(self) -> SharingCounter:
        def runtime_for(*args: Any, **kwargs: Any) -> Any:
            self.runtime = self._runtime_for(*args, **kwargs)
            self.phases.append([])
            return self.runtime

        def in_threads(threads: int, jobs: list[Any]) -> float:
            group = getattr(self.runtime.app.recorder, "group_commit", None)
            if group is None:
                return self._in_threads(threads, jobs)
            saves, commits = group.saves, group.commits
            seconds = self._in_threads(threads, jobs)
            self.phases[-1].append((group.saves - saves, group.commits - commits))
            return seconds

        run.runtime_for, run.in_threads = runtime_for, in_threads  # type: ignore[assignment]
        return self

    def __exit__(self, *_: object) -> None:
        run.runtime_for, run.in_threads = self._runtime_for, self._in_threads

    def per_commit(self, phase: int) -> float:
        saves = sum(r[phase][0] for r in self.phases if len(r) > phase)
        commits = sum(r[phase][1] for r in self.phases if len(r) > phase)
        return saves / commits if commits else float("nan")


def run_group_commit_ab(url: str, rounds: int = 3, commands: int = 200,
                        threads: int = 8) -> str:
    runs: dict[bool, list[dict[str, Any]]] = {True: [], False: []}
    before = os.environ.get("TIMEBANK_GROUP_COMMIT")
    sharing = SharingCounter()
    try:
        for round_no in range(rounds):
            for on in (True, False):
                # bench_commands builds its Settings from the environment.
                os.environ["TIMEBANK_GROUP_COMMIT"] = "true" if on else "false"
                print(f"round {round_no + 1}/{rounds}, group commit {'on' if on else 'off'} …",
                      flush=True)
                if on:
                    with sharing:
                        runs[on].append(bench_commands(url, commands, threads))
                else:
                    runs[on].append(bench_commands(url, commands, threads))
                print(runs[on][-1], flush=True)
    finally:
        if before is None:
            os.environ.pop("TIMEBANK_GROUP_COMMIT", None)
        else:
            os.environ["TIMEBANK_GROUP_COMMIT"] = before
    median = {on: {key: statistics.median(r[key] for r in runs[on]) for key, _ in FIGURES}
              for on in runs}
    lines = [
        "## Command throughput with group commit on and off",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `python -m benchmarks.group_commit "
        f"--rounds {rounds} --commands {commands} --threads {threads}`: benchmarks/run.py's "
        "command section, the two settings alternating round by round; medians of the "
        "rounds, commands (or rows) per second.",
        "",
        "| what | group commit on | off | on ÷ off | on ÷ raw one-row (same round set) |",
        "|---|---:|---:|---:|---:|",
    ]
    for key, label in FIGURES:
        on, off = median[True][key], median[False][key]
        lines.append(f"| {label.format(threads=threads)} | {on:.0f} | {off:.0f} "
                     f"| {on / off:.2f}× | {on / median[True]['raw_one']:.2g}× |")
    lines += [
        "",
        f"With group commit on, commands per transaction in {threads} threads (saves ÷ "
        f"commits of the recorder, all rounds): approvals {sharing.per_commit(0):.2f}, "
        f"redemptions {sharing.per_commit(1):.2f}. Off, every save is a transaction of its own.",
        "",
        "Every round per setting, on | off (approvals in threads):",
        "",
        "| round | " + " | ".join(f"{n + 1}" for n in range(rounds)) + " |",
        "|---|" + "---:|" * rounds,
        "| approvals, threads | " + " | ".join(
            f"{a['approve_parallel']:.0f} \\| {b['approve_parallel']:.0f}"
            for a, b in zip(runs[True], runs[False], strict=True)) + " |",
        "| raw one-row, 1 connection | " + " | ".join(
            f"{a['raw_one']:.0f} \\| {b['raw_one']:.0f}"
            for a, b in zip(runs[True], runs[False], strict=True)) + " |",
        "",
        "The raw inserts do not use the setting: their spread between the two columns is the "
        "machine's noise, the yardstick for reading the other ratios.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres-url",
                        default=os.environ.get("TIMEBANK_BENCH_POSTGRES_URL", DEFAULT_URL))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--commands", type=int, default=200)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    print(run_group_commit_ab(args.postgres_url, args.rounds, args.commands, args.threads))


if __name__ == "__main__":
    main()
