"""Per-caller rate limits (a sliding window of two counters) with the `limits` library.

The counts live where `TIMEBANK_RATE_LIMIT_STORAGE` says: in this process by default, or in
a store every worker shares (e.g. `redis://127.0.0.1:6379`), so that `serve --workers N`
does not multiply the allowance by N.

The strategy is the library's sliding-window counter: the count of the current window plus
the previous window's, weighted by how much of it still lies inside the last minute (or 15
minutes) — the library's approximation of a moving window, two counters per caller instead
of a timestamp per hit. In this process the counters live in `UnsweptMemoryStorage`, whose
cost per hit does not grow with the number of callers (docs/benchmarks.md).
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from datetime import UTC, datetime
from typing import Any

from limits import RateLimitItem, RateLimitItemPerMinute, parse
from limits.errors import ConfigurationError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter

from timebank.domain.errors import DomainError
from timebank.domain.values import normalise_mobile

log = logging.getLogger(__name__)

# Every key is prefixed, so that one shared store can serve several deployments.
KEY_PREFIX = "timebank"


class UnsweptMemoryStorage(MemoryStorage):
    """The library's in-memory storage, without its sweeping timer.

    `limits`' memory storage starts a timer 10 ms after any hit that walks every key it
    holds to drop the expired ones: with 10,000 volunteers active, every hit pays for walks
    of 10,000 keys. Here nothing walks. An expired counter is dropped when its key is read
    again (the library's own `get` does that), and each new counter is queued by its expiry,
    so that every hit also drops at most two counters that expired and were never read
    again: constant work per hit, and memory bounded by the counters alive."""

    def __init__(self, uri: str | None = None, **options: Any) -> None:
        super().__init__(uri, **options)
        self.timer.cancel()
        self.timer.join()  # it wakes once, 10 ms after the start, and does nothing
        self._due: list[tuple[float, str]] = []
        self._due_lock = threading.Lock()

    def _MemoryStorage__schedule_expiry(self) -> None:  # the library's timer: never started
        return

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        count = super().incr(key, expiry, amount)
        with self._due_lock:
            if count == amount:  # a new counter
                heapq.heappush(self._due, (self.expirations.get(key, 0.0), key))
            now = time.time()
            for _ in range(2):
                if not self._due or self._due[0][0] > now:
                    break
                _, due_key = heapq.heappop(self._due)
                if self.expirations.get(due_key, now) <= now:  # not renewed since
                    self.storage.pop(due_key, None)
                    self.expirations.pop(due_key, None)
                    self.locks.pop(due_key, None)
        return count


class RateLimiter:
    def __init__(self, storage_uri: str = "memory://", namespace: str = KEY_PREFIX) -> None:
        try:
            storage = (UnsweptMemoryStorage() if storage_uri.startswith("memory://")
                       else storage_from_string(storage_uri))
        except ConfigurationError as exc:
            raise ValueError(f"TIMEBANK_RATE_LIMIT_STORAGE: {exc}") from exc
        self._limiter = SlidingWindowCounterRateLimiter(storage)
        self._namespace = namespace

    def hit(self, bucket: str, who: str, per_minute: int) -> None:
        self.hit_limit(bucket, who, RateLimitItemPerMinute(per_minute))

    def hit_limit(self, bucket: str, who: str, limit: RateLimitItem | str) -> None:
        item = parse(limit) if isinstance(limit, str) else limit
        try:
            allowed = self._limiter.hit(item, self._namespace, bucket, who)
        except Exception:
            # The shared store is unreachable: let the request through rather than lock
            # everyone out. The lock-outs that guard PINs and passwords are events in the
            # ledger, so they still hold; the outage is in the logs.
            log.exception("rate-limit store unreachable; %s not counted", bucket)
            return
        if not allowed:
            # When the caller may try again, for the page to say (the API's answer is as
            # before: its message and code).
            raise DomainError("rate_limited", retry_at=self._reset_at(item, bucket, who))

    def remaining(self, bucket: str, who: str, limit: RateLimitItem | str) -> int | None:
        """Hits still allowed in the window (None when the store cannot say)."""
        item = parse(limit) if isinstance(limit, str) else limit
        try:
            return max(0, int(self._limiter.get_window_stats(
                item, self._namespace, bucket, who).remaining))
        except Exception:
            log.exception("rate-limit store unreachable; %s not read", bucket)
            return None

    def _reset_at(self, item: RateLimitItem, bucket: str, who: str) -> datetime | None:
        try:
            reset = self._limiter.get_window_stats(item, self._namespace, bucket, who).reset_time
        except Exception:
            log.exception("rate-limit store unreachable; %s reset unknown", bucket)
            return None
        # The sliding window frees one try before the whole window is over; never say a
        # moment already past.
        return datetime.fromtimestamp(max(reset, time.time() + 60), UTC)


# Logins (phone + PIN, username + password; known or not, the same answer) are limited
# three ways, all in the shared store:
# - per account and address pair: a stranger's guesses use up only their own allowance, so
#   they cannot keep the real user out from another address;
LOGIN_LIMIT = "10 per 15 minutes"
# - per address, whatever the account: one address cannot try a PIN across many phones;
ADDRESS_LIMIT = "30 per 15 minutes"
# - overall: many addresses together (a botnet) still meet a ceiling.
OVERALL_LIMIT = "600 per minute"


def guard_login(limiter: RateLimiter, kind: str, account: str, address: str) -> None:
    """Count one login attempt of `kind` ("login" for volunteers, "staff-login") for this
    account from this address; `rate_limited` (429) past any of the three limits."""
    limiter.hit_limit(f"{kind}-overall", "all", OVERALL_LIMIT)
    limiter.hit_limit(f"{kind}-address", address, ADDRESS_LIMIT)
    limiter.hit_limit(kind, f"{account}|{address}", LOGIN_LIMIT)


def login_tries_left(limiter: RateLimiter, kind: str, account: str, address: str) -> int | None:
    """How many more logins this account may try from this address in the window."""
    return limiter.remaining(kind, f"{account}|{address}", LOGIN_LIMIT)


def client_address(request: Any) -> str:
    """Where the request came from as the server sees it (behind a reverse proxy, run
    uvicorn with --proxy-headers and --forwarded-allow-ips so that this is the client's)."""
    client = getattr(request, "client", None)
    return client.host if client and client.host else "unknown"


def phone_bucket(raw: str) -> str:
    """The number as the login looks it up: +86, spaces and dashes do not buy more guesses;
    everything that is not a mobile number shares one bucket."""
    try:
        return normalise_mobile(raw)
    except DomainError:
        return "not-a-mobile-number"
