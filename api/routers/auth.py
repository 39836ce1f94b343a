"""Bearer tokens for staff (OAuth2 password flow) and for volunteers (phone + PIN)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from api.deps import get_runtime
from api.login_sessions import login_token
from api.rate_limits import client_address, guard_login, phone_bucket
from api.schemas import Token, VolunteerLogin
from timebank.runtime import Runtime

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", response_model=Token)
def staff_token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    runtime: Annotated[Runtime, Depends(get_runtime)],
) -> dict[str, object]:
    # Password guessing is limited per username and address, per address and overall, known
    # usernames or not (the same answer for both); the lock-out is per username and address.
    address = client_address(request)
    guard_login(request.app.state.rate_limiter, "staff-login", form.username.strip().lower(),
                address)
    # The token names the partition the account lives in (nothing with one database).
    home = runtime.partitions.for_username(form.username)
    user = home.app.authenticate_user(form.username, form.password, source=address)
    return {
        "access_token": login_token(request, home, "user", user),
        "token_type": "bearer",
        "expires_in": runtime.signer.ttl_seconds,
    }


@router.post("/volunteer-token", response_model=Token)
def volunteer_token(
    body: VolunteerLogin,
    request: Request,
    runtime: Annotated[Runtime, Depends(get_runtime)],
) -> dict[str, object]:
    guard_login(request.app.state.rate_limiter, "login", phone_bucket(body.phone),
                client_address(request))
    home = runtime.partitions.for_phone(body.phone)
    volunteer = home.app.authenticate_volunteer(body.phone, body.pin)
    return {
        "access_token": login_token(request, home, "volunteer", volunteer),
        "token_type": "bearer",
        "expires_in": runtime.signer.ttl_seconds,
    }
