"""One vocabulary: every fixed set of values, declared once with its Chinese and English labels.

Schemas take their allowed values from here, the domain its tuples of codes, and pages,
exports and PDFs their labels — so a donor type is called the same everywhere, and a page
never shows a code where a label belongs.

Some sets are open: service categories were free strings before this vocabulary existed
(and the contract still takes any category), so a stored code that is not listed keeps
working and is shown with a fallback label that marks it as unlisted. A closed set's codes
are the only values its commands accept.

This module imports nothing of the domain, so every domain module may take its codes from it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

LANGUAGES = ("zh", "en")
UNLISTED = ("{code}（未列入分类）", "{code} (unlisted)")


@dataclass(frozen=True)
class Term:
    code: str
    zh: str
    en: str

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Vocabulary:
    """A named set of codes with their labels, in the order they are offered."""

    name: str
    terms: tuple[Term, ...]
    open: bool = False  # unlisted codes are kept and shown as such (service categories)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(term.code for term in self.terms)

    def __contains__(self, code: object) -> bool:
        return any(term.code == code for term in self.terms)

    def __iter__(self) -> Iterator[Term]:
        return iter(self.terms)

    def term(self, code: str) -> Term | None:
        return next((term for term in self.terms if term.code == code), None)

    def label(self, code: str | None, lang: str = "zh") -> str:
        """The label of `code`; an unlisted code is shown with a mark saying so."""
        if code is None or code == "":
            return "—"
        known = self.term(code)
        if known is not None:
            return known.label(lang)
        return UNLISTED[0 if lang == "zh" else 1].format(code=code)

    def choices(self, lang: str, also: tuple[str, ...] | list[str] = ()
                ) -> list[tuple[str, str]]:
        """(code, label) in the vocabulary's order, then `also`'s unlisted codes, marked."""
        listed = [(term.code, term.label(lang)) for term in self.terms]
        extra = sorted({code for code in also if code not in self})
        return listed + [(code, self.label(code, lang)) for code in extra]


def _vocabulary(name: str, *terms: tuple[str, str, str], open: bool = False) -> Vocabulary:
    return Vocabulary(name, tuple(Term(*term) for term in terms), open)


# -- offices, people, roles -------------------------------------------------------------------
OFFICE_KIND = _vocabulary(
    "office_kind",
    ("bank", "区级总行", "District bank"),
    ("branch", "街道分行", "Sub-district branch"),
    ("savings_office", "社区储蓄所", "Community savings office"),
)
ROLE = _vocabulary(
    "role",
    ("coordinator", "协调员", "Coordinator"),
    ("branch_admin", "分行管理员", "Branch administrator"),
    ("bank_admin", "总行管理员", "Bank administrator"),
    ("treasurer", "财务", "Treasurer"),
    ("auditor", "审计员", "Auditor"),
    ("admin", "系统管理员", "System administrator"),
)
ACTOR_KIND = _vocabulary(
    "actor_kind",
    ("user", "工作人员", "Staff"),
    ("volunteer", "志愿者", "Volunteer"),
    ("kiosk", "兑换终端", "Kiosk"),
    ("system", "系统", "System"),
)

# -- service ----------------------------------------------------------------------------------
# Open: activities took any category before this list; such codes stay and show as unlisted.
SERVICE_CATEGORY = _vocabulary(
    "service_category",
    ("elderly_care", "助老服务", "Elderly care"),
    ("meals", "助餐送餐", "Meals"),
    ("bathing", "助浴", "Bathing help"),
    ("cleaning", "清洁家政", "Cleaning"),
    ("medical_escort", "陪同就医", "Medical escort"),
    ("companionship", "陪伴聊天", "Companionship"),
    ("emergency", "应急帮扶", "Emergency help"),
    ("disability_support", "助残服务", "Disability support"),
    ("education", "助学辅导", "Tutoring"),
    ("culture", "文体活动", "Culture and sport"),
    ("talks", "宣讲讲座", "Talks"),
    ("environment", "环境保护", "Environment"),
    ("community_safety", "平安巡逻", "Neighbourhood safety"),
    ("community_service", "社区服务", "Community service"),
    open=True,
)
# Service requests (需求发布): a vocabulary of their own (issue 15), closed.
REQUEST_CATEGORY = _vocabulary(
    "request_category",
    ("meals", "助餐", "Meals"),
    ("bathing", "助浴", "Bathing"),
    ("cleaning", "助洁", "Cleaning"),
    ("medical_escort", "陪同就医", "Medical escort"),
    ("company", "陪伴", "Company"),
    ("emergency", "紧急援助", "Emergency"),
    ("other", "其他", "Other"),
)
REQUEST_STATUS = _vocabulary(
    "request_status",
    ("posted", "待接单", "Posted"),
    ("taken", "已接单", "Taken"),
    ("done", "已完成待确认", "Done, awaiting confirmation"),
    ("confirmed", "已确认", "Confirmed"),
    ("disputed", "有异议", "Disputed"),
    ("dismissed", "异议成立，不计时", "Dispute upheld, no hours"),
    ("cancelled", "已取消", "Cancelled"),
    ("no_show", "志愿者未到", "Volunteer did not come"),
)
REQUEST_POSTER = _vocabulary(
    "request_poster",
    ("self", "本人发布", "Posted by the beneficiary"),
    ("family", "家属代发", "Posted by family"),
    ("staff", "工作人员代办", "Posted by staff"),
)
PAYER = _vocabulary(
    "payer",
    ("minted", "公益服务（银行记入）", "Public-welfare service (the bank mints the hours)"),
    ("beneficiary", "受助人时间支付", "Paid from stored hours"),
    ("pool", "公益时间池支付", "Paid from the public pool"),
)
RECORD_STATUS = _vocabulary(
    "record_status",
    ("checked_in", "已签到", "Checked in"),
    ("pending", "待审核", "Awaiting approval"),
    ("approved", "已审核", "Approved"),
    ("rejected", "未通过", "Rejected"),
)
RECORD_SOURCE = _vocabulary(
    "record_source",
    ("scan", "扫码", "Scanned"),
    ("manual", "代录", "Entered by staff"),
)
RECORD_FLAG = _vocabulary(
    "record_flag",
    ("outside_area", "位置不在活动范围内", "Outside the activity area"),
    ("auto_closed", "系统自动签退", "Checked out automatically"),
    ("no_position", "未提供位置", "No position given"),
)
SCAN_ACTION = _vocabulary(
    "scan_action",
    ("check_in", "签到", "Check in"),
    ("check_out", "签退", "Check out"),
)
APPROVAL_POLICY = _vocabulary(
    "approval_policy",
    ("manual", "协调员逐条审核", "A coordinator approves each record"),
    ("auto_on_checkout", "签退后自动审核", "Approved automatically at check-out"),
)
GEOFENCE_MODE = _vocabulary(
    "geofence_mode",
    ("refuse", "拒绝签到", "Refuse the check-in"),
    ("flag", "标记，由协调员审核", "Flag it for review"),
)
MINORS_POLICY = _vocabulary(
    "minors_policy",
    ("closed", "不接收未成年人", "No minors"),
    ("open", "接收未成年人（须有监护人同意）", "Minors with a guardian's consent"),
    ("group_only", "未成年人仅随团体参加（由协调员代录）",
     "Minors only in a group, entered by staff"),
)
ACTIVITY_STATE = _vocabulary(
    "activity_state",
    ("upcoming", "未开始", "Upcoming"),
    ("running", "进行中", "Running"),
    ("ended", "已结束", "Ended"),
    ("cancelled", "已取消", "Cancelled"),
)
PASSBOOK_ENTRY = _vocabulary(
    "passbook_entry",
    ("service", "服务积分", "Service"),
    ("correction", "更正", "Correction"),
    ("transfer_in", "受赠", "Gift received"),
    ("transfer_out", "转赠", "Gift given"),
    ("redemption", "兑换", "Redeemed"),
    ("redemption_cancelled", "兑换撤销", "Redemption cancelled"),
)

# -- funds ------------------------------------------------------------------------------------
FUND_KIND = _vocabulary(
    "fund_kind",
    ("foundation", "基金会", "Foundation"),
    ("special", "专项基金", "Special fund"),
    ("building", "楼组自治金", "Building fund"),
)
DONOR_TYPE = _vocabulary(
    "donor_type",
    ("government", "政府", "Government"),
    ("enterprise", "企业", "Enterprise"),
    ("individual", "个人", "Individual"),
    ("resident", "居民", "Residents"),
    ("bazaar", "公益集市", "Charity bazaar"),
)
EXPENSE_KIND = _vocabulary(
    "expense_kind",
    ("charitable", "业务活动成本", "Programme costs"),
    ("management", "管理费用", "Management costs"),
    ("fundraising", "筹资费用", "Fundraising costs"),
)
GRANT_STATUS = _vocabulary(
    "grant_status",
    ("proposed", "待表决", "Awaiting the vote"),
    ("approved", "已批准", "Approved"),
    ("rejected", "未通过", "Voted down"),
    ("closed", "已结项", "Closed"),
    ("cancelled", "已取消", "Cancelled"),
)
DONATION_STATUS = _vocabulary(
    "donation_status",
    ("received", "已收到", "Received"),
    ("voided", "已作废", "Void"),
)

# -- the audit trail: events by their stored names (`<Aggregate>.<Event>`) ------------------
AGGREGATE = _vocabulary(
    "aggregate",
    ("Office", "机构", "Office"),
    ("User", "工作人员账户", "Staff account"),
    ("UsernameClaim", "用户名登记", "Username claim"),
    ("Volunteer", "志愿者", "Volunteer"),
    ("PhoneClaim", "手机号登记", "Phone claim"),
    ("Passbook", "爱心存折", "Passbook"),
    ("Activity", "活动", "Activity"),
    ("ServiceRecord", "服务记录", "Service record"),
    ("Presence", "在场记录", "Presence"),
    ("CatalogItem", "兑换物品", "Catalog item"),
    ("Kiosk", "兑换终端", "Kiosk"),
    ("Redemption", "兑换", "Redemption"),
    ("Fund", "基金", "Fund"),
    ("Grant", "资助项目", "Grant"),
    ("Certificate", "志愿服务证明", "Certificate"),
    ("Checkpoint", "校验点", "Checkpoint"),
    ("IdempotencyRecord", "幂等记录", "Idempotency record"),
    ("Donation", "捐赠", "Donation"),
    ("EReceipt", "电子票据", "E-receipt"),
    ("Organisation", "法人机构", "Organisation"),
    ("ReleaseRequest", "解除限定申请", "Release request"),
    ("Complaint", "投诉", "Complaint"),
    ("CorrectionRequest", "更正申请", "Correction request"),
    ("Seal", "公章", "Seal"),
    ("RecordExport", "记录导出", "Records export"),
    ("InterbankTransfer", "跨行转存", "Interbank transfer"),
    ("InterbankCredit", "跨行入账", "Interbank credit"),
    ("TimeAccount", "时间账户", "Time account"),
    ("HoursPool", "时间池", "Hours pool"),
    ("ServiceRequest", "服务需求", "Service request"),
    open=True,
)
EVENT = _vocabulary(
    "event",
    ("Created", "创建", "created"),
    ("Opened", "设立", "opened"),
    ("Renamed", "更名", "renamed"),
    ("Closed", "撤销/结项", "closed"),
    ("PointRulesChanged", "积分规则变更", "point rules changed"),
    ("PointRulesChangeCancelled", "撤回积分规则变更", "point rules change withdrawn"),
    ("RoleChanged", "角色变更", "role changed"),
    ("Deactivated", "停用", "disabled"),
    ("Reactivated", "启用", "enabled"),
    ("PasswordChanged", "密码变更", "password changed"),
    ("PasswordRejected", "密码错误", "wrong password"),
    ("PasswordAccepted", "登录成功", "logged in"),
    ("Claimed", "登记", "claimed"),
    ("Reclaimed", "重新登记", "reclaimed"),
    ("Registered", "登记", "registered"),
    ("Moved", "转移", "moved"),
    ("Erased", "个人信息删除", "personal data erased"),
    ("PinChanged", "密码变更", "PIN changed"),
    ("PinRejected", "密码错误", "wrong PIN"),
    ("PinAccepted", "密码正确", "PIN accepted"),
    ("PointsCredited", "积分入账", "points credited"),
    ("PointsDebited", "积分扣减", "points debited"),
    ("Planned", "创建", "planned"),
    ("Edited", "修改", "edited"),
    ("ActivityChanged", "修改", "changed"),
    ("Cancelled", "取消", "cancelled"),
    ("Admitted", "入场", "admitted"),
    ("Started", "签到", "checked in"),
    ("CheckedOut", "签退", "checked out"),
    ("AutoClosed", "自动签退", "checked out automatically"),
    ("Recorded", "记录", "recorded"),
    ("Entered", "代录", "entered by staff"),
    ("Made", "完成", "made"),
    ("Approved", "审核通过", "approved"),
    ("Rejected", "未通过", "rejected"),
    ("Corrected", "更正", "corrected"),
    ("Listed", "上架", "listed"),
    ("Repriced", "调价", "repriced"),
    ("Restocked", "补货", "restocked"),
    ("StockTaken", "出库", "stock taken"),
    ("StockReturned", "退回库存", "stock returned"),
    ("KeyRevoked", "密钥吊销", "key revoked"),
    ("KeyRotated", "密钥轮换", "key rotated"),
    ("DonationReceived", "收到捐赠", "donation received"),
    ("DonationVoided", "捐赠作废", "donation voided"),
    ("DonorErased", "捐赠人信息删除", "donor erased"),
    ("ReceiptNumberIssued", "票据编号", "receipt number issued"),
    ("ExpensePaid", "支出", "expense paid"),
    ("RestrictionReleased", "解除限定", "restriction released"),
    ("PurposeChanged", "变更用途", "purpose changed"),
    ("PeriodClosed", "结账", "period closed"),
    ("PeriodReopened", "反结账", "period reopened"),
    ("VoteRuleSet", "表决规则", "vote rule set"),
    ("IndicatorLimitsSet", "指标设定", "indicator limits set"),
    ("Proposed", "提出", "proposed"),
    ("Voted", "表决", "voted"),
    ("Disbursed", "拨付", "paid"),
    ("GrantPaid", "拨付", "paid"),
    ("Released", "解除", "released"),
    ("Issued", "出具", "issued"),
    ("Voided", "作废", "voided"),
    ("Repurposed", "变更用途", "repurposed"),
    ("Declined", "拒绝", "declined"),
    ("ProfileChanged", "资料变更", "profile changed"),
    ("Requested", "申请", "requested"),
    ("Accepted", "受理", "accepted"),
    ("Refused", "驳回", "refused"),
    ("Received", "收到", "received"),
    ("Resolved", "办结", "resolved"),
    ("Revoked", "撤销", "revoked"),
    ("Uploaded", "上传", "uploaded"),
    ("Evaluated", "评价", "evaluated"),
    ("AwardRecorded", "表彰记录", "award recorded"),
    ("TrainingRecorded", "培训记录", "training recorded"),
    ("BeneficiaryConfirmed", "服务对象确认", "confirmed by the beneficiary"),
    ("BeneficiaryNamed", "服务对象登记", "beneficiary named"),
    ("BirthDateRecorded", "出生日期登记", "birth date recorded"),
    ("GuardianConsentRecorded", "监护人同意", "guardian consent recorded"),
    ("InvestigationStarted", "开始调查", "investigation started"),
    ("IssuerProfileSet", "出具单位信息", "issuer profile set"),
    ("LocationConsentGiven", "同意使用位置", "location consent given"),
    ("LocationConsentWithdrawn", "撤回位置同意", "location consent withdrawn"),
    ("NationalNumberRecorded", "全国志愿者编号", "national number recorded"),
    ("RecordRulesChanged", "记录规则变更", "record rules changed"),
    ("Decided", "决定", "decided"),
    ("HoursCredited", "时长入账", "hours credited"),
    ("HoursDebited", "时长扣减", "hours debited"),
    ("HoursReserved", "时长预留", "hours reserved"),
    ("HoursStored", "时长存入", "hours stored"),
    ("PoolCredited", "时间池入账", "pool credited"),
    ("PoolDebited", "时间池扣减", "pool debited"),
    ("Posted", "过账", "posted"),
    ("CareSettled", "照护结算", "care settled"),
    ("ReservationPosted", "预留过账", "reservation posted"),
    ("ReservationReleased", "预留释放", "reservation released"),
    ("TimeBankRulesChanged", "时间银行规则变更", "time bank rules changed"),
    ("PinRehashed", "密码更新存储", "PIN rehashed"),
    ("Hosted", "挂靠", "hosted"),
    ("SessionsRevoked", "登录会话注销", "sessions revoked"),
    ("SessionOpened", "登录", "session opened"),
    ("SessionClosed", "退出登录", "session closed"),
    ("PasswordReset", "密码重置", "password reset"),
    ("PinReset", "密码重置", "PIN reset"),
    ("Disabled", "停用", "disabled"),
    ("Enabled", "启用", "enabled"),
    ("GrantCommitted", "资助承诺", "grant committed"),
    ("CommitmentReleased", "承诺解除", "commitment released"),
    ("CustodialReceived", "受托代理收款", "custodial money received"),
    ("CustodialPaid", "受托代理付款", "custodial money paid"),
    ("InKindDistributed", "实物发放", "goods distributed"),
    ("YearClosed", "年度结转", "year closed"),
    ("Published", "发布", "published"),
    ("Taken", "接单", "taken"),
    ("GivenBack", "退回待接", "given back"),
    ("Done", "服务完成", "done"),
    ("Confirmed", "确认评价", "confirmed and rated"),
    ("Disputed", "提出异议", "disputed"),
    ("NoShow", "志愿者未到", "volunteer did not come"),
    ("ElderStatusRecorded", "老人情况登记", "elder's circumstances recorded"),
    open=True,
)

# What staff looked at before resetting a volunteer's PIN at the office (the event says).
RESIDENT_ID = "resident_id"  # the ID number a volunteer registers with is this document's
IDENTITY_DOCUMENT = _vocabulary(
    "identity_document",
    (RESIDENT_ID, "居民身份证", "resident ID card"),
    ("household_register", "户口簿", "household register"),
    ("passport", "护照", "passport"),
    ("hk_macao_permit", "港澳居民来往内地通行证", "Mainland travel permit (Hong Kong/Macao)"),
    ("taiwan_permit", "台湾居民来往大陆通行证", "Mainland travel permit (Taiwan)"),
    ("permanent_residence", "外国人永久居留身份证", "foreign permanent resident ID"),
    ("guardian_id", "监护人身份证件", "the guardian's ID document"),
)


def event_label(stored_type: str, lang: str = "zh") -> str:
    """`ServiceRecord.Approved` -> 服务记录 · 审核通过; parts not listed are marked."""
    aggregate, _, name = stored_type.rpartition(".")
    if not aggregate:
        return EVENT.label(name, lang)
    return f"{AGGREGATE.label(aggregate, lang)} · {EVENT.label(name, lang)}"


ALL: tuple[Vocabulary, ...] = (
    OFFICE_KIND, ROLE, ACTOR_KIND, SERVICE_CATEGORY, REQUEST_CATEGORY, REQUEST_STATUS,
    REQUEST_POSTER, PAYER, RECORD_STATUS, RECORD_SOURCE, RECORD_FLAG,
    SCAN_ACTION, APPROVAL_POLICY, GEOFENCE_MODE, MINORS_POLICY, ACTIVITY_STATE, PASSBOOK_ENTRY,
    FUND_KIND, DONOR_TYPE, EXPENSE_KIND, GRANT_STATUS, DONATION_STATUS, AGGREGATE, EVENT,
    IDENTITY_DOCUMENT,
)
BY_NAME: dict[str, Vocabulary] = {vocabulary.name: vocabulary for vocabulary in ALL}


def label(vocabulary: str, code: str | None, lang: str = "zh") -> str:
    return BY_NAME[vocabulary].label(code, lang)
