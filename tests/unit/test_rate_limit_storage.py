"""The in-process rate-limit storage: no sweeping timer, yet expired counters do not pile up,
and the limit still holds (api/rate_limits.py)."""

from __future__ import annotations

import pytest

import api.rate_limits as rate_limits
from api.rate_limits import RateLimiter, UnsweptMemoryStorage
from timebank.domain.errors import DomainError


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    import limits.storage.memory as memory
    import limits.strategies as strategies

    for module in (memory, rate_limits):
        monkeypatch.setattr(module.time, "time", fake.time)
    monkeypatch.setattr(strategies.time, "time", fake.time, raising=False)
    return fake


def test_the_limit_holds_and_no_timer_runs(clock: Clock) -> None:
    limiter = RateLimiter("memory://")
    storage = limiter._limiter.storage
    assert isinstance(storage, UnsweptMemoryStorage)
    assert not storage.timer.is_alive()
    for _ in range(3):
        limiter.hit("scan", "volunteer-1", per_minute=3)
    with pytest.raises(DomainError, match="rate_limited"):
        limiter.hit("scan", "volunteer-1", per_minute=3)
    limiter.hit("scan", "volunteer-2", per_minute=3)  # another caller is not limited
    assert not storage.timer.is_alive()
    clock.now += 3 * 60  # the window and the one before it have passed
    limiter.hit("scan", "volunteer-1", per_minute=3)


def test_expired_counters_are_dropped_a_few_per_hit(clock: Clock) -> None:
    limiter = RateLimiter("memory://")
    storage = limiter._limiter.storage
    for n in range(100):
        limiter.hit("scan", f"gone-{n}", per_minute=10)
    assert sum(1 for key in storage.storage if "gone-" in key) == 100
    clock.now += 10 * 60  # every one of them has expired, and none is asked again
    for n in range(60):
        limiter.hit("scan", f"active-{n}", per_minute=10)
    # Two expired counters dropped with each hit: after 50 hits, the 100 are gone.
    assert not any("gone-" in key for key in storage.storage)
