"""Rate limits shared by every worker through a common store (Redis), not one per process."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.rate_limits import RateLimiter
from tests.conftest import IN_CI
from tests.helpers import HttpDistrict
from timebank.domain.errors import DomainError

REDIS_URL = os.environ.get("TIMEBANK_TEST_REDIS_URL", "redis://127.0.0.1:6379")


@pytest.fixture
def redis_url() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        problem = f"Redis not reachable at {REDIS_URL}: {exc}"
        if IN_CI:
            pytest.fail(f"CI requires Redis for the shared rate limits. {problem}", pytrace=False)
        pytest.skip(f"{problem} (set TIMEBANK_TEST_REDIS_URL)")
    return REDIS_URL


def hits(limiter: RateLimiter, who: str, limit: str) -> str:
    try:
        limiter.hit_limit("login", who, limit)
        return "ok"
    except DomainError as exc:
        return exc.code


def test_two_workers_sharing_a_store_share_one_allowance(redis_url: str) -> None:
    namespace = f"test-{uuid.uuid4().hex}"
    worker_a = RateLimiter(redis_url, namespace)
    worker_b = RateLimiter(redis_url, namespace)
    answers = [hits(worker, "13900000001", "4 per minute")
               for worker in (worker_a, worker_b) * 3]
    assert answers == ["ok", "ok", "ok", "ok", "rate_limited", "rate_limited"]
    # Another caller has an allowance of its own.
    assert hits(worker_b, "13900000002", "4 per minute") == "ok"


def test_in_memory_counts_are_per_process() -> None:
    worker_a, worker_b = RateLimiter(), RateLimiter()
    answers = [hits(worker, "13900000001", "2 per minute") for worker in (worker_a, worker_b) * 2]
    assert answers == ["ok", "ok", "ok", "ok"]
    assert hits(worker_a, "13900000001", "2 per minute") == "rate_limited"


def test_an_unreachable_store_lets_requests_through_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    limiter = RateLimiter("redis://127.0.0.1:1")  # nothing listens on port 1
    with caplog.at_level(logging.ERROR, logger="api.rate_limits"):
        assert [hits(limiter, "13900000001", "1 per minute") for _ in range(3)] == ["ok"] * 3
    assert "rate-limit store unreachable" in caplog.text
    assert "13900000001" not in caplog.text  # the bucket is logged, never who


def test_a_storage_uri_the_library_does_not_know_fails_at_start() -> None:
    with pytest.raises(ValueError, match="TIMEBANK_RATE_LIMIT_STORAGE"):
        RateLimiter("nosuchstore://somewhere")


@pytest.fixture
def two_workers(settings, redis_url: str) -> Iterator[tuple[TestClient, TestClient]]:
    """Two app instances on one database, as `serve --workers 2` runs them."""
    # A namespace of its own: the store outlives test runs, and every test client calls
    # from the same address, whose allowance earlier runs would otherwise have used up.
    shared = settings.model_copy(update={"rate_limit_storage": redis_url,
                                         "rate_limit_namespace": f"test-{uuid.uuid4().hex}"})
    with (TestClient(create_app(shared, follow_projections=False)) as first,
          TestClient(create_app(shared, follow_projections=False)) as second):
        yield first, second


def test_pin_guesses_spread_over_two_workers_meet_one_limit(two_workers) -> None:
    first, second = two_workers
    d = HttpDistrict.build(first)
    # Random, so that the shared store (which outlives test runs) starts from zero.
    phone = f"139{uuid.uuid4().int % 10**8:08d}"
    d.volunteer(phone=phone)
    codes = [
        (first, second)[n % 2].post(
            "/api/v1/auth/volunteer-token", json={"phone": phone, "pin": "000000"}
        ).status_code
        for n in range(12)
    ]
    # With a store per process, each worker would have allowed 10: 20 guesses in all.
    assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]
