"""Request and response shapes of the published contract (add fields, never change them)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ApiModel(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ErrorDetail(ApiModel):
    code: str
    message: str
    message_zh: str


class ErrorResponse(ApiModel):
    error: ErrorDetail


class Health(ApiModel):
    status: str


class Token(ApiModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int


class VolunteerLogin(ApiModel):
    phone: str = Field(max_length=20)
    pin: str = Field(max_length=20)


class OfficeCreate(ApiModel):
    name: str = Field(max_length=100)
    kind: str = Field(description="bank | branch | savings_office", max_length=20)
    parent_id: str | None = Field(default=None, max_length=64)


class OfficeOut(ApiModel):
    id: str
    name: str
    kind: str
    parent_id: str | None
    closed: bool = False


class OfficeRename(ApiModel):
    name: str = Field(max_length=100)
    reason: str = Field(default="", max_length=500)


class OfficeClose(ApiModel):
    reason: str = Field(min_length=1, max_length=500)


class PointRules(ApiModel):
    points_per_hour: int
    category_multipliers: dict[str, str | float | int] = Field(default_factory=dict)


class PointRulesOut(ApiModel):
    bank_id: str
    points_per_hour: int
    category_multipliers: dict[str, str]
    version: int


class RollupTotals(ApiModel):
    volunteers: int
    approved_hours: str
    points_earned: int
    points_redeemed: int
    points_balance: int


class Rollup(ApiModel):
    office_id: str
    kind: str
    name: str | None = None
    totals: RollupTotals
    children: list[Rollup]


class UserCreate(ApiModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)
    role: Literal["coordinator", "branch_admin", "bank_admin", "treasurer", "auditor", "admin"]
    office_id: str | None = Field(default=None, max_length=64)


class Created(ApiModel):
    id: str


class UserOut(ApiModel):
    id: str
    username: str
    role: str
    office_id: str | None


class VolunteerCreate(ApiModel):
    name: str = Field(max_length=50)
    phone: str = Field(max_length=20)
    id_number: str | None = Field(default=None, max_length=18)
    office_id: str = Field(max_length=64)
    pin: str = Field(max_length=6)


class VolunteerCreated(ApiModel):
    id: str
    passbook_no: str


class VolunteerOut(ApiModel):
    id: str
    passbook_no: str
    office_id: str
    name: str
    phone_masked: str
    active: bool


class VolunteerMove(ApiModel):
    office_id: str = Field(max_length=64)
    reason: str = Field(default="", max_length=500)


class PassbookEntry(ApiModel):
    at: datetime
    kind: str
    hours: str
    points: int
    balance_after: int
    ref: str


class PassbookOut(ApiModel):
    passbook_no: str
    balance_points: int
    total_hours: str
    entries: list[PassbookEntry]


class TransferCreate(ApiModel):
    from_passbook: str = Field(max_length=20)
    to_passbook: str = Field(max_length=20)
    points: int
    note: str = Field(default="", max_length=200)


class TransferOut(ApiModel):
    transfer_id: str
    balance_after: int


class ActivityCreate(ApiModel):
    office_id: str = Field(max_length=64)
    title: str = Field(max_length=200)
    category: str = Field(max_length=50)
    starts_at: datetime
    ends_at: datetime
    location: str = Field(default="", max_length=200)


class ActivityOut(ApiModel):
    id: str
    office_id: str
    title: str
    category: str
    starts_at: datetime
    ends_at: datetime
    location: str
    cancelled: bool


class ServiceRecordCreate(ApiModel):
    volunteer_id: str = Field(max_length=64)
    activity_id: str = Field(max_length=64)
    started_at: datetime
    ended_at: datetime
    note: str = Field(default="", max_length=500)


class ServiceRecordCreated(ApiModel):
    id: str
    status: str


class ServiceRecordDecision(ApiModel):
    id: str
    status: str
    hours: str
    points: int


class CorrectionOut(ServiceRecordDecision):
    points_delta: int


class Rejection(ApiModel):
    reason: str = Field(min_length=1, max_length=500)


class Correction(ApiModel):
    hours: str | float | int
    reason: str = Field(min_length=1, max_length=500)


class ServiceRecordOut(ApiModel):
    id: str
    volunteer_id: str
    activity_id: str
    office_id: str
    category: str
    started_at: datetime
    ended_at: datetime
    hours: str
    status: str
    points: int
    source: str
    note: str
    reason: str | None
    entered_at: datetime
    decided_at: datetime | None
