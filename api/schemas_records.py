"""Request and response shapes of the volunteers' records (志愿服务记录): evaluations, ages
and consents, training, awards, complaints, corrections, certificates and exports. Beside
api/schemas.py, whose published shapes these only add to."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field, StrictInt

from api.schemas import ApiModel, GuardianIn


class Evaluation(ApiModel):
    rating: StrictInt = Field(ge=1, le=5, description="服务质量评价, 1 (poor) to 5 (excellent).")
    comment: str = Field(default="", max_length=500)


class BeneficiaryConfirmation(ApiModel):
    confirmed: bool = Field(description="False: the beneficiary says it did not take place.")
    rating: StrictInt | None = Field(default=None, ge=1, le=5)
    comment: str = Field(default="", max_length=500)


class EvaluationOut(ApiModel):
    kind: Literal["organiser", "beneficiary"]
    rating: int | None
    confirmed: bool | None
    on_behalf: bool = Field(description="Staff recorded the beneficiary's word (代确认).")
    comment: str
    by_kind: str | None
    by_id: str | None
    at: datetime


class GuardianConsent(GuardianIn):
    pass


class BirthDate(ApiModel):
    birth_date: date


class LocationConsent(ApiModel):
    given: bool = Field(description="The volunteer's consent to use the phone's location.")


class LocationConsentOut(ApiModel):
    volunteer_id: str
    location_consent: bool


class NationalNumber(ApiModel):
    national_no: str = Field(min_length=4, max_length=40, description="志愿者统一编号")


class TrainingIn(ApiModel):
    name: str = Field(min_length=1, max_length=100, description="培训名称 (activities require "
                      "a training by this name)")
    held_on: date
    hours: str | StrictInt = Field(description="培训学时, kept apart from service hours.")
    provider: str = Field(default="", max_length=100)


class TrainingOut(ApiModel):
    id: str
    volunteer_id: str
    name: str
    held_on: date
    hours: str
    provider: str
    office_id: str
    recorded_at: datetime
    recorded_by: str | None


class AwardIn(ApiModel):
    title: str = Field(min_length=1, max_length=200, description="表彰奖励名称")
    awarded_by: str = Field(min_length=1, max_length=200, description="The awarding body.")
    awarded_on: date


class AwardOut(ApiModel):
    id: str
    volunteer_id: str
    title: str
    awarded_by: str
    awarded_on: date
    office_id: str
    recorded_at: datetime
    recorded_by: str | None


class RecordCreated(ApiModel):
    id: str
    volunteer_id: str


class ComplaintIn(ApiModel):
    service_record_id: str = Field(max_length=64)
    complainant_kind: Literal["beneficiary", "family", "resident", "staff", "other"]
    complainant: str = Field(default="", max_length=100,
                             description="Who complained (kept sealed; never shown to the "
                             "volunteer).")
    summary: str = Field(min_length=1, max_length=1000)
    received_on: date


class ComplaintStep(ApiModel):
    note: str = Field(default="", max_length=1000)


class ComplaintDecision(ApiModel):
    outcome: Literal["upheld", "dismissed"]
    finding: str = Field(min_length=1, max_length=1000)


class ComplaintOut(ApiModel):
    id: str
    service_record_id: str
    volunteer_id: str
    office_id: str
    complainant_kind: str
    complainant: str | None = None
    summary: str
    received_on: date
    status: Literal["received", "investigating", "resolved"]
    investigation_note: str | None
    outcome: str | None
    finding: str | None
    resolved_at: datetime | None


class RecordRules(ApiModel):
    star_thresholds_hours: list[StrictInt] = Field(
        min_length=1, max_length=10,
        description="Hours for one star, two stars, … (increasing; default 100/300/600/1000/"
                    "1500).")
    correction_days: StrictInt = Field(
        description="Days a recording office has to answer a correction request (default 15).")


class RecordRulesOut(RecordRules):
    bank_id: str


class StarMilestone(ApiModel):
    level: int
    reached_at: datetime
    threshold_hours: int


class StarLevelOut(ApiModel):
    volunteer_id: str
    level: int
    service_hours: str
    reached: list[StarMilestone]


class CorrectionAsk(ApiModel):
    kind: Literal["wrong", "missing"]
    reason: str = Field(min_length=1, max_length=500)
    service_record_id: str | None = Field(default=None, max_length=64,
                                          description="wrong: the entry")
    hours: str | None = Field(default=None, max_length=10,
                              description="wrong: the hours the volunteer says are right")
    activity_id: str | None = Field(default=None, max_length=64,
                                    description="missing: the activity")
    started_at: datetime | None = Field(default=None, description="missing: when it began")
    ended_at: datetime | None = Field(default=None, description="missing: when it ended")


class CorrectionAccept(ApiModel):
    note: str = Field(default="", max_length=500)
    hours: str | None = Field(default=None, max_length=10,
                              description="wrong: the hours found (default: the claimed)")
    started_at: datetime | None = Field(default=None, description="missing: the times found")
    ended_at: datetime | None = None


class CorrectionRefuse(ApiModel):
    reason: str = Field(min_length=1, max_length=500)


class CorrectionRequestOut(ApiModel):
    id: str
    volunteer_id: str
    office_id: str
    kind: str
    service_record_id: str | None
    activity_id: str | None
    claimed_hours: str | None
    claimed_started_at: datetime | None
    claimed_ended_at: datetime | None
    reason: str
    requested_at: datetime
    due_on: date
    status: Literal["pending", "accepted", "refused"]
    overdue: bool = Field(description="Unanswered after `due_on`: flagged to the branch.")
    outcome: str | None = Field(description="corrected | late_entry")
    result_record_id: str | None
    result_hours: str | None
    answer: str | None = Field(description="The refusal's reason, or the acceptance's note.")
    answered_at: datetime | None


class CertificateRevoke(ApiModel):
    reason: str = Field(min_length=1, max_length=500)


class CertificateRow(ApiModel):
    serial: str
    volunteer_id: str
    office_id: str | None = Field(description="The issuing office (null: issued before it "
                                  "was recorded).")
    issuer: str
    issued_at: datetime
    issued_on: date
    period_from: date
    period_to: date
    total_hours: str
    total_services: int
    issued_by: str | None
    status: Literal["valid", "revoked"]
    revoked_at: datetime | None
    revocation_reason: str | None


class IssuerProfile(ApiModel):
    person_in_charge: str = Field(min_length=1, max_length=50, description="负责人")
    handling_officer: str = Field(min_length=1, max_length=50, description="经办人")
    contact: str = Field(min_length=1, max_length=100, description="联系方式")


class IssuerProfileOut(IssuerProfile):
    office_id: str


class SealUpload(ApiModel):
    png_base64: str = Field(max_length=400_000, description="The seal (公章) as a PNG image, "
                            "base64; at most 256 KB.")


class SealUploaded(ApiModel):
    office_id: str
    sha256: str
