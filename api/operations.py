"""The API's operations as its readers see them: one entry per route.

Each entry names an operation for people (its `operationId`, which becomes a generated
client's method and module name), the audience it serves (its tag), a summary in English
with the Chinese term, and the error codes its code paths can answer (codes of the one
catalogue, `timebank/domain/errors.py`; their HTTP status and messages come from there and
from `api/errors.py`). `api/openapi.py` applies these entries when the spec is built.

What every operation can answer is added there, not here: `invalid_input` (422) for any
request; `unauthenticated` (401) where a credential is needed; `idempotency_key_reused`
(422) where an `Idempotency-Key` is taken and `idempotency_key_required` (400) where it is
required. List here only what the operation's own code paths add.

Adding an endpoint: add its entry below (`tests/api/test_openapi_spec.py` names any route
without one), then regenerate the published spec with `scripts/openapi` — see
docs/api-operations.md. operationIds are stable once published: never rename one.
"""

from __future__ import annotations

from dataclasses import dataclass

# Tags by audience, in the order the documentation shows them: (name, description).
TAGS: tuple[tuple[str, str], ...] = (
    ("kiosk", "兑换终端 — what a kiosk (爱心超市 terminal) calls with its `X-Kiosk-Key`."),
    ("volunteer", "志愿者 — a volunteer's phone: log-in, scans, passbook, 转赠, certificates."),
    ("staff", "工作人员 — coordinators and administrators of the office tree: offices, staff, "
              "volunteers, activities, service hours, kiosks and catalogs."),
    ("treasurer", "财务 — community funds: donations, grants, expenses, books and reports."),
    ("auditor", "审计 — the event log, its hash chain and point-in-time views."),
    ("public", "公开 — no credential: health, signed checkpoints, certificate checks."),
)
TAG_NAMES = tuple(name for name, _ in TAGS)


@dataclass(frozen=True)
class Operation:
    operation_id: str
    tag: str
    summary: str
    errors: tuple[str, ...] = ()
    # The server refuses a request without an `Idempotency-Key` (400 idempotency_key_required).
    # Where the route takes the header but this is False, the key is optional.
    idempotency_required: bool = False


def op(
    operation_id: str, tag: str, summary: str, *errors: str, idempotency_required: bool = False
) -> Operation:
    return Operation(operation_id, tag, summary, errors, idempotency_required)


# Groups of codes that many operations share (each still listed per operation).
READ = ("forbidden", "not_found")
COMMAND = ("forbidden", "not_found", "conflict")  # conflict: its service retries on conflict
CREATE = ("forbidden", "not_found")  # a new aggregate: no retry, no conflict
MONEY = ("insufficient_funds", "period_closed")

V1 = "/api/v1"

# "METHOD /path" -> Operation. Keep the order of the routers (the spec's order is the app's).
OPERATIONS: dict[str, Operation] = {
    # -- public and log-in ------------------------------------------------------------------
    f"GET {V1}/health": op("getHealth", "public", "Health check (健康检查)"),
    f"POST {V1}/auth/token": op(
        "issueStaffToken", "staff", "Staff log-in: a bearer token (工作人员登录)",
        "invalid_credentials", "account_locked", "rate_limited", "conflict",
        "password_change_required"),
    f"POST {V1}/auth/volunteer-token": op(
        "issueVolunteerToken", "volunteer", "Volunteer log-in by phone and PIN (志愿者登录)",
        "wrong_phone_or_pin", "rate_limited"),
    # -- offices ----------------------------------------------------------------------------
    f"POST {V1}/offices": op(
        "openOffice", "staff", "Open an office: bank, branch or savings office (开设机构)",
        "forbidden", "not_found", "invalid_parent", "office_closed"),
    f"GET {V1}/offices/{{office_id}}": op("getOffice", "staff", "Read an office (机构)", *READ),
    f"POST {V1}/offices/{{office_id}}/rename": op(
        "renameOffice", "staff", "Rename an office (机构更名)", *COMMAND, "office_closed"),
    f"POST {V1}/offices/{{office_id}}/close": op(
        "closeOffice", "staff", "Close an office (撤销机构)", *COMMAND, "office_closed"),
    f"PUT {V1}/offices/{{bank_id}}/point-rules": op(
        "setPointRules", "staff", "Set a bank's point rules (积分规则)",
        *COMMAND, "office_not_bank", "invalid_point_rules", "office_closed"),
    f"POST {V1}/offices/{{bank_id}}/point-rules/{{version}}/cancel": op(
        "withdrawPointRulesChange", "staff",
        "Withdraw a change of point rules announced ahead (撤回积分规则变更)",
        *COMMAND, "office_not_bank", "office_closed", "rules_already_in_force"),
    f"GET {V1}/offices/{{bank_id}}/point-rules": op(
        "getPointRules", "staff", "Read a bank's point rules (积分规则)", *READ),
    f"GET {V1}/offices/{{office_id}}/rollup": op(
        "getOfficeRollup", "staff", "Totals of an office subtree (机构汇总)",
        *READ, "invalid_time_range"),
    # -- staff accounts ---------------------------------------------------------------------
    f"POST {V1}/users": op(
        "createStaffAccount", "staff", "Create a staff account (创建工作人员账户)",
        *CREATE, "invalid_password", "invalid_role", "username_taken", "office_closed"),
    f"GET {V1}/users/me": op("getCurrentStaff", "staff", "The signed-in staff account (当前账户)",
                             "forbidden"),
    # -- the account lifecycle: logout, sessions, passwords, PINs (issue 17) -----------------
    f"POST {V1}/auth/logout": op(
        "logOut", "volunteer", "Log out: end this token's session (退出登录)", "conflict"),
    f"GET {V1}/sessions": op(
        "listMySessions", "volunteer", "The signed-in account's open sessions (登录设备)",
        "not_found"),
    f"POST {V1}/sessions/{{session_id}}/revoke": op(
        "revokeMySession", "volunteer", "End one of one's own sessions (注销登录设备)",
        "not_found", "conflict"),
    f"POST {V1}/sessions/revoke-all": op(
        "revokeAllMySessions", "volunteer", "Sign out everywhere (全部退出登录)",
        "not_found", "conflict"),
    f"POST {V1}/users/me/password": op(
        "changeMyPassword", "staff", "Change one's own password (修改密码)",
        "forbidden", "wrong_password", "invalid_password", "account_locked", "rate_limited",
        "conflict"),
    f"POST {V1}/auth/password": op(
        "changeExpiredPassword", "staff",
        "Choose a new password after a reset: the first token (重置后设置新密码)",
        "invalid_credentials", "invalid_password", "account_locked", "rate_limited",
        "conflict"),
    f"GET {V1}/users": op(
        "listStaffAccounts", "staff", "The staff accounts of an office subtree (人员账户)",
        *READ),
    f"POST {V1}/users/{{user_id}}/password-reset": op(
        "resetStaffPassword", "staff", "Reset a staff account's password (重置密码)",
        *COMMAND, "own_account", "invalid_password", "invalid_state"),
    f"POST {V1}/users/{{user_id}}/deactivate": op(
        "deactivateStaffAccount", "staff", "Disable a staff account (停用账户)",
        *COMMAND, "own_account", "invalid_state"),
    f"POST {V1}/users/{{user_id}}/reactivate": op(
        "reactivateStaffAccount", "staff", "Enable a staff account again (启用账户)",
        *COMMAND, "own_account", "invalid_state", "office_closed"),
    f"POST {V1}/users/{{user_id}}/role": op(
        "changeStaffRole", "staff", "Change a staff account's role or office (变更角色)",
        *COMMAND, "own_account", "invalid_role", "invalid_state", "office_closed"),
    f"GET {V1}/users/{{user_id}}/sessions": op(
        "listStaffSessions", "staff", "A staff account's open sessions (登录设备)",
        *READ, "own_account"),
    f"POST {V1}/users/{{user_id}}/sessions/revoke": op(
        "revokeStaffSessions", "staff", "End every session of a staff account (强制下线)",
        *COMMAND, "own_account"),
    f"POST {V1}/volunteers/me/pin": op(
        "changeMyPin", "volunteer", "Change one's own PIN (修改密码)",
        "forbidden", "wrong_pin", "invalid_pin", "rate_limited", "conflict"),
    f"POST {V1}/volunteers/{{volunteer_id}}/pin-reset": op(
        "resetVolunteerPin", "staff",
        "Reset a volunteer's PIN at the savings office, identity checked (柜台重置密码)",
        *COMMAND, "invalid_pin", "identity_mismatch", "volunteer_inactive"),
    # -- volunteers and passbooks -----------------------------------------------------------
    f"POST {V1}/volunteers": op(
        "registerVolunteer", "staff", "Register a volunteer and open a passbook (志愿者登记)",
        *COMMAND, "invalid_phone", "invalid_id_number", "invalid_pin", "invalid_name",
        "phone_taken", "office_closed", "volunteer_too_young", "guardian_consent_required"),
    f"GET {V1}/volunteers/{{volunteer_id}}": op(
        "getVolunteer", "staff", "Read a volunteer (志愿者)", *READ),
    f"POST {V1}/volunteers/{{volunteer_id}}/move": op(
        "moveVolunteer", "staff", "Move a volunteer to another savings office (转移)",
        *COMMAND, "office_mismatch", "office_closed", "invalid_parent"),
    f"GET {V1}/volunteers/{{volunteer_id}}/passbook": op(
        "getPassbook", "volunteer", "A volunteer's passbook (爱心存折)", *READ),
    f"GET {V1}/volunteers/{{volunteer_id}}/passbook/at": op(
        "getPassbookAt", "auditor", "A passbook as it stood at an instant (历史存折)", *READ),
    f"POST {V1}/volunteers/{{volunteer_id}}/erase": op(
        "eraseVolunteer", "staff", "Erase a volunteer's personal data (个人信息删除)",
        *COMMAND, "invalid_state", "erasure_incomplete"),
    f"GET {V1}/volunteers/{{volunteer_id}}/passbook/card.png": op(
        "getPassbookCard", "volunteer", "The passbook card's QR code, PNG (存折卡二维码)", *READ),
    f"POST {V1}/transfers": op(
        "transferPoints", "volunteer", "Give points to another passbook (转赠)",
        *COMMAND, "insufficient_points", "invalid_points", "same_passbook", "office_mismatch",
        "volunteer_inactive", idempotency_required=True),
    # -- activities, scans, service hours ---------------------------------------------------
    f"POST {V1}/activities": op(
        "planActivity", "staff", "Plan an activity (发布志愿服务活动)",
        *CREATE, "invalid_time_range", "office_closed"),
    f"GET {V1}/activities/{{activity_id}}": op(
        "getActivity", "staff", "Read an activity (活动)", *READ),
    f"PATCH {V1}/activities/{{activity_id}}": op(
        "editActivity", "staff", "Edit an activity (修改活动)",
        *COMMAND, "activity_cancelled", "invalid_time_range"),
    f"POST {V1}/activities/{{activity_id}}/cancel": op(
        "cancelActivity", "staff", "Cancel an activity (取消活动)",
        *COMMAND, "activity_cancelled"),
    f"GET {V1}/activities/{{activity_id}}/qr.png": op(
        "getActivityQrPng", "staff", "An activity's check-in or check-out code, PNG (签到二维码)",
        *READ, "activity_cancelled"),
    f"GET {V1}/activities/{{activity_id}}/qr.svg": op(
        "getActivityQrSvg", "staff", "An activity's check-in or check-out code, SVG (签到二维码)",
        *READ, "activity_cancelled"),
    f"POST {V1}/service-records": op(
        "enterServiceRecord", "staff", "Enter a volunteer's service by hand (代录)",
        *CREATE, "activity_cancelled", "already_recorded", "invalid_hours",
        "invalid_time_range", "office_mismatch", "outside_window", "volunteer_inactive",
        "guardian_consent_required", "minors_not_admitted", "training_required"),
    f"GET {V1}/service-records": op(
        "listServiceRecords", "staff", "List service records (服务记录)", *READ),
    f"POST {V1}/service-records/approve": op(
        "approveServiceRecords", "staff", "Approve many service records (批量审核)",
        *COMMAND),
    f"GET {V1}/service-records/{{record_id}}": op(
        "getServiceRecord", "staff", "Read a service record (服务记录)", *READ),
    f"POST {V1}/service-records/{{record_id}}/approve": op(
        "approveServiceRecord", "staff", "Approve a service record: points land (审核通过)",
        *COMMAND, "not_pending", "office_closed"),
    f"POST {V1}/service-records/{{record_id}}/reject": op(
        "rejectServiceRecord", "staff", "Reject a service record (审核不通过)",
        *COMMAND, "not_pending"),
    f"POST {V1}/service-records/{{record_id}}/correct": op(
        "correctServiceRecord", "staff", "Correct a record's hours (更正服务时长)",
        *COMMAND, "not_approved", "invalid_hours", "insufficient_points", "office_closed",
        "insufficient_hours"),
    f"POST {V1}/scans": op(
        "scanActivityCode", "volunteer", "Check in or out with a scanned code (扫码签到/签退)",
        *COMMAND, "invalid_token", "token_expired", "already_checked_in", "not_checked_in",
        "overlapping_activity", "activity_full", "activity_not_open", "activity_cancelled",
        "outside_area", "rate_limited", "guardian_consent_required", "minors_not_admitted",
        "minors_group_only", "training_required", "insurance_required", "office_closed"),
    f"POST {V1}/volunteers/{{volunteer_id}}/certificates": op(
        "issueCertificate", "volunteer", "Issue a service certificate (志愿服务记录证明)",
        *COMMAND, "invalid_time_range", "read_models_behind", "several_issuers"),
    f"GET {V1}/certificates/{{serial}}/pdf": op(
        "getCertificatePdf", "volunteer", "A service certificate, PDF (证明)",
        *READ, "invalid_certificate"),
    f"GET {V1}/certificates/{{serial}}/verify": op(
        "verifyCertificate", "public", "Check a certificate is genuine (证明核验)",
        "not_found", "invalid_certificate"),
    f"GET {V1}/certificates": op(
        "listCertificates", "staff", "The register of certificates issued (证明出具登记)",
        *READ),
    f"GET {V1}/certificates/export.csv": op(
        "exportCertificateRegister", "staff", "The certificate register as CSV (登记导出)",
        *READ),
    f"POST {V1}/certificates/{{serial}}/revoke": op(
        "revokeCertificate", "staff", "Revoke a certificate, with the reason (撤销证明)",
        *COMMAND, "invalid_certificate", "invalid_state"),
    f"PUT {V1}/offices/{{office_id}}/issuer-profile": op(
        "setIssuerProfile", "staff",
        "An issuing office's person in charge, handling officer and contact (出具单位信息)",
        *COMMAND, "office_closed"),
    f"PUT {V1}/offices/{{office_id}}/seal": op(
        "uploadOfficeSeal", "staff", "Upload an office's seal image, PNG (公章)", *COMMAND),
    # -- community funds --------------------------------------------------------------------
    f"POST {V1}/funds": op(
        "openFund", "treasurer", "Open a fund: foundation, special or building fund (设立基金)",
        *CREATE, "invalid_fund_host", "office_closed"),
    f"GET {V1}/funds/{{fund_id}}": op("getFund", "treasurer", "Read a fund (基金)", *READ),
    f"PUT {V1}/funds/{{fund_id}}/vote-rule": op(
        "setFundVoteRule", "treasurer", "Set a fund's residents' vote rule (议事规则)", *COMMAND),
    f"PUT {V1}/funds/{{fund_id}}/indicator-limits": op(
        "setFundIndicatorLimits", "treasurer",
        "Set a fund's charity indicator limits (年度支出与管理费用比例)", *COMMAND),
    f"POST {V1}/funds/{{fund_id}}/donations": op(
        "receiveDonation", "treasurer", "Record a donation and number its receipt (捐赠)",
        *COMMAND, "period_closed", idempotency_required=True),
    f"GET {V1}/funds/{{fund_id}}/donations": op(
        "listDonations", "treasurer", "A fund's donations (捐赠列表)", *READ),
    f"GET {V1}/funds/{{fund_id}}/donations/{{donation_id}}/receipt.pdf": op(
        "getDonationReceiptPdf", "treasurer", "A donation's receipt, PDF (捐赠票据)", *READ),
    f"POST {V1}/funds/{{fund_id}}/donations/{{donation_id}}/erase-donor": op(
        "eraseDonor", "treasurer", "Erase a donor's personal data (捐赠人信息删除)",
        *COMMAND, "invalid_state", "erasure_incomplete"),
    f"POST {V1}/funds/{{fund_id}}/donations/{{donation_id}}/void": op(
        "voidDonation", "treasurer", "Void a donation (作废捐赠)",
        *COMMAND, "invalid_state", *MONEY),
    f"POST {V1}/funds/{{fund_id}}/expenses": op(
        "payExpense", "treasurer", "Pay a running cost (费用支出)",
        *COMMAND, *MONEY, "decision_required", idempotency_required=True),
    f"POST {V1}/funds/{{fund_id}}/reclassifications": op(
        "releaseRestriction", "treasurer",
        "Release restricted money with the donors' consent (限定性净资产转为非限定性净资产)",
        *COMMAND, *MONEY, "consent_required", "second_approver_required",
        idempotency_required=True),
    f"POST {V1}/funds/{{fund_id}}/purpose-changes": op(
        "changeDonationPurpose", "treasurer", "Change a restricted gift's purpose (变更用途)",
        *COMMAND, *MONEY, "consent_required", idempotency_required=True),
    f"POST {V1}/funds/{{fund_id}}/periods/close": op(
        "closeBookPeriod", "treasurer", "Close the books up to a day (结账)",
        *COMMAND, "invalid_state"),
    f"POST {V1}/funds/{{fund_id}}/periods/reopen": op(
        "reopenBookPeriod", "treasurer", "Reopen a closed period (反结账)",
        *COMMAND, "invalid_state"),
    f"POST {V1}/funds/{{fund_id}}/grants": op(
        "proposeGrant", "treasurer", "Propose a grant to a community project (资助项目)",
        *CREATE),
    f"GET {V1}/funds/{{fund_id}}/grants": op(
        "listGrants", "treasurer", "A fund's grants (资助项目列表)", *READ),
    f"POST {V1}/grants/{{grant_id}}/approve": op(
        "decideGrant", "treasurer", "Record the residents' vote on a grant (居民议事表决)",
        *COMMAND, "grant_not_proposed"),
    f"POST {V1}/grants/{{grant_id}}/disbursements": op(
        "disburseGrant", "treasurer", "Pay a tranche of a grant (拨付)",
        *COMMAND, *MONEY, "exceeds_grant", "grant_not_approved", "restricted_purpose_mismatch",
        idempotency_required=True),
    f"POST {V1}/grants/{{grant_id}}/close": op(
        "closeGrant", "treasurer", "Close a grant with its report (结项)",
        *COMMAND, "grant_not_approved"),
    f"POST {V1}/grants/{{grant_id}}/cancel": op(
        "cancelGrant", "treasurer", "Cancel an open grant (撤销资助项目)",
        *COMMAND, "invalid_state"),
    f"GET {V1}/funds/{{fund_id}}/statement": op(
        "getFundStatement", "treasurer", "A fund's statement as of a day (基金对账单)", *READ),
    f"GET {V1}/reports/trial-balance": op(
        "getTrialBalance", "treasurer", "Trial balance (试算平衡表)", *READ),
    f"GET {V1}/funds/{{fund_id}}/reports/activities": op(
        "getStatementOfActivities", "treasurer", "Statement of activities (业务活动表)", *READ),
    f"GET {V1}/funds/{{fund_id}}/reports/balance-sheet": op(
        "getBalanceSheet", "treasurer", "Balance sheet (资产负债表)", *READ),
    f"GET {V1}/funds/{{fund_id}}/reports/tracing": op(
        "getDonationTracing", "treasurer", "Where donations went (捐赠去向追踪)", *READ),
    f"GET {V1}/funds/{{fund_id}}/reports/indicators": op(
        "getCharityIndicators", "treasurer",
        "Charity indicators: spending and management ratios (年度支出与管理费用指标)", *READ),
    f"GET {V1}/funds/{{fund_id}}/exports/journal.csv": op(
        "exportJournalCsv", "treasurer", "The journal as CSV (日记账导出)", *READ),
    f"GET {V1}/funds/{{fund_id}}/exports/journal.xlsx": op(
        "exportJournalXlsx", "treasurer", "The journal as XLSX (日记账导出)", *READ),
    f"GET {V1}/funds/{{fund_id}}/exports/statement.xlsx": op(
        "exportStatementXlsx", "treasurer", "The statements as XLSX (财务报表导出)", *READ),
    # -- the legal entity: a foundation with the funds it hosts -----------------------------
    f"POST {V1}/funds/{{fund_id}}/release-requests": op(
        "requestRestrictionRelease", "treasurer",
        "Ask for a restriction to be released, for a second person to approve (解除限定申请)",
        *CREATE),
    f"POST {V1}/release-requests/{{request_id}}/approve": op(
        "approveRestrictionRelease", "treasurer",
        "Approve a release as the second person (解除限定审批)",
        *COMMAND, "invalid_state", "second_approver_required", *MONEY),
    f"POST {V1}/release-requests/{{request_id}}/decline": op(
        "declineRestrictionRelease", "treasurer", "Decline a release request (驳回解除限定)",
        *COMMAND, "invalid_state"),
    f"POST {V1}/funds/{{fund_id}}/custodial-receipts": op(
        "receiveCustodialMoney", "treasurer",
        "Money held as agent for a named beneficiary (受托代理资产)", *COMMAND, "period_closed",
        idempotency_required=True),
    f"POST {V1}/funds/{{fund_id}}/custodial-payments": op(
        "payCustodialMoney", "treasurer",
        "Pass held money on to its beneficiary (受托代理支付)", *COMMAND, *MONEY,
        idempotency_required=True),
    f"POST {V1}/funds/{{fund_id}}/in-kind-distributions": op(
        "distributeInKind", "treasurer",
        "Give donated goods to a project or beneficiary (实物发放)", *COMMAND, *MONEY,
        idempotency_required=True),
    f"POST {V1}/funds/{{fund_id}}/entity/year-end-closing": op(
        "closeEntityYear", "treasurer",
        "Carry the year's income and costs into net assets (年末结转)", *COMMAND,
        "invalid_state", "period_closed"),

    f"GET {V1}/funds/{{fund_id}}/entity/organisation": op(
        "getEntityOrganisation", "treasurer",
        "The legal person's type and public-fundraising status (慈善组织类型与公开募捐资格)",
        *READ),
    f"PUT {V1}/funds/{{fund_id}}/entity/organisation": op(
        "setEntityOrganisation", "treasurer",
        "Record the legal person's type and public-fundraising status (登记组织类型与公募资格)",
        *COMMAND),
    f"GET {V1}/funds/{{fund_id}}/entity/balance-sheet": op(
        "getEntityBalanceSheet", "treasurer",
        "The legal entity's balance sheet (法人资产负债表, 会民非01表)", *READ),
    f"GET {V1}/funds/{{fund_id}}/entity/activities": op(
        "getEntityActivities", "treasurer",
        "The legal entity's statement of activities (法人业务活动表, 会民非02表)", *READ),
    f"GET {V1}/funds/{{fund_id}}/entity/cash-flows": op(
        "getEntityCashFlows", "treasurer",
        "The legal entity's cash-flow statement (法人现金流量表, 会民非03表)", *READ),
    f"GET {V1}/funds/{{fund_id}}/entity/trial-balance": op(
        "getEntityTrialBalance", "treasurer",
        "The legal entity's trial balance, tied to its balance sheet (法人试算平衡表)", *READ),
    f"GET {V1}/funds/{{fund_id}}/entity/vouchers": op(
        "listEntityVouchers", "treasurer",
        "The legal entity's vouchers, numbered per month without gaps (记账凭证)", *READ),
    f"GET {V1}/funds/{{fund_id}}/entity/statements.xlsx": op(
        "exportEntityStatementsXlsx", "treasurer",
        "The legal entity's three statements as XLSX (财务报表导出)", *READ),
    f"GET {V1}/funds/{{fund_id}}/entity/statements.pdf": op(
        "exportEntityStatementsPdf", "treasurer",
        "The legal entity's three statements as PDF (财务报表)", *READ),
    f"GET {V1}/funds/{{fund_id}}/entity/receipts": op(
        "getEntityReceiptRegister", "treasurer",
        "The legal entity's receipt register, voids included (票据登记簿)", *READ),
    f"GET {V1}/funds/{{fund_id}}/entity/receipts.csv": op(
        "exportEntityReceiptRegisterCsv", "treasurer",
        "The receipt register as CSV (票据登记簿导出)", *READ),
    f"GET {V1}/funds/{{fund_id}}/entity/receipts.xlsx": op(
        "exportEntityReceiptRegisterXlsx", "treasurer",
        "The receipt register as XLSX (票据登记簿导出)", *READ),
    f"GET {V1}/funds/{{fund_id}}/entity/disclosures": op(
        "getEntityDisclosureReminders", "treasurer",
        "What must be published and by when (信息公开提醒)", *READ),
    f"GET {V1}/funds/{{fund_id}}/entity/annual-report": op(
        "getEntityAnnualReport", "treasurer",
        "The annual report pack: statements, notes, indicators, grants (年度报告)", *READ),
    f"GET {V1}/funds/{{fund_id}}/entity/annual-report.xlsx": op(
        "exportEntityAnnualReportXlsx", "treasurer",
        "The annual report pack as XLSX (年度报告导出)", *READ),
    f"PUT {V1}/funds/{{fund_id}}/donations/{{donation_id}}/e-receipt": op(
        "recordDonationEReceipt", "treasurer",
        "Record a gift's financial e-receipt number (财政电子票据号)", *COMMAND),
    f"GET {V1}/funds/{{fund_id}}/entity/indicators": op(
        "getEntityIndicators", "treasurer",
        "Charity-law indicators by status and size (年度慈善活动支出与管理费用指标)", *READ),
    # -- audit ------------------------------------------------------------------------------
    f"GET {V1}/audit/events": op("listAuditEvents", "auditor", "The event log (审计日志)", *READ),
    f"GET {V1}/audit/verify": op(
        "verifyAuditChain", "auditor", "Recompute the hash chain (校验哈希链)",
        "forbidden", "read_models_behind"),
    f"GET {V1}/audit/checkpoints/{{day}}": op(
        "getAuditCheckpoint", "public", "A day's signed checkpoint (每日签名检查点)", "not_found"),
    # -- volunteers' records: complete service entries, ages and consents -------------------
    f"POST {V1}/service-records/{{record_id}}/beneficiary": op(
        "nameServiceBeneficiary", "staff", "Name a service's beneficiary (服务对象)",
        *COMMAND, "not_approved", "invalid_state", "office_mismatch"),
    f"POST {V1}/service-records/{{record_id}}/evaluation": op(
        "evaluateServiceRecord", "staff", "The organiser's evaluation of a service (服务评价)",
        *COMMAND, "not_approved"),
    f"POST {V1}/service-records/{{record_id}}/beneficiary-confirmation": op(
        "confirmServiceByBeneficiary", "volunteer",
        "The beneficiary confirms and rates a service (服务对象确认与评价)",
        *COMMAND, "not_approved", "invalid_state"),
    f"GET {V1}/service-records/{{record_id}}/evaluations": op(
        "listServiceEvaluations", "staff", "Every evaluation of a service (评价记录)", *READ),
    f"POST {V1}/volunteers/{{volunteer_id}}/guardian-consent": op(
        "recordGuardianConsent", "staff", "Record a guardian's consent for a minor (监护人同意)",
        *COMMAND, "invalid_phone"),
    f"POST {V1}/volunteers/{{volunteer_id}}/birth-date": op(
        "recordBirthDate", "staff", "Complete a volunteer's birth date (出生日期)",
        *COMMAND, "volunteer_too_young", "guardian_consent_required"),
    f"PUT {V1}/volunteers/{{volunteer_id}}/location-consent": op(
        "setLocationConsent", "volunteer",
        "Give or withdraw consent to use location at scans (位置信息授权)", *COMMAND),
    f"PUT {V1}/volunteers/{{volunteer_id}}/national-number": op(
        "recordNationalVolunteerNumber", "staff",
        "Record the national volunteer number (志愿者统一编号)", *COMMAND),
    f"POST {V1}/volunteers/{{volunteer_id}}/trainings": op(
        "recordTraining", "staff", "Record a training attended (培训记录)",
        *COMMAND, "invalid_hours", "invalid_state"),
    f"GET {V1}/volunteers/{{volunteer_id}}/trainings": op(
        "listTrainings", "volunteer", "A volunteer's training (培训记录)", *READ),
    f"POST {V1}/volunteers/{{volunteer_id}}/awards": op(
        "recordAward", "staff", "Record an award or commendation (表彰奖励)", *COMMAND),
    f"GET {V1}/volunteers/{{volunteer_id}}/awards": op(
        "listAwards", "volunteer", "A volunteer's awards (表彰奖励记录)", *READ),
    f"POST {V1}/complaints": op(
        "receiveComplaint", "staff", "Receive a complaint about a service (投诉受理)", *CREATE),
    f"GET {V1}/complaints": op("listComplaints", "staff", "Complaints (投诉记录)", *READ),
    f"GET {V1}/complaints/{{complaint_id}}": op(
        "getComplaint", "staff", "Read a complaint (投诉)", *READ),
    f"POST {V1}/complaints/{{complaint_id}}/investigate": op(
        "investigateComplaint", "staff", "Start investigating a complaint (投诉调查)",
        *COMMAND, "invalid_state"),
    f"POST {V1}/complaints/{{complaint_id}}/resolve": op(
        "resolveComplaint", "staff", "Decide a complaint: upheld or dismissed (投诉处理)",
        *COMMAND, "invalid_state"),
    f"GET {V1}/volunteers/{{volunteer_id}}/star-level": op(
        "getStarLevel", "volunteer", "A volunteer's star level (星级志愿者)", *READ),
    f"PUT {V1}/offices/{{bank_id}}/record-rules": op(
        "setRecordRules", "staff",
        "Set a bank's star thresholds and correction deadline (记录规则)",
        *COMMAND, "office_not_bank", "office_closed"),
    f"POST {V1}/correction-requests": op(
        "askCorrection", "volunteer",
        "Report a wrong or missing entry of one's record (更正申请)",
        *CREATE, "invalid_hours", "invalid_time_range", "already_recorded"),
    f"GET {V1}/correction-requests": op(
        "listCorrectionRequests", "staff",
        "The recording office's correction queue, due first (更正申请队列)", *READ),
    f"GET {V1}/correction-requests/{{request_id}}": op(
        "getCorrectionRequest", "staff", "Read a correction request (更正申请)", *READ),
    f"POST {V1}/correction-requests/{{request_id}}/accept": op(
        "acceptCorrection", "staff",
        "Accept: correct the entry or enter the missing one (受理更正)",
        *COMMAND, "invalid_state", "invalid_hours", "invalid_time_range", "not_approved",
        "insufficient_points", "already_recorded", "outside_window", "volunteer_inactive",
        "office_mismatch", "guardian_consent_required", "minors_not_admitted",
        "training_required"),
    f"POST {V1}/correction-requests/{{request_id}}/refuse": op(
        "refuseCorrection", "staff", "Refuse a correction, with the reason (不予更正)",
        *COMMAND, "invalid_state"),
    f"GET {V1}/volunteers/{{volunteer_id}}/records-export.zip": op(
        "exportVolunteerRecords", "volunteer",
        "A volunteer's whole record, JSON Lines and CSV in a ZIP (记录导出)", *READ),
    f"GET {V1}/offices/{{office_id}}/records-export.zip": op(
        "exportOfficeRecords", "staff",
        "An office subtree's volunteers' records of a period, JSON Lines and CSV in a ZIP "
        "(记录导出)", *READ, "invalid_time_range"),
    f"GET {V1}/offices/{{bank_id}}/record-rules": op(
        "getRecordRules", "staff", "Read a bank's rules of records (记录规则)",
        *READ, "office_not_bank"),
    f"GET {V1}/offices/{{office_id}}/activities": op(
        "listOfficeActivities", "staff", "An office's activities (机构活动列表)", *READ),
    # -- kiosks: staff side -----------------------------------------------------------------
    f"POST {V1}/kiosks": op(
        "registerKiosk", "staff", "Register a kiosk; its key is shown once (登记兑换终端)",
        *CREATE, "office_closed"),
    f"GET {V1}/kiosks/{{kiosk_id}}": op("getKiosk", "staff", "Read a kiosk (兑换终端)", *READ),
    f"POST {V1}/kiosks/{{kiosk_id}}/revoke": op(
        "revokeKiosk", "staff", "Revoke a kiosk's key (停用终端密钥)", *COMMAND, "invalid_state"),
    f"POST {V1}/kiosks/{{kiosk_id}}/key-rotation": op(
        "rotateKioskKey", "staff",
        "Give a kiosk a new key; the replaced one works for a grace period (轮换终端密钥)",
        *CREATE, "invalid_state"),
    f"GET {V1}/kiosks/{{kiosk_id}}/sales": op(
        "getKioskSales", "staff", "A kiosk's daily redemptions (终端兑换统计)", *READ),
    f"GET {V1}/offices/{{office_id}}/kiosks": op(
        "listOfficeKiosks", "staff", "A savings office's kiosks (终端列表)", *READ),
    f"POST {V1}/offices/{{office_id}}/catalog": op(
        "addCatalogItem", "staff", "Put an item in a savings office's catalog (上架商品)",
        *CREATE, "sku_taken", "office_closed"),
    f"GET {V1}/offices/{{office_id}}/catalog": op(
        "getOfficeCatalog", "staff", "A savings office's whole catalog (商品目录)", *READ),
    f"PATCH {V1}/offices/{{office_id}}/catalog/{{sku}}": op(
        "updateCatalogItem", "staff", "Restock, reprice or withdraw an item (补货/调价)",
        *COMMAND),
    f"GET {V1}/volunteers/{{volunteer_id}}/redemptions": op(
        "listVolunteerRedemptions", "volunteer", "A volunteer's redemptions (兑换记录)", *READ),
    # -- the kiosk API ----------------------------------------------------------------------
    f"GET {V1}/kiosk/catalog": op(
        "getKioskCatalog", "kiosk", "The kiosk's catalog (爱心超市商品目录)"),
    f"GET {V1}/kiosk/passbooks/{{passbook_no}}": op(
        "lookUpPassbook", "kiosk", "Look up a passbook by number or card (查询爱心存折)",
        "not_found", "invalid_card", "volunteer_inactive"),
    f"POST {V1}/kiosk/redemptions": op(
        "redeemAtKiosk", "kiosk", "Redeem points for items (积分兑换)",
        "forbidden", "not_found", "conflict", "invalid_card", "wrong_pin", "passbook_locked",
        "insufficient_points", "out_of_stock", "item_unavailable", "volunteer_inactive",
        idempotency_required=True),
    f"POST {V1}/kiosk/redemptions/batch": op(
        "redeemOfflineBatch", "kiosk",
        "Offline queue: apply a reconnected kiosk's redemptions (离线兑换补传)", "conflict"),
    f"POST {V1}/kiosk/redemptions/{{redemption_id}}/cancel": op(
        "cancelRedemption", "kiosk", "Cancel a redemption: points and stock return (撤销兑换)",
        "forbidden", "not_found", "conflict", "already_cancelled", "cancel_not_allowed"),
    # -- the time bank (时间银行) and 通存通兑 ------------------------------------------------
    f"PUT {V1}/offices/{{bank_id}}/time-bank-rules": op(
        "setTimeBankRules", "staff",
        "Set a bank's time-bank rules: services, payers, care age, caps (时间银行规则)",
        *COMMAND, "office_not_bank", "invalid_time_rules", "office_closed"),
    f"GET {V1}/offices/{{bank_id}}/time-bank-rules": op(
        "getTimeBankRules", "staff", "Read a bank's time-bank rules (时间银行规则)", *READ),
    f"GET {V1}/volunteers/{{volunteer_id}}/time-account": op(
        "getTimeAccount", "volunteer", "A passbook's time account in hours (时间账户)", *READ),
    f"GET {V1}/offices/{{bank_id}}/hours-pool": op(
        "getHoursPool", "staff", "A bank's public pool of hours (公益时间池)", *READ),
    f"POST {V1}/interbank-transfers": op(
        "requestInterbankTransfer", "volunteer",
        "Send hours to a passbook of another bank: 202 pending, then posted or voided (通存通兑)",
        *COMMAND, "insufficient_hours", "invalid_hours", "same_bank", "office_closed",
        "volunteer_inactive", idempotency_required=True),
    f"GET {V1}/interbank-transfers/{{transfer_id}}": op(
        "getInterbankTransfer", "volunteer",
        "An inter-bank transfer: pending, posted or voided (跨行转移)", *READ),
    f"GET {V1}/offices/{{bank_id}}/interbank-books": op(
        "getInterbankBooks", "staff",
        "A bank's books with every other bank: hours sent, received, owed (行间往来)",
        *READ, "invalid_time_range"),
    f"GET {V1}/interbank/clearing": op(
        "getInterbankClearing", "staff",
        "The city's clearing of hours between banks for a period (清算报表)",
        "forbidden", "invalid_time_range"),
    f"POST {V1}/offices/{{bank_id}}/hours-pool/fundings": op(
        "fundHoursPool", "staff", "Put hours into a bank's public pool (注入公益时间池)",
        *COMMAND, "office_not_bank", "office_closed", "invalid_hours"),
    f"POST {V1}/time-gifts": op(
        "giveHours", "volunteer", "Give hours to a family member's passbook (赠与亲属)",
        *COMMAND, "insufficient_hours", "invalid_hours", "gift_limit_reached", "same_passbook",
        "office_mismatch", "volunteer_inactive", "group_hours_donate_only",
        idempotency_required=True),
    f"POST {V1}/time-donations": op(
        "donateHours", "volunteer", "Donate hours to the bank's public pool (捐赠公益池)",
        *COMMAND, "insufficient_hours", "invalid_hours", "gift_limit_reached",
        "volunteer_inactive", idempotency_required=True),
    # -- service requests (需求发布 → 接单 → 确认评价) -----------------------------------------
    f"POST {V1}/service-requests": op(
        "postServiceRequest", "volunteer",
        "Post a need: the elder, family, or staff for them (需求发布/代办)",
        *CREATE, "conflict", "volunteer_inactive", "office_closed", "office_mismatch",
        "not_time_bank_service", "care_age_not_reached", "not_priority_elder",
        "insufficient_hours", "invalid_time_range", "care_not_offered", "same_bank",
        idempotency_required=True),
    f"GET {V1}/service-requests": op(
        "listServiceRequests", "volunteer",
        "Service requests: one's own, open ones in one's area, or an office's (需求列表)",
        *READ),
    f"GET {V1}/service-requests/{{request_id}}": op(
        "getServiceRequest", "volunteer", "A service request and its status (需求详情)",
        *READ),
    f"POST {V1}/service-requests/{{request_id}}/take": op(
        "takeServiceRequest", "volunteer", "Take an open request of one's area (接单)",
        *COMMAND, "request_taken", "request_not_in_state", "outside_take_area",
        "volunteer_inactive"),
    f"POST {V1}/service-requests/{{request_id}}/dispatch": op(
        "dispatchServiceRequest", "staff", "Give a request to a volunteer (派单)",
        *COMMAND, "request_taken", "request_not_in_state", "office_mismatch",
        "volunteer_inactive"),
    f"POST {V1}/service-requests/{{request_id}}/give-back": op(
        "giveBackServiceRequest", "volunteer",
        "Give a taken request back: open again (退回待接)", *COMMAND, "request_not_in_state"),
    f"POST {V1}/service-requests/{{request_id}}/done": op(
        "markServiceRequestDone", "volunteer", "Mark the service done, with its hours (服务完成)",
        *COMMAND, "request_not_in_state", "invalid_hours"),
    f"POST {V1}/service-requests/{{request_id}}/confirm": op(
        "confirmServiceRequest", "volunteer",
        "Confirm and rate the service: the hours move (确认评价)",
        *COMMAND, "request_not_in_state", "insufficient_hours", idempotency_required=True),
    f"POST {V1}/service-requests/{{request_id}}/dispute": op(
        "disputeServiceRequest", "volunteer", "Dispute the service marked done (提出异议)",
        *COMMAND, "request_not_in_state"),
    f"POST {V1}/service-requests/{{request_id}}/resolve": op(
        "resolveServiceRequest", "staff",
        "Decide a dispute: the hours found served move (异议处理)",
        *COMMAND, "request_not_in_state", "insufficient_hours", "invalid_hours",
        idempotency_required=True),
    f"POST {V1}/service-requests/{{request_id}}/cancel": op(
        "cancelServiceRequest", "volunteer", "Cancel a request before the service (取消需求)",
        *COMMAND, "request_not_in_state"),
    f"POST {V1}/service-requests/{{request_id}}/no-show": op(
        "reportServiceRequestNoShow", "volunteer",
        "Report that the volunteer did not come (志愿者未到)", *COMMAND, "request_not_in_state"),
    f"PUT {V1}/volunteers/{{volunteer_id}}/elder-status": op(
        "recordElderStatus", "staff",
        "Record an elder's circumstances with evidence, for the pool's rule (老人情况登记)",
        *COMMAND),
    f"POST {V1}/hours-pool-grants": op(
        "grantPoolHours", "staff",
        "Grant hours from the pool to a priority elder (公益时间池发放)",
        *COMMAND, "invalid_hours", "insufficient_hours", "care_age_not_reached",
        "not_priority_elder", "volunteer_inactive", idempotency_required=True),
    f"GET {V1}/volunteers/{{volunteer_id}}/requests-served": op(
        "getRequestsServed", "volunteer",
        "Requests a volunteer served: confirmed, hours, rating, no-shows (服务评价汇总)", *READ),
    # -- group accounts (团体时间账户) -----------------------------------------------------------
    f"POST {V1}/offices/{{office_id}}/group-accounts": op(
        "openGroupAccount", "staff", "Open a group's time account (团体时间账户)",
        *CREATE, "conflict", "office_closed"),
    f"GET {V1}/group-accounts/{{account_id}}": op(
        "getGroupAccount", "staff", "A group's time account and its history (团体账户明细)",
        *READ),
    f"POST {V1}/group-accounts/{{account_id}}/services": op(
        "recordGroupService", "staff",
        "Record hours a group served at a time-bank activity (团体服务时间)",
        *COMMAND, "invalid_hours", "office_mismatch", "not_time_bank_service",
        idempotency_required=True),
    f"POST {V1}/group-accounts/{{account_id}}/donations": op(
        "donateGroupHours", "staff", "Donate a group's hours to the pool (团体捐赠)",
        *COMMAND, "invalid_hours", "insufficient_hours", idempotency_required=True),
}
