"""Per-caller rate limits (moving window) with the `limits` library.

The counts live where `TIMEBANK_RATE_LIMIT_STORAGE` says: in this process by default, or in
a store every worker shares (e.g. `redis://127.0.0.1:6379`), so that `serve --workers N`
does not multiply the allowance by N.
"""

from __future__ import annotations

import logging
from typing import Any

from limits import RateLimitItem, RateLimitItemPerMinute, parse
from limits.errors import ConfigurationError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from timebank.domain.errors import DomainError
from timebank.domain.values import normalise_mobile

log = logging.getLogger(__name__)

# Every key is prefixed, so that one shared store can serve several deployments.
KEY_PREFIX = "timebank"


class RateLimiter:
    def __init__(self, storage_uri: str = "memory://", namespace: str = KEY_PREFIX) -> None:
        try:
            storage = storage_from_string(storage_uri)
        except ConfigurationError as exc:
            raise ValueError(f"TIMEBANK_RATE_LIMIT_STORAGE: {exc}") from exc
        self._limiter = MovingWindowRateLimiter(storage)
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
            raise DomainError("rate_limited")


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
