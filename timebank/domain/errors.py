"""Domain errors with stable codes: the contract's error codes live here, once.

Each code has an English and a Chinese message; the HTTP status of each code is
decided at the edge (`api/errors.py`), not here.
"""

from __future__ import annotations

from typing import Any

# code -> (English message, 中文说明)
MESSAGES: dict[str, tuple[str, str]] = {
    "invalid_input": ("The request is not valid.", "请求内容无效。"),
    "invalid_parent": (
        "A bank has no parent, a branch's parent is a bank and a savings office's parent "
        "is a branch.",
        "总行没有上级；分行的上级必须是总行；储蓄所的上级必须是分行。",
    ),
    "not_found": ("Not found.", "未找到。"),
    "payload_too_large": (
        "The request body is too large.",
        "请求内容过大。",
    ),
    "erasure_incomplete": (
        "The personal data could not be erased now; nothing was recorded. Try again.",
        "个人信息暂时无法删除，未作任何记录，请重试。",
    ),
    "read_models_behind": (
        "The records are still being brought up to date; try again in a moment.",
        "数据正在更新，请稍后再试。",
    ),
    "unauthenticated": ("Missing or invalid credentials.", "未登录或凭证无效。"),
    "forbidden": (
        "This is outside your role or office.",
        "超出您的角色或所属机构的权限范围。",
    ),
    "invalid_credentials": ("Wrong username or password.", "用户名或密码错误。"),
    "wrong_pin": ("Wrong PIN.", "密码错误。"),
    "wrong_password": ("The current password is wrong.", "当前密码错误。"),
    "password_change_required": (
        "The password was reset: choose a new one before logging in.",
        "密码已被重置，请先设置新密码再登录。",
    ),
    "own_account": (
        "This cannot be done to your own account; ask another administrator.",
        "不能对自己的账户执行此操作，请由其他管理员办理。",
    ),
    "identity_mismatch": (
        "The document's number differs from the one on record.",
        "证件号码与登记信息不符。",
    ),
    "wrong_phone_or_pin": ("Wrong phone number or PIN.", "手机号或密码错误。"),
    "account_locked": ("Too many wrong passwords; the account is locked for a while.",
                       "密码错误次数过多，账户已暂时锁定。"),
    "passbook_locked": (
        "Too many wrong PINs; the passbook is locked for a while.",
        "密码错误次数过多，存折已暂时锁定。",
    ),
    "insufficient_points": ("Not enough points in the passbook.", "存折积分不足。"),
    "idempotency_key_required": (
        "This request needs an Idempotency-Key header.",
        "此请求需要提供 Idempotency-Key 请求头。",
    ),
    "idempotency_key_reused": (
        "This Idempotency-Key was already used with a different request.",
        "该幂等键已用于另一个不同的请求。",
    ),
    "office_closed": ("The office is closed.", "该机构已撤销。"),
    "office_not_bank": ("Point rules belong to a bank.", "积分规则只能由总行设置。"),
    "invalid_point_rules": ("The point rules are not valid.", "积分规则无效。"),
    "invalid_rules_effective_from": (
        "Point rules take effect now or at a time within the coming year, never in the past.",
        "积分规则只能即时生效或在一年内的某个时间生效，不能追溯既往。",
    ),
    "rules_already_in_force": (
        "This change of point rules is already in force; make a new change instead.",
        "该积分规则变更已经生效，不能撤回；如需调整，请另行变更。",
    ),
    "phone_taken": (
        "A volunteer with this phone number is already registered.",
        "该手机号已注册志愿者。",
    ),
    "username_taken": ("This username is taken.", "该用户名已被使用。"),
    "invalid_phone": ("Not a valid mainland mobile number.", "手机号码格式不正确。"),
    "invalid_id_number": (
        "Not a valid resident ID number (GB 11643).",
        "居民身份证号码无效（GB 11643 校验未通过）。",
    ),
    "invalid_pin": ("A PIN is 6 digits.", "密码应为 6 位数字。"),
    "weak_pin": ("This PIN is too easy to guess; please choose another.",
                 "密码过于简单，请换一个。"),
    "invalid_name": ("A name is 1 to 50 characters.", "姓名应为 1 至 50 个字符。"),
    "invalid_password": ("A password has at least 8 characters.", "密码至少 8 个字符。"),
    "invalid_role": ("This role cannot be given here.", "无法在此授予该角色。"),
    "invalid_time_range": ("The end must be after the start.", "结束时间必须晚于开始时间。"),
    "invalid_hours": ("Hours must be between 0 and 24.", "时长必须在 0 到 24 小时之间。"),
    "invalid_points": ("Points must be a positive whole number.", "积分必须为正整数。"),
    "same_passbook": ("Cannot give points to the same passbook.", "不能转赠给同一存折。"),
    "not_pending": ("The service record is not pending.", "该服务记录不是待审核状态。"),
    "not_approved": (
        "Only a pending or approved record can be corrected.",
        "只有待审核或已审核的服务记录才能更正。",
    ),
    "activity_cancelled": ("The activity was cancelled.", "该活动已取消。"),
    "office_mismatch": (
        "The volunteer and the activity belong to different banks.",
        "志愿者与活动不属于同一总行。",
    ),
    "volunteer_inactive": ("The volunteer is not active.", "该志愿者已停用。"),
    "out_of_stock": ("Not enough stock for this item.", "该物品库存不足。"),
    "item_unavailable": ("This item is not on offer.", "该物品暂不可兑换。"),
    "already_cancelled": ("This redemption is already cancelled.", "该兑换已撤销。"),
    "cancel_not_allowed": (
        "A kiosk can cancel only its own redemptions of the same day; staff can cancel later.",
        "兑换终端只能撤销本机当天的兑换，之后请由工作人员撤销。",
    ),
    "invalid_card": ("This passbook card is not genuine.", "存折卡无效或被伪造。"),
    "sku_taken": ("This sku is already in the catalog.", "该商品编号已存在。"),
    "invalid_token": ("This QR code is not valid here.", "二维码无效。"),
    "token_expired": ("This QR code has expired.", "二维码已过期，请扫描最新的二维码。"),
    "already_checked_in": ("You are already checked in to this activity.", "您已签到该活动。"),
    "not_checked_in": ("You are not checked in to this activity.", "您尚未签到该活动。"),
    "overlapping_activity": (
        "You are checked in to another activity at the same time.",
        "您已签到同一时段的另一项活动。",
    ),
    "activity_full": ("The activity is full.", "该活动名额已满。"),
    "activity_not_open": ("The activity is not open for scanning yet.", "活动尚未开始签到。"),
    "outside_area": ("You are too far from the activity's place.", "您不在活动地点附近。"),
    "rate_limited": ("Too many requests; please wait a moment.", "操作过于频繁，请稍后再试。"),
    "invalid_certificate": (
        "This certificate is not genuine or was altered.", "该证明无效或已被篡改。"
    ),
    "already_recorded": (
        "This volunteer's attendance at this activity is already recorded.",
        "该志愿者在此活动的服务记录已存在。",
    ),
    "outside_window": (
        "The service times lie outside the activity's time window.",
        "服务时间不在活动时段内。",
    ),
    "invalid_state": ("This was already done.", "该操作已完成，无需重复。"),
    # -- volunteers' records: ages, consents and who may attend (records issue) --
    "volunteer_too_young": (
        "Under 14, a person cannot register as a volunteer on their own.",
        "未满14周岁不能自行注册为志愿者。",
    ),
    "guardian_consent_required": (
        "A volunteer aged 14 to 18 needs a guardian's consent on record.",
        "14至18周岁的志愿者须有监护人同意的记录。",
    ),
    "minors_not_admitted": ("This activity is not open to minors.", "该活动不接受未成年人参加。"),
    "minors_group_only": (
        "Minors take part in this activity only with a group, entered by the coordinator.",
        "未成年人须随团体参加该活动，由组织者统一登记。",
    ),
    "training_required": (
        "This activity needs a training you have not attended.",
        "参加该活动须先完成相应培训。",
    ),
    "several_issuers": (
        "Several offices recorded this period's services: ask for one office's certificate.",
        "该期间的服务由多个单位记录，请分别为各记录单位出具证明。",
    ),
    "insurance_required": (
        "This activity opens for scanning once its insurance is recorded.",
        "该活动须先登记保险后才能开放签到。",
    ),
    "invalid_fund_host": (
        "A special fund is hosted by exactly one foundation; only foundations host funds.",
        "专项基金必须挂靠在一个基金会下；只有基金会可以挂靠其他基金。",
    ),
    "insufficient_funds": ("The fund does not hold enough money.", "基金余额不足。"),
    "restricted_purpose_mismatch": (
        "That money is restricted to another purpose.",
        "该资金为定向资金，不能用于此用途。",
    ),
    "exceeds_grant": ("This would pay more than the grant approved.", "拨付金额超过资助批准额。"),
    "grant_not_approved": ("The grant is not approved (or already closed).",
                           "该资助项目未获批准或已结项。"),
    "grant_not_proposed": ("The grant was already decided.", "该资助项目已表决。"),
    "period_closed": ("That date lies in a closed period of the books.",
                      "该日期所在会计期间已结账。"),
    "decision_required": (
        "Spending from a building fund needs the residents' decision, meeting its rule.",
        "楼组自治金支出须经居民议事表决通过。",
    ),
    "consent_required": ("Changing a restricted gift's purpose needs the donor's consent.",
                         "变更定向捐赠用途须有捐赠人同意的记录。"),
    "same_bank": ("Both passbooks are in one bank: give hours within a bank instead.",
                  "两个存折属于同一家银行，请使用行内赠与。"),
    "gift_limit_reached": ("This would give more hours this year than the bank allows.",
                           "超出本行规定的年度赠与（捐赠）时间上限。"),
    "insufficient_hours": ("Not enough stored hours.", "时间账户余额不足。"),
    "invalid_time_rules": ("The time-bank rules are not valid.", "时间银行规则无效。"),
    "group_hours_donate_only": ("A group's hours can only be donated.",
                                "团体账户的时间只能捐赠。"),
    "request_taken": ("Another volunteer has already taken this request.",
                      "该需求已被其他志愿者接单。"),
    "request_not_in_state": ("The request is not at the step this needs.",
                             "该需求当前状态不能进行此操作。"),
    "outside_take_area": ("This request is outside the area where you may take requests.",
                          "该需求不在您可接单的范围内。"),
    "not_time_bank_service": ("The bank does not count this category as a time-bank service.",
                              "本行未将该类别列为时间银行服务。"),
    "care_age_not_reached": ("Care paid in stored hours starts at the age the bank sets.",
                             "未达到本行规定的时间兑换年龄。"),
    "care_not_offered": ("In the beneficiary's bank, this care is not paid from stored hours.",
                         "受助人所在银行的该类服务不使用存储时间支付。"),
    "not_priority_elder": ("The public pool pays only for elders who meet the bank's rule.",
                           "受助人不符合本行公益时间池的资助条件。"),
    "second_approver_required": (
        "Releasing a restriction without the donor's consent needs a second person's approval.",
        "未经捐赠人同意解除限定，须由另一人审批。",
    ),
    "conflict": (
        "The request collided with others too many times; please retry.",
        "请求冲突，请稍后重试。",
    ),
    "internal_error": ("Something went wrong on our side.", "服务器内部错误。"),
}


class DomainError(Exception):
    """A refused command: nothing was changed."""

    def __init__(self, code: str, detail: str | None = None, **context: Any) -> None:
        if code not in MESSAGES:
            raise KeyError(f"unknown error code {code!r}")
        self.code = code
        self.detail = detail
        self.context = context
        super().__init__(f"{code}: {detail or MESSAGES[code][0]}")

    @property
    def message(self) -> str:
        """The English message; a refusal that names its precise problem in place of the
        code's (`en=`, beside its `zh=`) says only that."""
        if precise := self.context.get("en"):
            return str(precise)
        base = MESSAGES[self.code][0]
        return f"{base} {self.detail}" if self.detail else base

    @property
    def message_zh(self) -> str:
        """The Chinese message; a refusal that names its precise problem (`zh=`) says that."""
        return self.context.get("zh") or MESSAGES[self.code][1]
