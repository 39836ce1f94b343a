"""create_app(settings): the one factory of the HTTP application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp

from api.background import interbank_driver, periodic_work
from api.body_limit import ContractShaped413
from api.collector import tune_for_serving
from api.command_threads import CommandThreads
from api.cpu_pinning import pin_this_process
from api.docs_pages import install_docs
from api.errors import install_error_handlers
from api.fast_lane import ScanFastLane
from api.observability import Metrics, install_observability
from api.openapi import install_openapi
from api.rate_limits import RateLimiter
from api.routers import (
    accounts,
    activities,
    audit,
    auth,
    certificates,
    complaints,
    corrections,
    entity_reports,
    fund_entries,
    fund_reports,
    funds,
    group_accounts,
    health,
    kiosks,
    offices,
    record_rules,
    records_export,
    scans,
    service_entries,
    service_records,
    time_bank,
    transfers,
    users,
    volunteer_records,
)
from api.routers import service_requests as service_requests_router
from api.routers import volunteers as volunteers_router
from api.web import (
    account_pages,
    admin_pages,
    approval_pages,
    coordinator_pages,
    entity_pages,
    front_pages,
    fund_index,
    my_certificates,
    my_records,
    people_pages,
    record_admin_pages,
    record_exports,
    request_pages,
    scan_pages,
    staff_dashboards,
    staff_forms,
    staff_records,
    transparency,
)
from api.web.error_pages import install_page_errors
from api.web.sessions import note_form_ids
from projections.city import CityRollup, background_city_follower
from projections.runner import ProjectionRunner, background_follower
from timebank import __version__
from timebank.interbank import CityTransfers
from timebank.partitions import DIRECTORY
from timebank.runtime import Runtime, build_runtime
from timebank.settings import Settings

API_PREFIX = "/api/v1"
WEB_DIR = Path(__file__).parent / "web"


class TimebankAPI(FastAPI):
    def build_middleware_stack(self) -> ASGIApp:
        """FastAPI's stack inside the one wrapper that must see every answer: the body
        ceiling's 413 (sent by the limiter outside every other middleware) in the
        contract's shape."""
        return ContractShaped413(super().build_middleware_stack(), self.max_body_size or 0)


def create_served_app() -> FastAPI:
    """The factory `timebank serve` gives uvicorn (run again in each worker process)."""
    settings = Settings()
    return create_app(settings, pin_cpu=settings.pin_cpu)


def create_app(
    settings: Settings | None = None, *, follow_projections: bool = True, migrate: bool = True,
    pin_cpu: bool = False,
) -> FastAPI:
    """The application; `pin_cpu`: hold this process to one core when it starts serving
    (api/cpu_pinning.py), which only a process of its own wants (not a test's)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if pin_cpu:  # first: the threads started below inherit the core
            pin_this_process(settings.var_dir / "run")
        tune_for_serving()
        runtime: Runtime = build_runtime(settings, migrate=migrate)
        # One runner per partition, each following its own log into its own database.
        runners = {p.key: ProjectionRunner(p.app, p.engine) for p in runtime.partitions.all()}
        # Background work (tests switch it off); the projection follower also by setting,
        # when `timebank projections run` workers follow the log instead.
        follower = follow_projections and settings.follow_projections
        workers = []
        for partition in runtime.partitions.all():
            runner = runners[partition.key]
            # With a follower (here or a worker), the start does not wait on a long backlog
            # (a rebuild in another process, a log far ahead): the follower applies it.
            if follow_projections:
                runner.catch_up_inline()
            else:
                runner.catch_up()
            partition.app.on_events_stored = metrics.events.inc
            if follow_projections:
                workers.append(periodic_work(partition.app, runner))
            if follower:
                workers.append(background_follower(runner))
        if follow_projections:
            workers.append(interbank_driver(runtime.partitions))
        city = CityRollup(runtime.partitions) if runtime.partitions.banks else None
        if city is not None and follower:
            workers.append(background_city_follower(city))
        for worker in workers:
            worker.start()
        app.state.runtime = runtime
        app.state.runners = runners
        app.state.runner = runners[DIRECTORY]
        app.state.city = city
        app.state.city_transfers = CityTransfers(runtime.partitions)
        app.state.command_threads = CommandThreads(settings.command_threads
                                                   or settings.pool_size)
        app.state.rate_limiter = RateLimiter(settings.rate_limit_storage,
                                             settings.rate_limit_namespace)
        for partition in runtime.partitions.all():
            # Scans are counted by the scan command itself, whichever page or route calls it.
            partition.app.scan_limit = partial(app.state.rate_limiter.hit, "scan",
                                               per_minute=partition.settings.scans_per_minute)
        try:
            yield
        finally:
            for worker in workers:
                worker.stop()
            app.state.command_threads.close()
            runtime.close()

    app = TimebankAPI(
        title="timebank — 公益时间银行",
        version=__version__,
        description="Volunteer time bank and community-fund ledger. Contract v1.",
        lifespan=lifespan,
        docs_url=None,  # served offline by api/docs_pages.py
        redoc_url=None,
        # Bodies over the ceiling are refused with 413 `payload_too_large` (api/errors.py)
        # as soon as a route reads: a declared length at once, a chunked body once it
        # passes the ceiling — never read whole. API and pages alike.
        max_body_size=settings.max_body_bytes,
        # The service exports its own metrics and request log (api/observability.py) and
        # configures no OpenTelemetry provider; FastAPI's native telemetry, left on, looks
        # the global providers up in the environment on every request to find that out.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    install_error_handlers(app)
    install_page_errors(app)
    install_openapi(app)
    install_docs(app)
    app.add_exception_handler(people_pages.PageAnswer, lambda _request, exc: exc.response)

    metrics = Metrics()
    # Innermost of the middleware (added first): the request id, metrics and log wrap it.
    app.add_middleware(ScanFastLane, owner=app)
    install_observability(app, metrics)


    if settings.cors_origins:
        # Closed by default; opened only to the origins named in the settings.
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=False,
            allow_methods=["GET", "POST", "PUT", "PATCH"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Kiosk-Key",
                           "X-Request-ID"],
        )

    api = APIRouter(prefix=API_PREFIX)
    for module in (
        health, auth, offices, users, accounts, volunteers_router, transfers, activities,
        service_records,
    ):
        api.include_router(module.router)
    api.include_router(scans.router)
    api.include_router(certificates.router)
    api.include_router(funds.router)
    api.include_router(fund_reports.router)
    api.include_router(entity_reports.router)
    api.include_router(fund_entries.router)
    api.include_router(audit.router)
    api.include_router(service_entries.router)
    api.include_router(service_requests_router.router)
    api.include_router(group_accounts.router)
    api.include_router(volunteer_records.router)
    api.include_router(complaints.router)
    api.include_router(record_rules.router)
    api.include_router(corrections.router)
    api.include_router(records_export.router)
    api.include_router(activities.office_router)
    api.include_router(kiosks.staff_router)
    api.include_router(kiosks.kiosk_router)
    api.include_router(time_bank.router)
    app.include_router(api)
    app.include_router(certificates.public_router)
    # A posted form's ids lead a system administrator's page to the partition holding them.
    pages = [Depends(note_form_ids)]
    for page_module in (scan_pages, transparency, people_pages, staff_dashboards,
                        coordinator_pages, staff_forms, fund_index, my_certificates, front_pages,
                        approval_pages, admin_pages, entity_pages, account_pages, my_records,
                        record_exports, record_admin_pages, request_pages, staff_records):
        app.include_router(page_module.router, dependencies=pages)
    app.mount("/static", StaticFiles(directory=str(WEB_DIR / "static")), name="static")
    return app
