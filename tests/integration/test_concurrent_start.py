"""Several processes starting at once on one PostgreSQL database, as `timebank serve
--workers N` and projection workers do: each migrates and opens the event store, and none
fails (PostgreSQL refuses concurrent `CREATE OR REPLACE FUNCTION` of one function)."""

from __future__ import annotations

import multiprocessing
from typing import Any

import pytest

from timebank.runtime import build_runtime
from timebank.settings import Settings

PROCESSES = 6


def start(settings_json: str, barrier: Any) -> str:
    settings = Settings.model_validate_json(settings_json)
    barrier.wait(timeout=60)  # every process begins its set-up at the same moment
    try:
        runtime = build_runtime(settings, migrate=True)
    except Exception as exc:  # the answer the test reports
        return f"{type(exc).__name__}: {exc}"
    runtime.close()
    return "ok"


@pytest.mark.postgres
@pytest.mark.parametrize("round_", range(3))
def test_processes_set_up_the_store_together(postgres_settings: Settings, round_: int) -> None:
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(PROCESSES)
        with context.Pool(PROCESSES) as pool:
            answers = pool.starmap(start, [(postgres_settings.model_dump_json(), barrier)]
                                   * PROCESSES)
    assert answers == ["ok"] * PROCESSES
