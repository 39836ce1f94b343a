"""The audit trail and the verification of its hash chain."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import CurrentActor, ReadModels, Services, require_current
from api.schemas import AuditCheckpoint, AuditEvent, AuditVerification
from projections import audit_queries
from timebank.application.audit import checkpoint_view
from timebank.application.authz import AUDIT_TRAIL, require_reader
from timebank.domain.errors import DomainError

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("/events", response_model=list[AuditEvent])
def audit_events(
    actor: CurrentActor,
    services: Services,
    read_models: ReadModels,
    after: Annotated[int, Query(ge=0, le=2**62, description="Position to continue after.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    since: Annotated[datetime | None, Query(alias="from")] = None,
    until: Annotated[datetime | None, Query(alias="to")] = None,
    aggregate_id: str | None = None,
    actor_id: str | None = None,
    type: str | None = None,
) -> list[dict[str, Any]]:
    """Auditors and bank admins see their office subtree's events; administrators all."""
    scope = services.read_scope(actor, AUDIT_TRAIL)
    for moment in (since, until):
        if moment is not None and moment.tzinfo is None:
            raise DomainError("invalid_input", "Times need a UTC offset.", field="from")
    return audit_queries.audit_trail(
        read_models.engine, scope, after, limit, since, until, aggregate_id, actor_id, type
    )


@router.get("/verify", response_model=AuditVerification, response_model_exclude_none=True)
def verify(actor: CurrentActor, services: Services, read_models: ReadModels) -> Any:
    """Recompute the chain over the whole log: `ok`, or the first position that differs."""
    require_reader(actor, AUDIT_TRAIL)
    # A chain that lags the log is reported as broken: verify only a current chain.
    require_current(read_models, ("audit",))
    return audit_queries.verify_chain(services.recorder, read_models.engine, services.mapper,
                                      services.trusted_checkpoint_keys)


@router.get("/checkpoints/{day}", response_model=AuditCheckpoint)
def checkpoint(day: date, services: Services) -> dict[str, Any]:
    """Public: a day's signed chain head, to compare with what is published elsewhere."""
    recorded = services.checkpoint_of(day)
    if recorded is None:
        raise DomainError("not_found", "No checkpoint for that day.")
    return checkpoint_view(recorded)
