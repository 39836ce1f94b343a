"""Fixtures: every storage test runs on SQLite and on PostgreSQL, each in a fresh database/schema.

PostgreSQL: `TIMEBANK_TEST_POSTGRES_URL` (default postgresql://postgres@127.0.0.1:5432/test).
In CI (CI=true) a missing server fails the PostgreSQL tests loudly; elsewhere they skip,
saying why.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from api.app import create_app
from projections.runner import ProjectionRunner
from tests import openapi_conformance
from timebank.runtime import Runtime, build_runtime
from timebank.security import passwords, pins
from timebank.settings import Settings

PG_URL = os.environ.get("TIMEBANK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
TEST_SECRET = "test-secret-key-not-for-production-0123456789"

_pg_state: dict[str, str | None] = {}


def postgres_problem() -> str | None:
    """None when the server answers; otherwise why not (checked once per session)."""
    if "problem" not in _pg_state:
        try:
            with psycopg.connect(PG_URL, connect_timeout=3) as conn:
                conn.execute("SELECT 1")
            _pg_state["problem"] = None
        except psycopg.Error as exc:
            _pg_state["problem"] = f"PostgreSQL not reachable at {PG_URL}: {exc}"
    return _pg_state["problem"]


def require_postgres() -> None:
    problem = postgres_problem()
    if problem is None:
        return
    if IN_CI:
        pytest.fail(f"CI requires PostgreSQL and it is missing. {problem}", pytrace=False)
    pytest.skip(f"{problem} (set TIMEBANK_TEST_POSTGRES_URL; CI never skips these)")


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    # Same algorithm (argon2id), cheaper parameters: tests hash hundreds of PINs.
    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    monkeypatch.setattr(pins, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def make_sqlite_settings(directory: Path, **overrides: object) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        var_dir=directory,
        database_url=f"sqlite:///{directory / 'timebank.db'}",
        secret_key=TEST_SECRET,
        **overrides,  # type: ignore[arg-type]
    )


@pytest.fixture
def pg_schema() -> Iterator[str]:
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield schema
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def make_postgres_settings(directory: Path, schema: str, **overrides: object) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        var_dir=directory,
        database_url=PG_URL,
        database_schema=schema,
        secret_key=TEST_SECRET,
        **overrides,  # type: ignore[arg-type]
    )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def settings(store: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    if store == "sqlite":
        return make_sqlite_settings(tmp_path)
    schema = request.getfixturevalue("pg_schema")
    return make_postgres_settings(tmp_path, schema)


@pytest.fixture
def postgres_settings(tmp_path: Path, pg_schema: str) -> Settings:
    return make_postgres_settings(tmp_path, pg_schema)


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = build_runtime(settings)
    try:
        yield rt
    finally:
        rt.close()


@pytest.fixture
def services(runtime: Runtime):
    return runtime.app


@pytest.fixture
def runner(runtime: Runtime) -> ProjectionRunner:
    return ProjectionRunner(runtime.app, runtime.engine)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings, follow_projections=False)
    with TestClient(app) as test_client:
        # Every answer is checked against the served OpenAPI document (its statuses, its codes).
        openapi_conformance.install(test_client, app)
        yield test_client


@pytest.fixture
def partitioned_settings(
    store: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Settings]:
    """A directory and two bank partitions, "east" and "west", in three separate stores:
    SQLite files, or on PostgreSQL a fresh schema for the directory and for "east" and a
    fresh database for "west" (two databases, as a city deployment would have)."""
    if store == "sqlite":
        yield make_sqlite_settings(tmp_path, bank_databases={
            "east": f"sqlite:///{tmp_path / 'east.db'}",
            "west": f"sqlite:///{tmp_path / 'west.db'}",
        })
        return
    directory_schema = request.getfixturevalue("pg_schema")
    east_schema, west_db = f"t_{uuid.uuid4().hex[:16]}", f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{east_schema}"')
        conn.execute(f'CREATE DATABASE "{west_db}"')
    base = PG_URL.rsplit("/", 1)[0]
    try:
        yield make_postgres_settings(tmp_path, directory_schema, bank_databases={
            "east": f"{PG_URL}#{east_schema}", "west": f"{base}/{west_db}",
        })
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{east_schema}" CASCADE')
            conn.execute(f'DROP DATABASE IF EXISTS "{west_db}" WITH (FORCE)')


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """With `-n` (xdist's `load` distribution), every browser test goes to one worker, in
    its first batch; every other test is dealt out as `load` deals it. Each browser module's
    servers and worlds are then built once, not once per worker that draws one of its
    tests, and the time they add up to is what one process spends on them. (`--dist
    loadgroup` would say this with a mark, but pytest 9.2 broke it — pytest-xdist issue
    1386 — and scope-based schedulers key tests by node id, which the schemathesis fuzz
    tests share: they would run once instead of 187 times.)"""
    if config.getvalue("dist") != "load":
        return None
    from tests.xdist_scheduling import BrowserTestsTogether

    return BrowserTestsTogether(config, log)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests.browser_timing import report

    report(terminalreporter)
