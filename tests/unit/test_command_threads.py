"""The command threads (api/command_threads.py): bounded, carrying the request's context."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from typing import TypeVar

import pytest

from api.command_threads import CommandThreads

request_id: ContextVar[str] = ContextVar("request_id", default="none")

T = TypeVar("T")


def run_loop(main: Callable[[], Awaitable[T]]) -> T:
    """Run an event loop of the test's own in a thread of its own.

    The browser tests' sync Playwright keeps a loop running in the main thread of the pytest
    worker that ran them, where asyncio.run() refuses to start a second one.
    """

    async def wrapped() -> T:
        return await main()

    with ThreadPoolExecutor(1) as runner:
        return runner.submit(asyncio.run, wrapped()).result()


def test_commands_run_in_the_named_threads_with_the_callers_context() -> None:
    threads = CommandThreads(2)

    def work(suffix: str) -> tuple[str, str]:
        return threading.current_thread().name, request_id.get() + suffix

    async def call() -> tuple[str, str]:
        request_id.set("rid-7")
        return await threads.run(work, "!")

    try:
        name, seen = run_loop(call)
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
        run_loop(many)
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

    run_loop(call)
    threads.close()
    assert finished == ["slow"]


def test_at_least_one_thread() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        CommandThreads(0)
