"""The threads the busiest commands (scan, approval, redemption) run in: a few, not forty.

A command blocks on the store, so it leaves the event loop for a thread. Starlette's
`run_in_threadpool` sends it to anyio's shared pool of 40 threads, through a capacity
limiter and cancel scopes that cost about 45 µs of CPU per hop (measured beside
`loop.run_in_executor`: 95–100 µs against 50). Forty threads are also more than the store can
use: its pool holds `pool_size` connections (5 by default), a save takes the event table's
lock in turn, and the threads beyond those only wait — each still waking, taking the GIL and
giving it back. Over HTTP, a scan cost about a tenth less server CPU with a pool of 4–8
threads than with anyio's 40 (docs/benchmarks.md).

So these commands run in a pool of their own, sized by `command_threads` (default: the
store's `pool_size`). The request's context variables go with each call, as anyio's hop
carries them. A request whose client goes away stops waiting; its command runs to its end
in the thread, as it did before (anyio shielded the wait instead), and stores all or nothing.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

from starlette.requests import Request

Result = TypeVar("Result")


class CommandThreads:
    def __init__(self, threads: int) -> None:
        if threads < 1:
            raise ValueError("command_threads must be at least 1")
        self.threads = threads
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="timebank-command")

    async def run(self, func: Callable[..., Result], *args: Any) -> Result:
        call = partial(contextvars.copy_context().run, func, *args)
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    def close(self) -> None:
        """Let the commands under way finish, then end the threads."""
        self._executor.shutdown(wait=True)


async def run_command(request: Request, func: Callable[..., Result], *args: Any) -> Result:
    """Run a blocking command in the application's command threads."""
    threads: CommandThreads = request.app.state.command_threads
    return await threads.run(func, *args)
