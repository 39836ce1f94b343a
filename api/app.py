"""create_app(settings): the one factory of the HTTP application."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from api.background import PeriodicCloser
from api.errors import install_error_handlers
from api.rate_limits import RateLimiter
from api.routers import (
    activities,
    audit,
    auth,
    certificates,
    funds,
    health,
    kiosks,
    offices,
    scans,
    service_records,
    transfers,
    users,
)
from api.routers import volunteers as volunteers_router
from api.web import scan_pages, transparency
from projections.runner import BackgroundFollower, ProjectionRunner
from timebank import __version__
from timebank.runtime import Runtime, build_runtime
from timebank.settings import Settings

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
WEB_DIR = Path(__file__).parent / "web"


def create_app(
    settings: Settings | None = None, *, follow_projections: bool = True, migrate: bool = True
) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime: Runtime = build_runtime(settings, migrate=migrate)
        runner = ProjectionRunner(runtime.app, runtime.engine)
        runner.catch_up()
        follower = BackgroundFollower(runner) if follow_projections else None
        closer = PeriodicCloser(runtime.app, runner) if follow_projections else None
        for worker in (follower, closer):
            if worker:
                worker.start()
        app.state.runtime = runtime
        app.state.runner = runner
        app.state.rate_limiter = RateLimiter()
        try:
            yield
        finally:
            for worker in (follower, closer):
                if worker:
                    worker.stop()
            runtime.close()

    app = FastAPI(
        title="timebank — 公益时间银行",
        version=__version__,
        description="Volunteer time bank and community-fund ledger. Contract v1.",
        lifespan=lifespan,
    )
    install_error_handlers(app)

    @app.middleware("http")
    async def request_id(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else uuid.uuid4().hex
        request.state.request_id = rid
        response = await call_next(request)
        response.headers["X-Request-ID"] = rid
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    api = APIRouter(prefix=API_PREFIX)
    for module in (
        health, auth, offices, users, volunteers_router, transfers, activities, service_records,
    ):
        api.include_router(module.router)
    api.include_router(scans.router)
    api.include_router(certificates.router)
    api.include_router(funds.router)
    api.include_router(audit.router)
    api.include_router(activities.office_router)
    api.include_router(kiosks.staff_router)
    api.include_router(kiosks.kiosk_router)
    app.include_router(api)
    app.include_router(scan_pages.router)
    app.include_router(certificates.public_router)
    app.include_router(transparency.router)
    app.mount("/static", StaticFiles(directory=str(WEB_DIR / "static")), name="static")
    return app
