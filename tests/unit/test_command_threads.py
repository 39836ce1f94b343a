"""The command threads (api/command_threads.py): bounded, carrying the request's context."""

from __future__ import annotations

import asyncio
import threading
import time
from contextvars import ContextVar

import pytest

from api.command_threads import CommandThreads

request_id: ContextVar[str] = ContextVar("request_id", default="none")


def test_commands_run_in_the_named_threads_with_the_callers_context() -> None:
    threads = CommandThreads(2)

    def work(suffix: str) -> tuple[str, str]:
        return threading.current_thread().name, request_id.get() + suffix

    async def call() -> tuple[str, str]:
        request_id.set("rid-7")
        return await threads.run(work, "!")

    try:
        name, seen = asyncio.run(call())
    finally:
        threads.close()
    assert name.startswith("timebank-command")
    assert seen == "rid-7!"


def test_no_more_commands_run_at_once_than_there_are_threads() -> None:
    threads = CommandThreads(3)
    running = peak = 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.02)
        with lock:
            running -= 1

    async def many() -> None:
        await asyncio.gather(*(threads.run(work) for _ in range(12)))

    try:
        asyncio.run(many())
    finally:
        threads.close()
    assert peak == 3


def test_an_error_reaches_the_caller_and_close_waits_for_work_under_way() -> None:
    threads = CommandThreads(1)
    finished: list[str] = []

    def fails() -> None:
        raise LookupError("no such passbook")

    def slow() -> None:
        time.sleep(0.05)
        finished.append("slow")

    async def call() -> None:
        with pytest.raises(LookupError, match="no such passbook"):
            await threads.run(fails)
        # Handed to the thread, then the caller goes away (a client that hung up).
        waiting = asyncio.ensure_future(threads.run(slow))
        await asyncio.sleep(0.01)
        waiting.cancel()

    asyncio.run(call())
    threads.close()
    assert finished == ["slow"]


def test_at_least_one_thread() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        CommandThreads(0)
