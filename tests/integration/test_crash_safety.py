"""Crash safety: SIGKILL the server in the middle of a stream of writes, and the projection
worker in the middle of a rebuild. On restart nothing written is lost, nothing is applied
twice, the read models equal a fresh rebuild and the audit chain verifies."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, text

from projections.runner import ProjectionRunner
from projections.tables import metadata, projection_positions
from tests.helpers import ADMIN, District
from timebank.runtime import build_runtime
from timebank.settings import Settings

TRANSFERS = 60


def environment(settings: Settings) -> dict[str, str]:
    env = {**os.environ, "TIMEBANK_DATABASE_URL": settings.resolved_database_url,
           "TIMEBANK_SECRET_KEY": settings.resolved_secret_key,
           "TIMEBANK_VAR_DIR": str(settings.var_dir)}
    if settings.database_schema:
        env["TIMEBANK_DATABASE_SCHEMA"] = settings.database_schema
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(settings: Settings, port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "timebank.cli", "serve", "--port", str(port)],
        env=environment(settings), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        cwd=Path(__file__).resolve().parents[2],
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("the server did not come up")


def dump(runner: ProjectionRunner) -> dict[str, list[Any]]:
    with runner.engine.connect() as conn:
        return {t.name: sorted(map(tuple, conn.execute(select(t))), key=repr)
                for t in metadata.sorted_tables if t.name != "projection_positions"}


def test_sigkill_mid_stream_loses_and_doubles_nothing(settings: Settings) -> None:
    runtime = build_runtime(settings)
    try:
        app = runtime.app
        app.ensure_admin(*ADMIN)
        d = District.build(app)
        giver, receiver = d.volunteer(), d.volunteer(name="李四")
        d.earn(giver, 600)  # 100 points
    finally:
        runtime.close()

    port = free_port()
    server = start_server(settings, port)
    base = f"http://127.0.0.1:{port}/api/v1"
    # Transfers are the owner's gift: the stream runs with the giver's own token.
    runtime = build_runtime(settings, migrate=False)
    try:
        volunteer_token = runtime.signer.issue(str(giver.id), "volunteer")
    finally:
        runtime.close()
    headers = {"Authorization": f"Bearer {volunteer_token}"}
    acknowledged: dict[str, Any] = {}

    def stream() -> None:
        with httpx.Client(timeout=5) as client:
            for n in range(TRANSFERS):
                try:
                    response = client.post(
                        f"{base}/transfers",
                        json={"from_passbook": giver.passbook_no,
                              "to_passbook": receiver.passbook_no, "points": 1, "note": ""},
                        headers={**headers, "Idempotency-Key": f"crash-{n}"})
                except httpx.HTTPError:
                    return  # the server died under us
                acknowledged[f"crash-{n}"] = response.json()

    writer = threading.Thread(target=stream)
    writer.start()
    while len(acknowledged) < TRANSFERS // 3 and writer.is_alive():
        time.sleep(0.01)
    server.send_signal(signal.SIGKILL)
    server.wait()
    writer.join()
    assert 0 < len(acknowledged) < TRANSFERS, "the kill landed mid-stream"

    server = start_server(settings, port)
    try:
        with httpx.Client(timeout=10) as client:
            for n in range(TRANSFERS):  # the client retries everything, as a kiosk would
                key = f"crash-{n}"
                response = client.post(
                    f"{base}/transfers",
                    json={"from_passbook": giver.passbook_no,
                          "to_passbook": receiver.passbook_no, "points": 1, "note": ""},
                    headers={**headers, "Idempotency-Key": key})
                assert response.status_code == 201, response.text
                if key in acknowledged:
                    assert response.json() == acknowledged[key]  # the first answer, again
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait()

    check = build_runtime(settings, migrate=False)
    try:
        app = check.app
        assert app.load_passbook(giver.passbook_no).balance == 100 - TRANSFERS
        assert app.load_passbook(receiver.passbook_no).balance == TRANSFERS
        runner = ProjectionRunner(app, check.engine)
        runner.catch_up()
        from projections import audit_queries

        assert audit_queries.verify_chain(app.recorder, check.engine, app.mapper,
                                         app.trusted_checkpoint_keys)["ok"]
        live = dump(runner)
        assert len(live["passbook_entries"]) == 1 + 2 * TRANSFERS
        runner.rebuild()
        assert dump(runner) == live
    finally:
        check.close()


def shadow_exists(settings: Settings, engine: Any) -> bool:
    """Whether a rebuild's shadow (projections/rebuild.py) is there: a schema beside the
    live one on PostgreSQL, a file beside the database on SQLite."""
    from projections.rebuild import shadow_schema_name

    if not settings.is_postgres:
        return Path(str(settings.sqlite_path()) + ".rebuild").exists()
    with engine.connect() as conn:
        live = conn.execute(text("SELECT current_schema()")).scalar_one()
        return conn.execute(text("SELECT 1 FROM pg_namespace WHERE nspname = :name"),
                            {"name": shadow_schema_name(live)}).first() is not None


def test_sigkill_mid_rebuild_leaves_the_live_tables_serving(settings: Settings) -> None:
    """A rebuild replays into a shadow and swaps it in at the end: killed half way, it
    leaves the live tables and positions exactly as they were, and the next rebuild throws
    the shadow away, swaps its own in and leaves none behind."""
    runtime = build_runtime(settings)
    try:
        app = runtime.app
        d = District.build(app)
        volunteers = [d.volunteer(name=f"志愿者{i}") for i in range(6)]
        for _ in range(25):
            for volunteer in volunteers:
                d.earn(volunteer, 30)
        runner = ProjectionRunner(app, runtime.engine)
        runner.catch_up()
        live = dump(runner)
        stored = app.recorder.max_notification_id()
    finally:
        runtime.close()
    assert stored > 500

    rebuild = subprocess.Popen(
        [sys.executable, "-m", "timebank.cli", "projections", "rebuild"],
        env=environment(settings), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        cwd=Path(__file__).resolve().parents[2],
    )
    # Kill it as soon as its shadow exists: the replay is under way, nothing swapped yet.
    watcher = build_runtime(settings, migrate=False)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and rebuild.poll() is None:
            if shadow_exists(settings, watcher.engine):
                break
            time.sleep(0.005)
        assert rebuild.poll() is None, "the rebuild ended before it could be interrupted"
        rebuild.send_signal(signal.SIGKILL)
        rebuild.wait()
        assert shadow_exists(settings, watcher.engine), "killed mid-rebuild"
        with watcher.engine.connect() as conn:
            interrupted = [p for _, p in conn.execute(select(projection_positions))]
        assert interrupted and set(interrupted) == {stored}  # the live positions never moved
        assert dump(ProjectionRunner(watcher.app, watcher.engine)) == live  # nor their rows
    finally:
        watcher.close()

    check = build_runtime(settings, migrate=False)
    try:
        runner = ProjectionRunner(check.app, check.engine)
        runner.rebuild(processes=2)
        assert dump(runner) == live
        assert all(s.lag == 0 for s in runner.status())
        assert not shadow_exists(settings, check.engine)
        from projections import audit_queries

        assert audit_queries.verify_chain(check.app.recorder, check.engine, check.app.mapper,
                                         check.app.trusted_checkpoint_keys)["ok"]
    finally:
        check.close()


def test_a_worker_in_threads_follows_the_log_and_applies_each_event_once(
        settings: Settings) -> None:
    runtime = build_runtime(settings)
    try:
        app = runtime.app
        d = District.build(app)
        volunteers = [d.volunteer(name=f"志愿者{i}") for i in range(4)]
        for volunteer in volunteers:
            d.earn(volunteer, 30)
    finally:
        runtime.close()

    worker = subprocess.Popen(
        [sys.executable, "-m", "timebank.cli", "projections", "run", "--threads", "3",
         "--interval", "0.05"],
        env=environment(settings), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        cwd=Path(__file__).resolve().parents[2],
    )
    check = build_runtime(settings, migrate=False)
    try:
        runner = ProjectionRunner(check.app, check.engine)
        # Live: events written while the worker runs are followed too.
        live_district = District(check.app, office=d.office)
        for volunteer in volunteers:
            live_district.earn(volunteer, 30)
        head = runner.head()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and worker.poll() is None:
            if all(s.position == head for s in runner.status()):
                break
            time.sleep(0.05)
        assert worker.poll() is None, "the worker stopped"
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        assert all(s.lag == 0 for s in runner.status())
        live = dump(runner)
        runner.rebuild()
        assert dump(runner) == live
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        check.close()
