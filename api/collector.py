"""The cyclic garbage collector's thresholds in a serving process.

With Python's defaults (a young collection every 700 new container objects) a scan's
allocations ran several young collections, and the older generations, which hold the
aggregate cache, were traversed every few hundred requests: measured over HTTP, about 5%
of the server's CPU per scan (docs/design-decisions.md). Collections 14 times rarer cost a
few thousand short-lived objects more in memory.
"""

from __future__ import annotations

import gc

SERVING_THRESHOLDS = (10_000, 20, 20)


def tune_for_serving() -> None:
    gc.set_threshold(*SERVING_THRESHOLDS)
