"""How long the browser suite (tests/e2e) takes, said at the end of every run that has it.

Issue 16 asks that the browser tests stay under three minutes. A test asserting a duration
would fail on a busy machine for no fault of the code, so this is a report, not a test: the
time of each browser test's setup, call and teardown added up — what one process running
them alone would spend — beside the budget, on the terminal and in
test-artifacts/e2e/timing.txt. The README gives the figures measured."""

from __future__ import annotations

from pathlib import Path
from typing import Any

BUDGET_SECONDS = 180
PREFIX = "tests/e2e/"
ARTIFACT = Path(__file__).resolve().parents[1] / "test-artifacts" / "e2e" / "timing.txt"


def browser_seconds(stats: dict[str, list[Any]]) -> tuple[int, float]:
    """(browser tests run, seconds spent on them) from the terminal reporter's reports."""
    seconds, tests = 0.0, set()
    for reports in stats.values():
        for report in reports:
            nodeid = getattr(report, "nodeid", "")
            if not nodeid.startswith(PREFIX) or not hasattr(report, "duration"):
                continue
            seconds += report.duration
            if report.when == "call":
                tests.add(nodeid)
    return len(tests), seconds


def summary_line(tests: int, seconds: float) -> str:
    verdict = "within" if seconds <= BUDGET_SECONDS else "OVER"
    return (f"browser tests: {tests} in {seconds:.0f} s of test time "
            f"({verdict} the {BUDGET_SECONDS} s budget of issue 16)")


def report(terminalreporter: Any) -> None:
    tests, seconds = browser_seconds(terminalreporter.stats)
    if not tests:
        return
    line = summary_line(tests, seconds)
    terminalreporter.write_line(line)
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(line + "\n", encoding="utf-8")
