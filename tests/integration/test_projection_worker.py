"""The projection worker as its own process: `timebank projections run` catches up from its
recorded position, then follows new events live; `timebank projections status` shows each
projection's position and lag. Commands never wait for it."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from projections.tables import passbooks
from tests.helpers import District
from tests.integration.test_crash_safety import environment
from timebank.runtime import build_runtime
from timebank.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def cli(settings: Settings, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "timebank.cli", *args], env=environment(settings), cwd=ROOT,
        capture_output=True, text=True, timeout=120, check=True,
    )
    return done.stdout


def lags(status_output: str) -> dict[str, int]:
    """{projection: lag} from lines like 'passbooks: position 12, lag 0'."""
    parsed = {}
    for line in status_output.splitlines():
        name, _, rest = line.partition(": position ")
        parsed[name] = int(rest.rsplit("lag ", 1)[1])
    return parsed


def balance(engine, passbook_id: str) -> int | None:
    with engine.connect() as conn:
        return conn.execute(
            select(passbooks.c.balance).where(passbooks.c.passbook_id == passbook_id)
        ).scalar_one_or_none()


def wait_for(condition, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_the_worker_catches_up_then_follows_live(settings: Settings) -> None:
    runtime = build_runtime(settings)
    worker = None
    try:
        d = District.build(runtime.app)
        volunteer = d.volunteer()
        d.earn(volunteer, 60)  # no runner in this process: the read models stay behind
        passbook_id = str(volunteer.passbook_id)
        assert balance(runtime.engine, passbook_id) is None

        behind = lags(cli(settings, "projections", "status"))
        assert behind["passbooks"] > 0 and behind["rollups"] > 0

        worker = subprocess.Popen(
            [sys.executable, "-m", "timebank.cli", "projections", "run", "--interval", "0.1"],
            env=environment(settings), cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        earned = runtime.app.load_passbook(volunteer.passbook_no).balance
        assert earned > 0
        assert wait_for(lambda: balance(runtime.engine, passbook_id) == earned), \
            "the worker did not catch up"

        # Live: a command answered here is projected by the other process shortly after.
        d.earn(volunteer, 30)
        later = runtime.app.load_passbook(volunteer.passbook_no).balance
        assert later > earned
        assert wait_for(lambda: balance(runtime.engine, passbook_id) == later), \
            "the worker did not follow the new events"
        assert wait_for(lambda: set(lags(cli(settings, "projections", "status")).values())
                        == {0})
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGINT)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        runtime.close()
    assert worker.returncode == 0, "the worker stops cleanly on an interrupt"
