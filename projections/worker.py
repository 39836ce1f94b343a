"""`timebank projections run`: follow the log in a process of its own, woken by writes.

On PostgreSQL each write notifies its schema's channel (timebank/infrastructure/
log_notifications.py), so a worker sleeps until there is something to apply and applies
it a moment later (`GATHER_SECONDS`, gathering the writes of that moment into one page);
the interval is then only a safety net. On SQLite it polls at the interval.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from timebank.infrastructure.log_notifications import LogBell

log = logging.getLogger(__name__)

# Seconds between polls without notifications (SQLite), and the safety net with them.
POLL_SECONDS = 0.5
SAFETY_NET_SECONDS = 60.0
# Once the bell rings, this much longer before catching up, so that the writes of that moment
# are applied as one page: a page of one scan cost the worker about 6 ms of CPU, a page of
# twenty 0.45 ms a scan, of two hundred 0.1 ms (`python -m benchmarks.follower`). A read
# still sees its own writes at once (its inline catch-up); the others' come this much later.
GATHER_SECONDS = 0.05


def follow(catch_up: Callable[[], object], bell: LogBell | None, stop: threading.Event,
           interval: float | None = None, label: str = "") -> None:
    """Catch up, then wait for the bell (or the interval), until `stop` is set."""
    listening = bell is not None and bell.listening
    if interval is None:
        interval = SAFETY_NET_SECONDS if listening else POLL_SECONDS
    while not stop.is_set():
        # Marked before catching up: a write committed meanwhile rings after the mark,
        # and the wait below returns at once.
        mark = bell.mark() if bell is not None else 0
        try:
            catch_up()
        except Exception:  # one partition's failure is logged; the others go on
            log.exception("catching up %s failed", label or "the read models")
        if listening:
            assert bell is not None
            if bell.wait(mark, interval):
                stop.wait(GATHER_SECONDS)
        else:
            stop.wait(interval)
