"""The account lifecycle (issue 17): logout, sessions, passwords, PINs, disabling staff."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from api.deps import BearerClaims, CurrentActor, ReadModels, Services, actor_of
from api.login_sessions import end_login, login_token
from api.rate_limits import client_address, guard_login
from api.schemas import Token
from api.schemas_accounts import (
    ExpiredPasswordChange,
    PasswordChange,
    PasswordReset,
    PinChange,
    PinReset,
    PinResetDone,
    Reason,
    RoleChange,
    SessionOut,
    StaffAccount,
)
from projections.staff_queries import staff_list
from timebank.application.authz import ADMINISTRATION
from timebank.domain.users import User
from timebank.partitions import Partition

router = APIRouter(tags=["accounts"])


def _home(request: Request, claims: Any) -> Partition:
    return request.app.state.runtime.partitions.get(claims.partition)


def _token(request: Request, home: Partition, kind: str, account: Any) -> dict[str, Any]:
    return {"access_token": login_token(request, home, kind, account), "token_type": "bearer",
            "expires_in": request.app.state.runtime.signer.ttl_seconds}


def staff_account(user: User) -> dict[str, Any]:
    return {"id": str(user.id), "username": user.username, "role": user.role,
            "office_id": str(user.office_id) if user.office_id else None,
            "active": user.active, "must_change_password": user.must_change_password}


# -- logout and sessions ----------------------------------------------------------------------
@router.post("/auth/logout", status_code=204)
def log_out(request: Request, claims: BearerClaims) -> Response:
    """The token's session ends; the account's other sessions go on."""
    end_login(request, claims, actor_of(request, claims))
    return Response(status_code=204)


@router.get("/sessions", response_model=list[SessionOut])
def my_sessions(request: Request, claims: BearerClaims) -> list[dict[str, Any]]:
    actor = actor_of(request, claims)
    return [{**s, "user_agent": s["agent"], "current": s["session_id"] == claims.session}
            for s in _home(request, claims).app.open_sessions(actor)]


@router.post("/sessions/{session_id}/revoke", status_code=204)
def revoke_my_session(request: Request, session_id: str, claims: BearerClaims) -> Response:
    actor = actor_of(request, claims)
    _home(request, claims).app.close_session(actor, session_id, "revoked by the owner")
    return Response(status_code=204)


@router.post("/sessions/revoke-all", status_code=204)
def revoke_all_my_sessions(request: Request, claims: BearerClaims) -> Response:
    """Sign out everywhere, this token included."""
    actor = actor_of(request, claims)
    _home(request, claims).app.revoke_sessions(actor.kind, actor.id, actor,
                                               "signed out everywhere")
    return Response(status_code=204)


# -- staff: passwords -------------------------------------------------------------------------
@router.post("/users/me/password", response_model=Token)
def change_my_password(request: Request, body: PasswordChange,
                       claims: BearerClaims) -> dict[str, Any]:
    """Every session ends, this one too; the answer is a new token."""
    actor = actor_of(request, claims)
    address = client_address(request)
    guard_login(request.app.state.rate_limiter, "staff-login", f"user:{actor.id}", address)
    home = _home(request, claims)
    user = home.app.change_own_password(actor, body.old_password, body.new_password,
                                        source=address)
    return _token(request, home, "user", user)


@router.post("/auth/password", response_model=Token)
def change_expired_password(request: Request, body: ExpiredPasswordChange) -> dict[str, Any]:
    """After an administrator's reset the login answers 403 `password_change_required`:
    this is the one step that account may take, and its answer is the first token."""
    address = client_address(request)
    guard_login(request.app.state.rate_limiter, "staff-login", body.username.strip().lower(),
                address)
    home = request.app.state.runtime.partitions.for_username(body.username)
    user = home.app.change_expired_password(body.username, body.password, body.new_password,
                                            source=address)
    return _token(request, home, "user", user)


# -- staff: administration --------------------------------------------------------------------
@router.get("/users", response_model=list[StaffAccount])
def staff_accounts(actor: CurrentActor, services: Services, read_models: ReadModels,
                   office_id: str | None = None) -> list[dict[str, Any]]:
    """The staff accounts of an office's subtree (default: the caller's own office; an
    administrator without one: all)."""
    scope = services.read_scope(actor, ADMINISTRATION, office_id)
    return [{"id": a["user_id"], "username": a["username"], "role": a["role"],
             "office_id": a["office_id"], "active": a["active"],
             "must_change_password": a["must_change_password"]}
            for a in staff_list(read_models.engine, scope)]


@router.post("/users/{user_id}/password-reset", response_model=StaffAccount)
def reset_password(user_id: str, body: PasswordReset, actor: CurrentActor,
                   services: Services) -> dict[str, Any]:
    return staff_account(services.reset_password(actor, user_id, body.temporary_password,
                                                 body.reason))


@router.post("/users/{user_id}/deactivate", response_model=StaffAccount)
def deactivate_user(user_id: str, body: Reason, actor: CurrentActor,
                    services: Services) -> dict[str, Any]:
    return staff_account(services.deactivate_user(actor, user_id, body.reason))


@router.post("/users/{user_id}/reactivate", response_model=StaffAccount)
def reactivate_user(user_id: str, body: Reason, actor: CurrentActor,
                    services: Services) -> dict[str, Any]:
    return staff_account(services.reactivate_user(actor, user_id, body.reason))


@router.post("/users/{user_id}/role", response_model=StaffAccount)
def change_user_role(user_id: str, body: RoleChange, actor: CurrentActor,
                     services: Services) -> dict[str, Any]:
    return staff_account(services.change_user_role(actor, user_id, body.role, body.office_id,
                                                   body.reason))


@router.get("/users/{user_id}/sessions", response_model=list[SessionOut])
def user_sessions(user_id: str, actor: CurrentActor, services: Services) -> list[dict[str, Any]]:
    return [{**s, "user_agent": s["agent"], "current": False}
            for s in services.user_sessions(actor, user_id)]


@router.post("/users/{user_id}/sessions/revoke", response_model=StaffAccount)
def revoke_user_sessions(user_id: str, body: Reason, actor: CurrentActor,
                         services: Services) -> dict[str, Any]:
    return staff_account(services.revoke_user_sessions(actor, user_id, body.reason))


# -- volunteers: PINs -------------------------------------------------------------------------
@router.post("/volunteers/me/pin", response_model=Token)
def change_my_pin(request: Request, body: PinChange, claims: BearerClaims) -> dict[str, Any]:
    """The old PIN required; every session ends, this one too; the answer is a new token."""
    actor = actor_of(request, claims)
    guard_login(request.app.state.rate_limiter, "login", f"volunteer:{actor.id}",
                client_address(request))
    home = _home(request, claims)
    volunteer = home.app.change_own_pin(actor, body.old_pin, body.new_pin)
    return _token(request, home, "volunteer", volunteer)


@router.post("/volunteers/{volunteer_id}/pin-reset", response_model=PinResetDone)
def reset_pin(volunteer_id: str, body: PinReset, actor: CurrentActor,
              services: Services) -> dict[str, Any]:
    """At the savings office, after staff checked an identity document (recorded)."""
    services.reset_pin(actor, volunteer_id, body.new_pin, body.document, body.document_number,
                       body.reason)
    return {"id": volunteer_id, "document": body.document, "checked_by": actor.id,
            "number_matched": True if body.document_number else None}
