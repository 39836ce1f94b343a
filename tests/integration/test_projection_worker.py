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


def test_a_worker_on_postgres_is_woken_by_each_write_not_by_polling(
        postgres_settings: Settings) -> None:
    """The worker's loop with a poll interval of an hour: only the store's notification can
    wake it, and it catches up promptly after each write. A write in another schema of the
    same database (another bank partition, another test) rings another channel."""
    import threading
    import uuid

    import psycopg
    from sqlalchemy import create_engine

    from projections.runner import ProjectionRunner
    from projections.worker import follow
    from tests.conftest import PG_URL
    from timebank.infrastructure.log_notifications import LogBell, install_trigger

    runtime = build_runtime(postgres_settings)
    # Another schema of the same database, its log reduced to a table with the trigger.
    other_schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{other_schema}"')
        conn.execute(f'CREATE TABLE "{other_schema}".timebank_events (id int)')
    other = create_engine(postgres_settings.sqlalchemy_url(),
                          connect_args={"options": f"-csearch_path={other_schema}"})
    install_trigger(other, "timebank_events")
    bell = LogBell()
    stop = threading.Event()
    worker = None
    try:
        d = District.build(runtime.app)
        volunteer = d.volunteer()
        runner = ProjectionRunner(runtime.app, runtime.engine)
        bell.listen_to_store(postgres_settings.resolved_database_url, runtime.engine,
                             postgres_settings.database_schema)
        assert bell.listening
        worker = threading.Thread(target=follow, args=(lambda: runner.catch_up(stop=stop),
                                                       bell, stop, 3600.0))
        worker.start()
        passbook_id = str(volunteer.passbook_id)
        assert wait_for(lambda: balance(runtime.engine, passbook_id) == 0, 30)

        quiet = bell.mark()
        with other.begin() as conn:  # a write in the other schema only
            conn.exec_driver_sql("INSERT INTO timebank_events VALUES (1)")
        assert not bell.wait(quiet, 1.0), "another schema's writes rang this schema's bell"

        for minutes in (60, 30):
            d.earn(volunteer, minutes)
            stored = runtime.app.load_passbook(volunteer.passbook_no).balance
            assert wait_for(lambda s=stored: balance(runtime.engine, passbook_id) == s, 30), \
                "the worker was not woken by the write"
        assert wait_for(lambda: all(s.lag == 0 for s in runner.status()), 30)
    finally:
        stop.set()
        bell.close()
        if worker is not None:
            worker.join(timeout=30)
        runtime.close()
        other.dispose()
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{other_schema}" CASCADE')
    assert worker is not None and not worker.is_alive(), "the worker stops when asked"


def test_the_server_leaves_following_to_workers_when_told(tmp_path: Path) -> None:
    """TIMEBANK_FOLLOW_PROJECTIONS=false: no follower thread in the serving process, its
    periodic work still runs; by default (one self-sufficient process) it follows."""
    import threading

    from fastapi.testclient import TestClient

    from api.app import create_app
    from tests.conftest import make_sqlite_settings

    def followers() -> set[threading.Thread]:
        return {t for t in threading.enumerate() if t.name == "projections"}

    # A follower another test of this process left stopping (its stop waits 5 s at most)
    # is not this server's.
    earlier = followers()
    for follow, expected in ((False, False), (True, True)):
        settings = make_sqlite_settings(tmp_path / str(follow), follow_projections=follow)
        with TestClient(create_app(settings)) as client:
            assert client.get("/api/v1/health").status_code == 200
            names = {thread.name for thread in threading.enumerate()}
            assert bool(followers() - earlier) is expected
            assert "auto-close-and-checkpoint" in names
