"""API processes on one core each (api/cpu_pinning.py): tried in processes of their own, so
the test's own process is never pinned."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from api.cpu_pinning import allowed_cpus

REPO = Path(__file__).resolve().parents[2]

PIN_AND_REPORT = textwrap.dedent("""
    import json, os, sys, threading
    from pathlib import Path
    from api.cpu_pinning import pin_this_process
    waiting = threading.Event()
    earlier = threading.Thread(target=waiting.wait)  # already running when pinned
    earlier.start()
    cpu = pin_this_process(Path(sys.argv[1]))
    seen = {}
    later = threading.Thread(target=lambda: seen.update(later=sorted(os.sched_getaffinity(0))))
    later.start(); later.join()
    print(json.dumps({"cpu": cpu, "main": sorted(os.sched_getaffinity(0)),
                      "earlier": sorted(os.sched_getaffinity(earlier.native_id)),
                      "later": seen["later"]}), flush=True)
    waiting.set()
    sys.stdin.read()  # holds its slot until told to end
""")

needs_two_cores = pytest.mark.skipif(
    len(allowed_cpus()) < 2, reason="pinning chooses among cores: this machine offers one")


class Pinned:
    def __init__(self, slot_dir: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", PIN_AND_REPORT, str(slot_dir)], cwd=REPO, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(REPO)})
        assert self.process.stdout is not None
        self.report: dict[str, Any] = json.loads(self.process.stdout.readline())

    def end(self) -> None:
        self.process.communicate("", timeout=30)


@needs_two_cores
def test_each_process_takes_a_core_of_its_own_and_all_its_threads_run_there(
        tmp_path: Path) -> None:
    cores = allowed_cpus()
    first = Pinned(tmp_path)
    second = Pinned(tmp_path)
    try:
        for pinned in (first, second):
            cpu = pinned.report["cpu"]
            assert pinned.report["main"] == pinned.report["earlier"] == \
                pinned.report["later"] == [cpu]
        assert [first.report["cpu"], second.report["cpu"]] == cores[:2]
    finally:
        first.end()
        second.end()
    # Its slot is free again once the process has ended: the next one takes that core.
    third = Pinned(tmp_path)
    try:
        assert third.report["cpu"] == cores[0]
    finally:
        third.end()


@needs_two_cores
def test_more_processes_than_cores_share_the_last_core(tmp_path: Path) -> None:
    cores = allowed_cpus()
    pinned = [Pinned(tmp_path) for _ in range(len(cores) + 1)]
    try:
        assert [p.report["cpu"] for p in pinned] == [*cores, cores[-1]]
    finally:
        for p in pinned:
            p.end()


def test_only_the_served_factory_pins(monkeypatch: pytest.MonkeyPatch,
                                      tmp_path: Path) -> None:
    """Tests and tools build the application with `create_app` (never pinned); `timebank
    serve` gives uvicorn `create_served_app`, which pins unless TIMEBANK_PIN_CPU=false."""
    import api.app

    calls: list[Path] = []
    monkeypatch.setattr(api.app, "pin_this_process", calls.append)
    monkeypatch.setenv("TIMEBANK_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("TIMEBANK_DATABASE_URL", f"sqlite:///{tmp_path / 'tb.db'}")
    from fastapi.testclient import TestClient

    with TestClient(api.app.create_app(follow_projections=False)):
        pass
    assert calls == []
    with TestClient(api.app.create_served_app()):
        pass
    assert calls == [tmp_path / "run"]
    monkeypatch.setenv("TIMEBANK_PIN_CPU", "false")
    with TestClient(api.app.create_served_app()):
        pass
    assert calls == [tmp_path / "run"]
