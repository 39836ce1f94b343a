"""Request and response shapes of the account lifecycle (issue 17): passwords, PINs,
staff accounts' state, sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from api.schemas import ApiModel
from timebank.domain.vocabulary import IDENTITY_DOCUMENT, ROLE


class PasswordChange(ApiModel):
    old_password: str = Field(max_length=256)
    new_password: str = Field(max_length=256, description="At least 8 characters.")


class ExpiredPasswordChange(ApiModel):
    """The step open to an account whose password an administrator reset."""

    username: str = Field(max_length=64)
    password: str = Field(max_length=256, description="The temporary password.")
    new_password: str = Field(max_length=256, description="At least 8 characters.")


class PasswordReset(ApiModel):
    temporary_password: str = Field(
        max_length=256, description="Given to the owner, who must change it at the next login.")
    reason: str = Field(min_length=1, max_length=500)


class Reason(ApiModel):
    reason: str = Field(min_length=1, max_length=500)


class RoleChange(ApiModel):
    role: Literal[ROLE.codes]
    office_id: str | None = Field(default=None, max_length=64)
    reason: str = Field(min_length=1, max_length=500)


class StaffAccount(ApiModel):
    id: str
    username: str
    role: str
    office_id: str | None
    active: bool
    must_change_password: bool


class PinChange(ApiModel):
    old_pin: str = Field(max_length=20)
    new_pin: str = Field(max_length=20, description="6 digits, not easy to guess.")


class PinReset(ApiModel):
    new_pin: str = Field(max_length=20, description="6 digits, not easy to guess.")
    document: Literal[IDENTITY_DOCUMENT.codes] = Field(
        description="The identity document staff checked.")
    document_number: str | None = Field(
        default=None, max_length=30,
        description="Optional: a resident ID number typed from the document, compared with "
                    "the one on record (never stored).")
    reason: str = Field(default="忘记密码", min_length=1, max_length=500)


class PinResetDone(ApiModel):
    id: str
    document: str
    checked_by: str
    number_matched: bool | None


class SessionOut(ApiModel):
    session_id: str
    opened_at: datetime
    expires_at: datetime
    network: str | None = Field(description="The network logged in from (/24 or /48), if known.")
    user_agent: str | None
    current: bool = Field(description="The session of the token asking.")
