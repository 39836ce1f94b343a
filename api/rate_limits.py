"""Per-caller rate limits (moving window, in this process) with the `limits` library."""

from __future__ import annotations

from limits import RateLimitItem, RateLimitItemPerMinute, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from timebank.domain.errors import DomainError


class RateLimiter:
    def __init__(self) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, bucket: str, who: str, per_minute: int) -> None:
        self.hit_limit(bucket, who, RateLimitItemPerMinute(per_minute))

    def hit_limit(self, bucket: str, who: str, limit: RateLimitItem | str) -> None:
        item = parse(limit) if isinstance(limit, str) else limit
        if not self._limiter.hit(item, bucket, who):
            raise DomainError("rate_limited")


# Phone + PIN guesses per phone number (known or not, the same answer).
LOGIN_LIMIT = "10 per 15 minutes"
