"""Dependencies: the runtime, the caller's identity, idempotency keys, fresh read models."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from projections.runner import ProjectionRunner
from timebank.application import Idempotency, TimebankApp
from timebank.domain.actors import Actor
from timebank.domain.certificates import certificate_id_for
from timebank.domain.errors import DomainError
from timebank.partitions import DIRECTORY, Partition, Partitions
from timebank.runtime import Runtime
from timebank.security.api_keys import ApiKeys
from timebank.security.tokens import TokenClaims

log = logging.getLogger(__name__)

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)

MAX_IDEMPOTENCY_KEY = 200


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


async def request_partition(request: Request) -> Partition:
    """The partition a request works in: the one its bearer token was issued for, else the
    kiosk's, else the one holding the office (or other id) the request names. With no bank
    partitions configured, always the directory."""
    partitions: Partitions = request.app.state.runtime.partitions
    if not partitions.banks:
        return partitions.directory
    token = _bearer(request)
    runtime: Runtime = request.app.state.runtime
    claims = runtime.signer.verify(token) if token else None
    if claims is not None and claims.partition:
        try:
            return partitions.get(claims.partition)
        except KeyError:
            raise DomainError("unauthenticated") from None
    kiosk_key = request.headers.get("X-Kiosk-Key")
    if kiosk_key:
        return await run_in_threadpool(partitions.locate, ApiKeys.kiosk_id_of(kiosk_key))
    # A directory actor (a system administrator) or no credential: the first id the request
    # names (path, then JSON body) that lives in a bank partition decides.
    named = [value for name, value in request.path_params.items() if name.endswith("_id")]
    if "serial" in request.path_params:  # a certificate, verified in public: its id
        named.append(str(certificate_id_for(request.path_params["serial"])))
    if request.method in ("POST", "PUT", "PATCH") and "json" in request.headers.get(
        "content-type", ""
    ):
        try:
            body = await request.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            named += [v for k, v in body.items() if k.endswith("_id") and isinstance(v, str)]
    return await run_in_threadpool(_first_in_a_bank, partitions, named)


def _first_in_a_bank(partitions: Partitions, ids: list[str]) -> Partition:
    for value in ids:
        if (found := partitions.locate(value)).key != DIRECTORY:
            return found
    return partitions.directory


def _bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


RequestPartition = Annotated[Partition, Depends(request_partition)]


# Async, though they do no I/O: a plain `def` dependency costs a hop to the thread pool.
async def get_services(partition: RequestPartition) -> TimebankApp:
    return partition.app


async def get_engine(partition: RequestPartition) -> Engine:
    return partition.engine


def catch_up_for_read(runner: ProjectionRunner) -> None:
    """Reads come from projections; catch them up first so a caller reads its own writes.

    The catch-up is bounded (a few batches, a short lock wait): while a rebuild or a
    worker holds a projection, or the log is far ahead, the read is answered from the
    tables as they are and the follower applies the rest. If catching up fails, the read
    is answered too (the failure is logged; `timebank projections status` shows the lag)."""
    try:
        runner.catch_up_inline()
    except Exception:
        log.exception("projections could not catch up; answering from the last position")


def require_current(runner: ProjectionRunner, names: tuple[str, ...]) -> None:
    """For what is recorded or attested from read models (a certificate's hours, the audit
    chain's verdict): the named projections must hold every event stored before this call.
    A bounded catch-up first; if they are still behind (a rebuild, a busy worker), the
    caller is told to try again rather than given an answer made of part of the log."""
    head = runner.head()
    catch_up_for_read(runner)
    behind = [s.name for s in runner.status() if s.name in names and s.position < head]
    if behind:
        raise DomainError("read_models_behind", f"Behind: {', '.join(behind)}.")


def fresh_read_models(request: Request, partition: RequestPartition) -> ProjectionRunner:
    runner: ProjectionRunner = request.app.state.runners[partition.key]
    catch_up_for_read(runner)
    return runner


async def bearer_claims(
    request: Request, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> TokenClaims:
    """The bearer token's signature and expiry (microseconds, no I/O): the hot routes check
    the account behind it (`actor_of`) inside their one hop to the thread pool."""
    runtime: Runtime = request.app.state.runtime
    claims = runtime.signer.verify(token) if token else None
    if claims is None:
        raise DomainError("unauthenticated")
    return claims


def current_actor(request: Request, token: Annotated[str | None, Depends(oauth2_scheme)]) -> Actor:
    runtime: Runtime = request.app.state.runtime
    claims = runtime.signer.verify(token) if token else None
    if claims is None:
        raise DomainError("unauthenticated")
    return actor_of(request, claims)


def actor_of(request: Request, claims: TokenClaims) -> Actor:
    """The account behind verified claims, still active (blocking: one read of it)."""
    runtime: Runtime = request.app.state.runtime
    request_id = getattr(request.state, "request_id", None)
    try:
        home = runtime.partitions.get(claims.partition).app
    except KeyError:
        raise DomainError("unauthenticated") from None
    if claims.kind == "user":
        actor = home.actor_for_user(claims.subject, request_id, claims.generation,
                                    claims.session)
    else:
        actor = home.actor_for_volunteer(claims.subject, request_id, claims.generation,
                                         claims.session)
    if actor is None:
        raise DomainError("unauthenticated")
    return actor


def current_kiosk(
    request: Request,
    partition: RequestPartition,
    kiosk_key: Annotated[
        str | None, Header(alias="X-Kiosk-Key", description="The kiosk's API key.")
    ] = None,
) -> Actor:
    services: TimebankApp = partition.app
    return services.authenticate_kiosk(kiosk_key, getattr(request.state, "request_id", None))


async def kiosk_key(
    kiosk_key: Annotated[
        str | None, Header(alias="X-Kiosk-Key", description="The kiosk's API key.")
    ] = None,
) -> str | None:
    """The key as sent; the hot kiosk routes authenticate it inside their one hop."""
    return kiosk_key


def kiosk_or_staff(
    request: Request,
    token: Annotated[str | None, Depends(oauth2_scheme)],
    kiosk_key: Annotated[str | None, Header(alias="X-Kiosk-Key")] = None,
) -> Actor:
    """Either credential: a kiosk cancels its own same-day redemptions, staff any later."""
    if kiosk_key:
        return current_kiosk(request, request.app.state.runtime.partitions.locate(
            ApiKeys.kiosk_id_of(kiosk_key)), kiosk_key)
    return current_actor(request, token)


Services = Annotated[TimebankApp, Depends(get_services)]
BearerClaims = Annotated[TokenClaims, Depends(bearer_claims)]
KioskKey = Annotated[str | None, Depends(kiosk_key)]
CurrentKiosk = Annotated[Actor, Depends(current_kiosk)]
KioskOrStaff = Annotated[Actor, Depends(kiosk_or_staff)]
CurrentActor = Annotated[Actor, Depends(current_actor)]
ReadModels = Annotated[ProjectionRunner, Depends(fresh_read_models)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Required on POSTs that move points, stock or money.",
    ),
]


def idempotency_for(
    services: TimebankApp,
    key: str | None,
    actor: Actor,
    operation: str,
    payload: Any,
    required: bool = True,
) -> Idempotency | None:
    """Keys are scoped to the caller and the operation, so two clients never collide."""
    if not key:
        if required:
            raise DomainError("idempotency_key_required")
        return None
    if len(key) > MAX_IDEMPOTENCY_KEY:
        raise DomainError(
            "invalid_input", "Idempotency-Key is at most 200 characters.", field="Idempotency-Key"
        )
    return services.idempotency(f"{actor.kind}:{actor.id}:{operation}", key, payload)
