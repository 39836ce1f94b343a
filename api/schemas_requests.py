"""Request and response shapes of service requests (需求发布 → 接单 → 确认评价) and the
elder's circumstances the pool's rule reads. Beside api/schemas.py, whose published shapes
these only add to."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, StrictBool, StrictInt

from api.schemas import ApiModel, TimeEntry
from timebank.domain.vocabulary import PAYER, REQUEST_CATEGORY, REQUEST_POSTER, REQUEST_STATUS

RequestCategory = Literal[REQUEST_CATEGORY.codes]  # type: ignore[valid-type]
RequestStatus = Literal[REQUEST_STATUS.codes]  # type: ignore[valid-type]
Payer = Literal[PAYER.codes]  # type: ignore[valid-type]
Poster = Literal[REQUEST_POSTER.codes]  # type: ignore[valid-type]
Relation = Literal["spouse", "parent", "parent_in_law", "grandparent", "child", "grandchild",
                   "sibling", "other_relative"]


class ServiceRequestCreate(ApiModel):
    beneficiary_passbook: str | None = Field(
        default=None, max_length=20,
        description="Whose need it is: omitted, the caller's own; a family member's passbook "
                    "(with relation); staff always name one (代办).")
    relation: Relation | None = Field(
        default=None, description="The caller's relation to the beneficiary, when posting "
                                  "for family.")
    category: RequestCategory
    place: str = Field(min_length=1, max_length=200, description="Where (sealed at rest).")
    notes: str = Field(default="", max_length=500)
    starts_at: datetime
    ends_at: datetime = Field(description="At most 12 hours after starts_at.")
    beneficiary_bank_id: str | None = Field(
        default=None, max_length=36,
        description="The family member's bank when it is another bank of the city (通存通兑): "
                    "care there paid from the caller's hours here. The window's hours are "
                    "held here (an inter-bank transfer, purpose `care`) and the request is "
                    "opened in that bank; when it ends, what the service used is posted and "
                    "the rest returns. Omitted: the caller's own bank.")


class PaidFrom(ApiModel):
    bank_id: str = Field(description="The bank whose time account pays.")
    passbook: str = Field(description="The paying passbook in that bank.")
    transfer_id: str = Field(description="The inter-bank transfer that holds the hours there "
                                         "(`GET /interbank-transfers/{transfer_id}` in that "
                                         "bank).")


class ServiceRequestOut(ApiModel):
    request_id: str
    status: RequestStatus
    bank_id: str
    office_id: str
    beneficiary_id: str
    posted_by: Poster
    relation: str | None = None
    category: RequestCategory
    place: str | None = Field(
        default=None, description="Shown to the parties and staff; null for a volunteer "
                                  "browsing open requests.")
    notes: str | None = None
    starts_at: datetime
    ends_at: datetime
    payer: Payer = Field(description="Who pays the hours, by the bank's rules at posting.")
    held_hours: str = Field(description="Held in the paying account until it is settled.")
    volunteer_id: str | None = None
    dispatched: bool = Field(description="派单 by the office (true) or 接单 (false).")
    served_hours: str
    paid_hours: str
    rating: int | None = None
    paid_from: PaidFrom | None = Field(
        default=None, description="Care paid from a time account in another bank of the "
                                  "city; null when paid within this bank.")
    posted_at: datetime
    updated_at: datetime


class ServiceRequestLine(ApiModel):
    request_id: str
    status: RequestStatus
    office_id: str
    beneficiary_id: str
    posted_by: Poster
    category: RequestCategory
    payer: Payer
    paid_from_bank_id: str | None = Field(
        default=None, description="Care paid from a time account in this other bank of the "
                                  "city (通存通兑); null when paid within this bank.")
    starts_at: datetime
    ends_at: datetime
    volunteer_id: str | None = None
    dispatched: bool
    served_hours: str
    paid_hours: str
    rating: int | None = None
    posted_at: datetime


class Dispatch(ApiModel):
    volunteer_id: str = Field(max_length=36)


class RequestDone(ApiModel):
    hours: str = Field(max_length=12, description='Time served, e.g. "1.50": at most the '
                                                  'window.')
    note: str = Field(default="", max_length=500)


class RequestConfirmation(ApiModel):
    rating: StrictInt = Field(ge=1, le=5, description="1 (poor) to 5 (excellent).")
    comment: str = Field(default="", max_length=500)


class RequestReason(ApiModel):
    reason: str = Field(default="", max_length=500)


class RequestResolution(ApiModel):
    hours: str = Field(max_length=12, description='Hours found served ("0" dismisses it).')
    reason: str = Field(min_length=1, max_length=500)


class ElderStatusIn(ApiModel):
    living_alone: StrictBool = False
    minimum_income: StrictBool = False
    disabled: StrictBool = False
    evidence: str = Field(min_length=1, max_length=500,
                          description="What staff saw (sealed at rest).")


class ElderStatusOut(ApiModel):
    volunteer_id: str
    living_alone: bool
    minimum_income: bool
    disabled: bool


class ServedSummary(ApiModel):
    confirmed: int
    hours: str
    average_rating: str | None
    no_shows: int


class GroupAccountCreate(ApiModel):
    name: str = Field(min_length=1, max_length=100, description="The team or company.")


class GroupService(ApiModel):
    activity_id: str = Field(max_length=36, description="An activity of a time-bank category.")
    hours: str = Field(max_length=12, description='Hours the group served, e.g. "12.50".')
    note: str = Field(default="", max_length=200)


class GroupDonation(ApiModel):
    hours: str = Field(max_length=12)
    note: str = Field(default="", max_length=200)


class GroupAccountOut(ApiModel):
    account_id: str
    number: str = Field(description="G and eleven digits.")
    name: str
    office_id: str
    bank_id: str
    balance_hours: str
    entries: list[TimeEntry]


class PoolGrant(ApiModel):
    passbook: str = Field(max_length=20, description="The priority elder's passbook.")
    hours: str = Field(max_length=12)
    reason: str = Field(min_length=1, max_length=500)


class PoolGrantOut(ApiModel):
    passbook_no: str
    hours: str
    balance_hours: str = Field(description="The elder's time account after the grant.")
    pool_balance_hours: str
