"""Request logs with request ids (never bodies, query strings or raw paths: they can hold
personal data and scan tokens), security headers, and Prometheus metrics."""

from __future__ import annotations

import hmac
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from api.errors import error_body

request_log = logging.getLogger("timebank.requests")

# Pages may run their own script and styles only; nothing from elsewhere (no CDN).
PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'")


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram("timebank_request_seconds", "Request latency by route.",
                                 ["method", "route", "status"], registry=self.registry)
        self.events = Counter("timebank_events_appended_total", "Events stored.",
                              registry=self.registry)
        self.lag = Gauge("timebank_projection_lag_events",
                         "Events a projection has not applied yet, per partition (the "
                         "directory, each bank partition, and the city rollup's followers).",
                         ["partition", "projection"], registry=self.registry)
        self.pool = Gauge("timebank_db_pool_checked_out", "Read-model pool connections in use.",
                          registry=self.registry)
        self.commits = Gauge("timebank_store_commits", "Event-store transactions run by this "
                             "process (group commit).", registry=self.registry)
        self.saves = Gauge("timebank_store_saves", "Command saves answered by those "
                           "transactions; saves/commits is the group size.",
                           registry=self.registry)


def route_of(request: Request) -> str:
    """The route's template (/api/v1/kiosk/passbooks/{passbook_no}), never the raw path."""
    if request.scope.get("route") is None:
        return "unmatched"
    by_value = {str(v): k for k, v in request.scope.get("path_params", {}).items()}
    return "/".join(
        f"{{{by_value[part]}}}" if part in by_value else part
        for part in request.url.path.split("/")
    )


def install_observability(app: FastAPI, metrics: Metrics) -> None:
    @app.middleware("http")
    async def observe(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else uuid.uuid4().hex
        request.state.request_id = rid
        started = time.perf_counter()
        if "%00" in request.url.query or "\x00" in request.url.path:
            # NUL reaches no database: PostgreSQL refuses it in text.
            response: Response = JSONResponse(
                error_body("invalid_input", "NUL characters are not allowed."), status_code=422)
        else:
            response = await call_next(request)
        elapsed = time.perf_counter() - started
        route = route_of(request)
        metrics.latency.labels(request.method, route, str(response.status_code)).observe(elapsed)
        request_log.info(json.dumps({
            "request_id": rid, "method": request.method, "route": route,
            "status": response.status_code, "ms": round(elapsed * 1000, 1),
        }))
        headers = response.headers
        headers["X-Request-ID"] = rid
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        # Scan pages carry a token in their URL: never send it on as a referrer.
        headers.setdefault("Referrer-Policy", "no-referrer")
        if request.url.path.startswith("/api/"):
            headers.setdefault("Cache-Control", "no-store")
        elif headers.get("content-type", "").startswith("text/html"):
            headers.setdefault("Content-Security-Policy", PAGE_POLICY)
            headers.setdefault("Permissions-Policy", "geolocation=(self), camera=()")
        return response

    @app.get("/metrics", include_in_schema=False)
    def prometheus(request: Request) -> Response:
        """Only for `Authorization: Bearer <TIMEBANK_METRICS_TOKEN>`; off (404) without the
        setting. Request counts by route and the projections' lag tell an outsider how the
        service is used and when it is busy."""
        expected = request.app.state.runtime.settings.metrics_token
        given = request.headers.get("authorization", "")
        if not expected:
            return JSONResponse(error_body("not_found"), status_code=404)
        if not hmac.compare_digest(given.encode(), f"Bearer {expected}".encode()):
            return JSONResponse(error_body("unauthenticated"), status_code=401,
                                headers={"WWW-Authenticate": "Bearer"})
        for key, runner in request.app.state.runners.items():
            for status in runner.status():
                metrics.lag.labels(key, status.name).set(status.lag)
        city = getattr(request.app.state, "city", None)
        if city is not None:
            for status in city.status():
                metrics.lag.labels("city", status.name).set(status.lag)
        pool = request.app.state.runtime.engine.pool
        metrics.pool.set(getattr(pool, "checkedout", lambda: 0)())
        group_commit = getattr(request.app.state.runtime.app.recorder, "group_commit", None)
        if group_commit is not None:
            metrics.commits.set(group_commit.commits)
            metrics.saves.set(group_commit.saves)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
