"""Request and response shapes of the published contract (add fields, never change them)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, field_validator

from timebank.domain.vocabulary import (
    APPROVAL_POLICY,
    DONOR_TYPE,
    EXPENSE_KIND,
    FUND_KIND,
    GEOFENCE_MODE,
    ROLE,
    SCAN_ACTION,
    SERVICE_CATEGORY,
)

CATEGORY_HELP = (
    "Service category: one of " + ", ".join(SERVICE_CATEGORY.codes) + "; any other text is "
    "kept as before and shown on pages as an unlisted category."
)

# C0 control characters other than tab and newlines: PostgreSQL refuses NUL in text, and
# none of them belongs in a name, a reason or a purpose.
FORBIDDEN_CONTROLS = frozenset(chr(c) for c in range(32) if chr(c) not in "\t\n\r") | {"\x7f"}
# The same set as one character class: a search in C, not a loop over every character.
_FORBIDDEN_CONTROL = re.compile("[" + "".join(sorted(FORBIDDEN_CONTROLS)) + "]")


def _check_text(value: Any) -> Any:
    if isinstance(value, str):
        if _FORBIDDEN_CONTROL.search(value):
            raise ValueError("control characters are not allowed")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check_text(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _check_text(item)
    return value


class ApiModel(BaseModel):
    model_config = ConfigDict(extra="ignore")

    @field_validator("*", mode="after")
    @classmethod
    def no_control_characters(cls, value: Any) -> Any:
        return _check_text(value)


class ErrorDetail(ApiModel):
    code: str
    message: str
    message_zh: str


class ErrorField(ApiModel):
    field: str = Field(description="The offending field: its name or dotted location.")
    problem: str = Field(
        description="Why: a catalogue code (`invalid_phone`, …) or the validator's words.")


class ErrorBody(ErrorDetail):
    code: str = Field(description=(
        "A stable snake_case code from the error catalogue. Each response lists the codes "
        "that operation answers; more may be added later, so treat an unknown code by its "
        "HTTP status."))
    message: str = Field(description="English text for people.")
    message_zh: str = Field(description="中文说明，可直接展示给用户。")
    fields: list[ErrorField] = Field(
        default_factory=list, description="With 422 `invalid_input`: each offending field.")


class ErrorResponse(ApiModel):
    """Every 4xx/5xx answer: {"error": {"code", "message", "message_zh"}}."""

    error: ErrorBody


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
    points_per_hour: StrictInt
    category_multipliers: dict[str, str | StrictFloat | StrictInt] = Field(default_factory=dict)
    effective_from: datetime | None = Field(
        default=None, description=(
            "When the new rules take effect, with a UTC offset: now when omitted, or a "
            "moment within the coming year announced ahead (never in the past)."))


class AnnouncedPointRules(ApiModel):
    version: int
    effective_from: datetime
    points_per_hour: StrictInt
    category_multipliers: dict[str, str]


class PointRulesOut(ApiModel):
    bank_id: str
    points_per_hour: StrictInt
    category_multipliers: dict[str, str]
    version: int
    effective_from: datetime | None = Field(
        default=None, description="Since when the rules in force apply (null: since the "
        "bank opened).")
    announced: list[AnnouncedPointRules] = Field(
        default_factory=list, description="Changes announced ahead, soonest first.")


class PointRulesCancel(ApiModel):
    reason: str = Field(min_length=1, max_length=500)


class RollupTotals(ApiModel):
    volunteers: int
    approved_hours: str
    points_earned: int
    points_redeemed: int
    points_balance: int
    star_volunteers: dict[str, int] = Field(
        default_factory=dict,
        description="星级志愿者: volunteers at each star level (\"1\"…), as they stand now.")


class Rollup(ApiModel):
    office_id: str
    kind: str
    name: str | None = None
    totals: RollupTotals
    children: list[Rollup]


class UserCreate(ApiModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)
    role: Literal[ROLE.codes]
    office_id: str | None = Field(default=None, max_length=64)


class Created(ApiModel):
    id: str


class UserOut(ApiModel):
    id: str
    username: str
    role: str
    office_id: str | None


class GuardianIn(ApiModel):
    """监护人同意: who consented for a volunteer aged 14 to 18, their relation, and when."""

    name: str = Field(max_length=50)
    relation: Literal["parent", "grandparent", "sibling", "other_relative", "legal_guardian"]
    consented_on: date
    phone: str = Field(default="", max_length=20)


class VolunteerCreate(ApiModel):
    name: str = Field(max_length=50)
    phone: str = Field(max_length=20)
    id_number: str | None = Field(default=None, max_length=18)
    office_id: str = Field(max_length=64)
    pin: str = Field(max_length=6)
    birth_date: date | None = Field(
        default=None, description="Asked when there is no ID number (which gives the age).")
    guardian: GuardianIn | None = Field(
        default=None, description="Required from 14 to 18; under 14 nobody registers alone.")


class VolunteerCreated(ApiModel):
    id: str
    passbook_no: str


class GuardianOut(ApiModel):
    name: str
    relation: str
    consented_on: date


class VolunteerOut(ApiModel):
    id: str
    passbook_no: str
    office_id: str
    name: str
    phone_masked: str
    active: bool
    age: int | None = Field(default=None, description="From the ID number or birth date.")
    age_band: str = Field(default="unknown", description="adult | minor | unknown")
    age_needs_completing: bool = Field(
        default=False, description="Registered with neither ID number nor birth date.")
    guardian: GuardianOut | None = None
    location_consent: bool = False
    national_no: str | None = Field(default=None, description="志愿者统一编号")


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
    star_level: int = Field(default=0, description="星级 (0: none yet), under the bank's rules.")


class TransferCreate(ApiModel):
    from_passbook: str = Field(max_length=20)
    to_passbook: str = Field(max_length=20)
    points: StrictInt
    note: str = Field(default="", max_length=200)


class TransferOut(ApiModel):
    transfer_id: str
    balance_after: int


class ActivityOptions(ApiModel):
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    radius_m: StrictInt | None = Field(
        default=None, description="Geofence radius (default 200 m)."
    )
    capacity: StrictInt | None = None
    approval_policy: Literal[APPROVAL_POLICY.codes] | None = Field(
        default=None, description="manual (default): a coordinator approves each record.")
    geofence_mode: Literal[GEOFENCE_MODE.codes] | None = Field(
        default=None, description="What a scan far from the place does (default: flag).")
    content: str | None = Field(default=None, max_length=500,
                                description="服务内容: what the volunteers do.")
    person_in_charge_id: str | None = Field(
        default=None, max_length=64,
        description="活动负责人: a staff account running the office (default: the planner).")
    beneficiary: str | None = Field(
        default=None, max_length=200,
        description="服务对象 of every entry, when the activity serves a group.")
    minors: Literal["closed", "open", "group_only"] | None = Field(
        default=None, description="Who under 18 may attend: closed (default), open, or "
        "group_only (entered by the coordinator as a group, never by their own scan).")
    required_training: str | None = Field(
        default=None, max_length=100,
        description="A training (by name) a volunteer must have attended to attend.")
    requires_insurance: bool | None = Field(
        default=None, description="Scanning opens only once `insurance_ref` is recorded.")
    insurance_ref: str | None = Field(default=None, max_length=100,
                                      description="The accident insurance policy's reference.")


class ActivityCreate(ActivityOptions):
    office_id: str = Field(max_length=64)
    title: str = Field(max_length=200)
    category: str = Field(max_length=50, description=CATEGORY_HELP)
    starts_at: datetime
    ends_at: datetime
    location: str = Field(default="", max_length=200)


class ActivityEdit(ActivityOptions):
    title: str | None = Field(default=None, max_length=200)
    category: str | None = Field(default=None, max_length=50, description=CATEGORY_HELP)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    location: str | None = Field(default=None, max_length=200)


class ActivityCancel(ApiModel):
    reason: str = Field(min_length=1, max_length=500)


class ScanRequest(ApiModel):
    token: str = Field(max_length=200)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    action: Literal[SCAN_ACTION.codes] | None = Field(
        default=None, description="If given, the code must be for this action.")
    activity_id: str | None = Field(default=None, max_length=64)


class ScanActivity(ApiModel):
    id: str
    title: str
    location: str


class ScanResult(ApiModel):
    service_record_id: str
    action: str
    at: datetime
    status: str
    hours: str
    points: int
    flags: list[str]
    activity: ScanActivity


class BulkApprove(ApiModel):
    ids: list[str] = Field(min_length=1, max_length=500)


class BulkResult(ApiModel):
    id: str
    status: str
    hours: str | None = None
    points: int | None = None
    error: ErrorDetail | None = None


class ActivityOut(ApiModel):
    id: str
    office_id: str
    title: str
    category: str
    starts_at: datetime
    ends_at: datetime
    location: str
    cancelled: bool
    latitude: float | None = None
    longitude: float | None = None
    radius_m: int | None = None
    capacity: int | None = None
    approval_policy: str = "manual"
    geofence_mode: str = "flag"
    checked_in: int | None = None
    content: str = ""
    person_in_charge_id: str | None = None
    beneficiary: str = ""
    minors: str = "closed"
    required_training: str = ""
    requires_insurance: bool = False
    insurance_ref: str = ""


class BeneficiaryIn(ApiModel):
    """服务对象: a group (`label`) or a person — a registered volunteer (`volunteer_id`, who
    may then confirm themselves) or someone named (`name`, kept sealed)."""

    kind: Literal["person", "group"]
    label: str = Field(default="", max_length=200)
    name: str = Field(default="", max_length=50)
    volunteer_id: str | None = Field(default=None, max_length=64)


class BeneficiaryOut(ApiModel):
    kind: str
    label: str = ""
    name: str | None = None
    volunteer_id: str | None = None


class ServiceRecordCreate(ApiModel):
    volunteer_id: str = Field(max_length=64)
    activity_id: str = Field(max_length=64)
    started_at: datetime
    ended_at: datetime
    note: str = Field(default="", max_length=500)
    beneficiary: BeneficiaryIn | None = Field(
        default=None, description="服务对象 (default: the activity's, if it names one).")


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
    hours: str | StrictFloat | StrictInt
    reason: str = Field(min_length=1, max_length=500)


class ServiceRecordOut(ApiModel):
    id: str
    volunteer_id: str
    activity_id: str
    office_id: str
    category: str
    started_at: datetime
    ended_at: datetime | None
    hours: str
    status: str
    points: int
    source: str
    note: str
    reason: str | None
    entered_at: datetime
    decided_at: datetime | None
    flags: list[str] = []
    person_in_charge_id: str | None = Field(
        default=None, description="活动负责人 (a staff account) when the service was entered.")
    recorder_id: str | None = Field(
        default=None, description="记录人: who entered it by hand, else who approved it.")
    beneficiary: BeneficiaryOut | None = None
    organiser_rating: int | None = Field(default=None, description="1–5, the latest.")
    beneficiary_confirmed: bool | None = None
    beneficiary_rating: int | None = None


class KioskCreate(ApiModel):
    office_id: str = Field(max_length=64)
    name: str = Field(max_length=100)


class KioskCreated(ApiModel):
    kiosk_id: str
    api_key: str = Field(description="Shown once; only a keyed hash is stored.")


class KioskOut(ApiModel):
    kiosk_id: str
    office_id: str
    name: str
    revoked: bool
    last_used_at: datetime | None = None
    replaced_keys_valid_until: datetime | None = Field(
        default=None,
        description="While a rotation's grace runs: when the last replaced key stops working.",
    )


class KioskRevoke(ApiModel):
    reason: str = Field(default="", max_length=500)


class KioskKeyRotation(ApiModel):
    grace_hours: StrictInt = Field(
        default=24,
        description="How long the replaced key keeps working, 0 to 168 hours (0: it ends now).",
    )
    reason: str = Field(default="", max_length=500)


class KioskKeyRotated(ApiModel):
    kiosk_id: str
    api_key: str = Field(description="The new key, shown once; only a keyed hash is stored.")
    replaced_keys_valid_until: datetime | None = Field(
        description="When the last replaced key still accepted stops working (null: none is)."
    )


class CatalogItemCreate(ApiModel):
    sku: str = Field(max_length=40)
    name: str = Field(max_length=100)
    points: StrictInt
    stock: StrictInt
    sponsor: str | None = Field(default=None, max_length=200)


class CatalogItemPatch(ApiModel):
    points: StrictInt | None = Field(default=None, description="New price in points (reprice).")
    stock: StrictInt | None = Field(default=None, description="Counted stock level (stocktake).")
    restock: StrictInt | None = Field(
        default=None, description="Units to add (negative: write-off)."
    )
    active: bool | None = None
    reason: str = Field(default="", max_length=500)


class CatalogItemOut(ApiModel):
    sku: str
    name: str
    points: int
    stock: int
    active: bool = True
    sponsor: str | None = None


class KioskPassbook(ApiModel):
    passbook_no: str
    name_masked: str
    balance_points: int


class RedemptionLine(ApiModel):
    sku: str = Field(max_length=40)
    quantity: StrictInt


class RedemptionCreate(ApiModel):
    passbook_no: str = Field(max_length=200, description="A passbook number or a scanned card.")
    pin: str = Field(max_length=20)
    items: list[RedemptionLine] = Field(max_length=20)


class RedemptionOut(ApiModel):
    redemption_id: str
    points_spent: int
    balance_after: int


class RedemptionCancel(ApiModel):
    reason: str = Field(default="", max_length=500)


class RedemptionCancelled(ApiModel):
    redemption_id: str
    status: str
    points_returned: int
    balance_after: int


class OfflineRedemption(RedemptionCreate):
    sequence: StrictInt = Field(
        ge=0, le=2**62, description="The kiosk's own sequence number; applied once."
    )
    occurred_at: datetime | None = Field(default=None, description="When it happened offline.")


class OfflineBatch(ApiModel):
    redemptions: list[OfflineRedemption] = Field(max_length=500)


class OfflineResult(ApiModel):
    sequence: int
    status: Literal["applied", "already_applied", "refused"]
    redemption_id: str | None = None
    points_spent: int | None = None
    balance_after: int | None = None
    error: ErrorDetail | None = None


class OfflineBatchOut(ApiModel):
    results: list[OfflineResult]


class RedemptionHistoryItem(ApiModel):
    redemption_id: str
    kiosk_id: str
    office_id: str
    passbook_no: str
    lines: list[dict[str, Any]]
    points_spent: int
    status: str
    made_at: datetime
    occurred_at: datetime | None
    cancelled_at: datetime | None


class KioskDailySales(ApiModel):
    day: str
    redemptions: int
    points_spent: int
    cancellations: int
    points_returned: int


class CertificateRequest(ApiModel):
    from_: date = Field(alias="from")
    to: date
    office_id: str | None = Field(
        default=None, max_length=64,
        description="The office whose recorded services to certify (the issuer). Needed "
                    "when several offices recorded the period's services (409 "
                    "several_issuers otherwise).")


class CertificateIssued(ApiModel):
    serial: str
    total_hours: str
    total_services: int
    verify_url: str
    pdf_url: str
    issuer: str | None = None
    issuer_office_id: str | None = None


class CertificateVerification(ApiModel):
    valid: bool
    serial: str
    content: dict[str, Any]
    status: str = Field(default="valid", description="valid | revoked")


class FundCreate(ApiModel):
    name: str = Field(max_length=100)
    kind: Literal[FUND_KIND.codes]
    host_fund_id: str | None = Field(default=None, max_length=64)
    office_id: str = Field(max_length=64)


class FundOut(ApiModel):
    id: str
    name: str
    kind: str
    host_fund_id: str | None
    office_id: str


class VoteRule(ApiModel):
    min_turnout: StrictInt = Field(default=0, ge=0, le=1_000_000)
    two_thirds: bool = False


class DonationCreate(ApiModel):
    amount_fen: StrictInt = Field(description="Money, or the valuation of goods in kind.")
    donor_name: str | None = Field(default=None, max_length=100)
    donor_type: Literal[DONOR_TYPE.codes]
    restricted_purpose: str | None = Field(default=None, max_length=100)
    anonymous: bool = False
    in_kind: str | None = Field(
        default=None, max_length=200,
        description="For a donation of goods (实物捐赠): what was given; amount_fen values it.")
    booked_on: date | None = Field(default=None, description="Entry date (default today).")


class DonationOut(ApiModel):
    donation_id: str
    receipt_no: str
    receipt_kind: Literal["donation", "government_grant"] = Field(
        default="donation",
        description="`donation`: a 公益事业捐赠票据 numbered `YYYY-NNNNNN`; `government_grant`: "
                    "money from government (donor_type `government`) is 政府补助收入, "
                    "acknowledged by a receipt of its own series, `YYYY-GOV-NNNNNN`.")


class DonationListItem(ApiModel):
    donation_id: str
    amount_fen: int
    donor_type: str
    donor_name: str | None = None
    anonymous: bool
    restricted_purpose: str | None
    receipt_no: str
    received_at: datetime
    status: str
    void_reason: str | None = None
    in_kind: str | None = None


class VoidRequest(ApiModel):
    reason: str = Field(min_length=1, max_length=2000)


class VoidOut(ApiModel):
    donation_id: str
    status: str
    receipt_no: str


class GrantCreate(ApiModel):
    project: str = Field(max_length=200)
    amount_fen: StrictInt
    purpose: str | None = Field(default=None, max_length=100)


class GrantCreated(ApiModel):
    grant_id: str
    status: str


class GrantVote(ApiModel):
    votes_for: StrictInt = Field(ge=0, le=1_000_000)
    votes_against: StrictInt = Field(ge=0, le=1_000_000)
    votes_abstain: StrictInt = Field(default=0, ge=0, le=1_000_000)
    minutes: str = Field(max_length=5000)


class GrantStatus(ApiModel):
    grant_id: str
    status: str
    amount_fen: int
    disbursed_fen: int


class DisbursementCreate(ApiModel):
    amount_fen: StrictInt


class DisbursementOut(ApiModel):
    disbursement_id: str
    grant_id: str
    amount_fen: int
    disbursed_fen: int
    remaining_fen: int


class GrantClose(ApiModel):
    report: str = Field(min_length=1, max_length=10000)


class GrantCancel(ApiModel):
    reason: str = Field(min_length=1, max_length=2000)


class GrantListItem(ApiModel):
    grant_id: str
    project: str
    amount_fen: int
    purpose: str | None
    status: str
    disbursed_fen: int
    votes_for: int | None
    votes_against: int | None
    votes_abstain: int | None


class ExpenseShare(ApiModel):
    kind: Literal[EXPENSE_KIND.codes]
    amount_fen: StrictInt


class ResidentsDecision(ApiModel):
    votes_for: StrictInt = Field(ge=0, le=1_000_000)
    votes_against: StrictInt = Field(ge=0, le=1_000_000)
    votes_abstain: StrictInt = Field(default=0, ge=0, le=1_000_000)
    minutes: str = Field(min_length=1, max_length=5000)


class ExpenseCreate(ApiModel):
    amount_fen: StrictInt | None = Field(default=None, description="With `kind`: one kind.")
    kind: Literal[EXPENSE_KIND.codes] | None = None
    allocations: list[ExpenseShare] | None = Field(
        default=None, max_length=3, description="A shared cost split between kinds.")
    allocation_method: str | None = Field(
        default=None, max_length=500, description="How a shared cost was split (required).")
    description: str = Field(default="", max_length=500)
    booked_on: date | None = None
    decision: ResidentsDecision | None = Field(
        default=None, description="Building funds (楼组自治金): the residents' decision.")


class DonorConsent(ApiModel):
    document: str = Field(min_length=1, max_length=500,
                          description="Where the donor's consent is kept (letter, file no.).")
    given_on: date | None = None
    donation_ids: list[str] = Field(
        default_factory=list, max_length=100,
        description="The donations whose donor consented; only their money moves.")


class ReclassificationCreate(ApiModel):
    purpose: str = Field(max_length=100)
    amount_fen: StrictInt
    reason: str = Field(min_length=1, max_length=2000)
    consent: DonorConsent | None = Field(
        default=None,
        description="The donors' recorded consent, naming their donations (only their money "
                    "is released). Without it: 403 `second_approver_required` — request the "
                    "release for a second person to approve.")


class PurposeChangeCreate(ApiModel):
    from_purpose: str = Field(max_length=100)
    to_purpose: str = Field(max_length=100)
    amount_fen: StrictInt
    consent: DonorConsent | None = None


class EntryOut(ApiModel):
    entry_id: str
    amount_fen: int


class PeriodClose(ApiModel):
    until: date
    reason: str = Field(default="", max_length=2000)


class PeriodReopen(ApiModel):
    from_: date = Field(alias="from")
    reason: str = Field(min_length=1, max_length=2000)


class PeriodsOut(ApiModel):
    fund_id: str
    closed_until: str | None


class ExpenseOut(ApiModel):
    expense_id: str
    amount_fen: int
    kind: str


class Statement(ApiModel):
    fund_id: str
    as_of: str | None
    corrected: bool = False
    balance_fen: int
    unrestricted_fen: int
    restricted: dict[str, int]
    donations_fen: int
    disbursed_fen: int
    in_kind_fen: int = 0
    special_funds: list[dict[str, Any]] = Field(
        default_factory=list, description="Hosted special funds' sub-ledgers (foundations).")


class TrialBalanceLine(ApiModel):
    account: str
    debit_fen: int
    credit_fen: int


class TrialBalance(ApiModel):
    as_of: str | None
    accounts: list[TrialBalanceLine]
    total_debit_fen: int
    total_credit_fen: int


class AuditActor(ApiModel):
    kind: str | None
    id: str | None
    role: str | None
    request_id: str | None


class AuditEvent(ApiModel):
    position: int
    at: datetime
    type: str
    aggregate_id: str
    actor: AuditActor | None
    office_id: str | None = None
    reason: str | None = None
    hash: str


class AuditVerification(ApiModel):
    ok: bool
    events_checked: int | None = None
    first_bad_position: int | None = None
    checkpoints_checked: int | None = None
    reason: str | None = Field(default=None, description=(
        "Why not: chain_mismatch, gap (a position missing from the log), not_chained, "
        "checkpoint_disagrees, checkpoint_not_genuine, missing_checkpoint."))
    checkpoint_day: str | None = Field(
        default=None, description="The signed checkpoint the log disagrees with.")
    missing_checkpoint_day: str | None = Field(default=None, description=(
        "A Shanghai day, from the first checkpoint's on, on which the log grew but which "
        "has no checkpoint (one deleted, or never signed)."))


class AuditCheckpoint(ApiModel):
    day: str
    position: int
    chain_hash: str
    signature: str
    public_key: str


class EraseRequest(ApiModel):
    reason: str = Field(min_length=1, max_length=2000)


class PassbookMoment(ApiModel):
    balance_points: int
    total_hours: str


class PassbookAt(ApiModel):
    passbook_no: str
    at: datetime
    as_recorded: PassbookMoment
    as_corrected: PassbookMoment
    corrections_since: list[PassbookEntry]


class IndicatorLimits(ApiModel):
    min_charitable_ratio: str | None = Field(
        default=None, description="Charitable spending ÷ income of the basis, at least (0–1).")
    max_management_ratio: str | None = Field(
        default=None, description="Management costs ÷ total spending, at most (0–1).")
    basis: Literal["previous_year", "three_year_average"] | None = None


class IndicatorLimitsOut(ApiModel):
    fund_id: str
    limits: dict[str, str]


# -- time bank (时间银行): time accounts, the pool, 通存通兑 ------------------------------------
class PriorityRuleIn(ApiModel):
    min_age: StrictInt = 0
    max_age: StrictInt | None = None
    living_alone: bool = False
    minimum_income: bool = False
    disabled: bool = False


class TimeBankRulesIn(ApiModel):
    payers: dict[str, Literal["minted", "beneficiary", "pool"]] = Field(
        default_factory=dict,
        description="Time-bank categories and who pays their hours: minted (the bank "
                    "creates them), beneficiary (the served person's stored hours) or pool.")
    points_too: list[str] = Field(
        default_factory=list, description="Time-bank categories that also earn points.")
    care_from_age: StrictInt = Field(default=60, description="Care is withdrawn from this age.")
    storage_cap_hours: StrictInt | None = Field(
        default=None, description="Lifetime hours a person stores; above it, to the pool.")
    gift_limit_hours_per_year: StrictInt | None = Field(
        default=None, description="Hours a person may give or donate per calendar year.")
    take_area: Literal["branch", "bank"] = Field(
        default="branch", description="Where volunteers take open requests.")
    priority: list[PriorityRuleIn] = Field(
        default_factory=list,
        description="Who may be granted hours from the pool: any one rule, all its conditions.")


class TimeBankRulesOut(TimeBankRulesIn):
    bank_id: str


class TimeEntry(ApiModel):
    at: datetime
    kind: str
    hours: str
    reserved_hours: str
    balance_after: str
    ref: str


class TimeAccountOut(ApiModel):
    passbook_no: str
    balance_hours: str
    reserved_hours: str
    stored_hours: str
    over_cap_hours: str
    entries: list[TimeEntry]


class HoursPoolOut(ApiModel):
    bank_id: str
    balance_hours: str
    funded_hours: str
    donated_hours: str
    over_cap_hours: str
    granted_hours: str
    paid_hours: str


class InterbankTransferCreate(ApiModel):
    from_passbook: str = Field(max_length=20)
    to_bank_id: str = Field(max_length=36, description="The receiving bank (区级总行).")
    to_passbook: str = Field(max_length=20)
    hours: str = Field(max_length=12, description='Hours to move, e.g. "2.50".')
    note: str = Field(default="", max_length=200)


class InterbankTransferOut(ApiModel):
    transfer_id: str
    status: Literal["pending", "posted", "voided"]
    from_bank_id: str
    from_passbook: str
    to_bank_id: str
    to_passbook: str
    hours: str
    note: str
    requested_at: datetime
    deadline: datetime
    decided_at: datetime | None = None
    reason: str | None = Field(
        default=None, description="Why the receiving bank refused (voided transfers); "
                                  "`care_not_served` when care ended without a service.")
    purpose: Literal["transfer", "care"] = Field(
        default="transfer", description="Hours given to a passbook of the other bank, or "
                                        "care withdrawn there (the hours of its window held "
                                        "until the service ends).")
    request_id: str | None = Field(
        default=None, description="For care: the service request opened in the other bank.")
    returned_hours: str = Field(
        default="0.00", description="Of a posted care hold, what the service did not use "
                                    "(returned to the passbook).")


class InterbankBooksLine(ApiModel):
    counterparty_bank_id: str
    sent_hours: str
    received_hours: str
    sent_transfers: int
    received_transfers: int
    owes_hours: str = Field(description="Sent minus received: owed to the counterparty "
                                        "(negative: owed by it).")


class InterbankBooks(ApiModel):
    bank_id: str
    date_from: date | None = Field(default=None, alias="from")
    date_to: date | None = Field(default=None, alias="to")
    lines: list[InterbankBooksLine]


class ClearingDirection(ApiModel):
    hours: str = Field(description="As the sending bank's books record it.")
    hours_as_received: str = Field(description="As the receiving bank's books record it.")


class ClearingPair(ApiModel):
    bank_id: str
    counterparty_bank_id: str
    sent: ClearingDirection
    received: ClearingDirection
    net_hours: str
    debtor_bank_id: str | None
    balanced: bool


class ClearingReport(ApiModel):
    date_from: date | None = Field(default=None, alias="from")
    date_to: date | None = Field(default=None, alias="to")
    balanced: bool
    pending_transfers: int
    pairs: list[ClearingPair]


class TimeGiftCreate(ApiModel):
    from_passbook: str = Field(max_length=20)
    to_passbook: str = Field(max_length=20)
    hours: str = Field(max_length=12, description='Hours to give, e.g. "2.50".')
    relation: Literal["spouse", "parent", "parent_in_law", "grandparent", "child", "grandchild",
                      "sibling", "other_relative"] = Field(
        description="The recipient is the giver's … (recorded with the gift).")
    note: str = Field(default="", max_length=200)


class TimeGiftOut(ApiModel):
    gift_id: str
    balance_hours: str
    given_this_year_hours: str


class TimeDonationCreate(ApiModel):
    passbook: str = Field(max_length=20)
    hours: str = Field(max_length=12)
    note: str = Field(default="", max_length=200)


class TimeDonationOut(ApiModel):
    donation_id: str
    balance_hours: str
    given_this_year_hours: str


class PoolFunding(ApiModel):
    hours: str = Field(max_length=12)
    reason: str = Field(max_length=500, description="The bank's decision to fund its pool.")
