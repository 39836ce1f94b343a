"""One CPU core for each API process of `timebank serve` (Linux).

The threads of a serving process (the event loop, the command threads, the projection
follower) run Python one at a time under the GIL, and hand it over at every database round
trip, every socket operation and every command passed between them. Left to the OS they
are spread over the cores, and each hand-over wakes a thread on another core: on the
virtual machines this runs on, a cross-core wake-up is an interrupt between processors
(often an exit to the hypervisor), and the caches of both cores go cold. Measured over HTTP
(docs/benchmarks.md), a third of the server's CPU per scan went to it, and held to one core
the same process answered half as many scans again per second. Pinned, the process still
uses that core only, which is all the GIL let it use for Python anyway; the database and
other processes keep the others.

Several workers (`--workers N`) each claim a slot (a lock file under the var folder, held
for the process's life, freed by the OS when it ends) and take the slot's core, so they
spread over the cores instead of piling onto the first.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)

# The slot's lock file stays open (and locked) as long as the process lives.
_held: IO[bytes] | None = None


def allowed_cpus() -> list[int]:
    return sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []


def claim_slot(slot_dir: Path, slots: int) -> int:
    """The first slot no other living process holds (the last one if all are held)."""
    import fcntl  # POSIX only, as the pinning itself (none elsewhere: `allowed_cpus` is empty)

    global _held
    slot_dir.mkdir(parents=True, exist_ok=True)
    for slot in range(slots):
        handle = (slot_dir / f"cpu-slot-{slot}.lock").open("ab")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        _held = handle
        return slot
    return slots - 1  # more processes than cores: share the last one


def pin_this_process(slot_dir: Path) -> int | None:
    """Pin every thread of this process (and those it starts later) to one core; returns
    that core, or None where there is nothing to choose (one core, not Linux)."""
    cpus = allowed_cpus()
    if len(cpus) < 2:
        return None
    cpu = cpus[claim_slot(slot_dir, len(cpus))]
    for task in Path("/proc/self/task").iterdir():
        # Threads inherit their creator's affinity; those already running are set here.
        with contextlib.suppress(OSError, ValueError):
            os.sched_setaffinity(int(task.name), {cpu})
    log.info("API process %s runs on CPU %s (TIMEBANK_PIN_CPU=false to let the OS place it)",
             os.getpid(), cpu)
    return cpu
