"""The browser suite's time report adds up each browser test's phases and nothing else."""

from __future__ import annotations

from types import SimpleNamespace

from tests.browser_timing import browser_seconds, summary_line


def phase(nodeid: str, when: str, duration: float) -> SimpleNamespace:
    return SimpleNamespace(nodeid=nodeid, when=when, duration=duration)


def test_only_browser_tests_count_each_phase_once() -> None:
    stats = {
        "passed": [phase("tests/e2e/test_layout.py::a", "setup", 2.0),
                   phase("tests/e2e/test_layout.py::a", "call", 3.0),
                   phase("tests/e2e/test_layout.py::a", "teardown", 0.5),
                   phase("tests/api/test_x.py::b", "call", 40.0)],
        "failed": [phase("tests/e2e/test_people_flows.py::c", "call", 1.5)],
        "warnings": [SimpleNamespace(message="no nodeid")],
    }
    assert browser_seconds(stats) == (2, 7.0)


def test_the_line_names_the_budget() -> None:
    assert summary_line(32, 95.2) == (
        "browser tests: 32 in 95 s of test time (within the 180 s budget of issue 16)")
    assert "OVER the 180 s budget" in summary_line(32, 200)
