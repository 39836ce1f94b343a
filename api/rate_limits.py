"""Per-caller rate limits (moving window, in this process) with the `limits` library."""

from __future__ import annotations

from limits import RateLimitItem, RateLimitItemPerMinute, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from timebank.domain.errors import DomainError
from timebank.domain.values import normalise_mobile


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


def phone_bucket(raw: str) -> str:
    """The number as the login looks it up: +86, spaces and dashes do not buy more guesses;
    everything that is not a mobile number shares one bucket."""
    try:
        return normalise_mobile(raw)
    except DomainError:
        return "not-a-mobile-number"
