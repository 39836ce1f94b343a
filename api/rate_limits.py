"""Per-caller rate limits (moving window, in this process) with the `limits` library."""

from __future__ import annotations

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from timebank.domain.errors import DomainError


class RateLimiter:
    def __init__(self) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, bucket: str, who: str, per_minute: int) -> None:
        if not self._limiter.hit(RateLimitItemPerMinute(per_minute), bucket, who):
            raise DomainError("rate_limited")
