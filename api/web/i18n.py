"""The pages' words: one table of `key: (zh, en)`, as the error catalogue keeps its messages.

Simplified Chinese is the default. An area may keep its own words in
`api/web/i18n_<area>.py` as a dict `WORDS = {key: (zh, en)}` and register it in `TABLES`
below (one import and one entry). Every table is merged once, at import: a key defined twice
is refused there, and tests/unit/test_i18n.py checks that no key lacks a language.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import Request

from api.web import (
    i18n_account_pages,
    i18n_accounts,
    i18n_admin,
    i18n_approvals,
    i18n_entity,
    i18n_front,
    i18n_passbook,
    i18n_records,
    i18n_reports,
    i18n_requests,
)
from timebank.domain import vocabulary

LANGUAGES = ("zh", "en")

WORDS: dict[str, tuple[str, str]] = {
    "app_name": ("公益时间银行", "Time Bank"),
    "switch_language": ("English", "中文"),
    "scan_title": ("扫码签到", "Scan to check in"),
    "login_intro": (
        "请用手机号和 6 位密码登录后继续。",
        "Log in with your phone number and 6-digit PIN to continue.",
    ),
    "phone": ("手机号", "Phone number"),
    "pin": ("密码（6 位数字）", "PIN (6 digits)"),
    "log_in": ("登录", "Log in"),
    "check_in": ("签到", "Check in"),
    "check_out": ("签退", "Check out"),
    "confirm_check_in": ("确认签到", "Confirm check-in"),
    "confirm_check_out": ("确认签退", "Confirm check-out"),
    "activity": ("活动", "Activity"),
    "place": ("地点", "Place"),
    "time": ("时间", "Time"),
    "about_to_check_in": ("您将要签到", "You are about to check in"),
    "about_to_check_out": ("您将要签退", "You are about to check out"),
    # Between a label and its value: the full-width colon in Chinese, ": " in English.
    "colon": ("：", ": "),
    "paren_open": ("（", " ("),
    "paren_close": ("）", ")"),
    "list_separator": ("；", "; "),
    "done_check_in": ("签到成功", "Checked in"),
    "done_check_out": ("签退成功", "Checked out"),
    "status": ("状态", "Status"),
    "hours": ("服务时长（小时）", "Hours"),
    "points": ("获得积分", "Points earned"),
    "flag_outside_area": (
        "位置不在活动范围内，需协调员审核",
        "Position outside the activity area: a coordinator will review",
    ),
    "flag_auto_closed": ("系统自动签退", "Checked out automatically"),
    "flag_no_position": (
        "未提供位置，需协调员审核",
        "No position given: a coordinator will review",
    ),
    "problem": ("无法完成", "Could not complete"),
    "try_again": (
        "请重新扫描活动现场的二维码。",
        "Please scan the code shown at the activity again.",
    ),
    "logged_in_as": ("已登录", "Logged in"),
    "log_out": ("退出登录", "Log out"),
    "location_hint": (
        "如允许定位，将一并提交您的位置用于核验。",
        "If you allow location, your position is sent for verification.",
    ),
    "my_passbook": ("我的爱心存折", "My passbook"),
    "passbook_no": ("存折号", "Passbook no."),
    "balance": ("积分余额", "Points"),
    "total_hours": ("累计服务时长（小时）", "Hours served"),
    "history": ("明细", "History"),
    "card_hint": ("在爱心超市出示此二维码", "Show this code at the charity shop"),
    "staff_login": ("工作人员登录", "Staff login"),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "live_code": ("现场签到/签退码", "Live check-in/out codes"),
    "live_hint": (
        "二维码每 30 秒自动更换，请现场扫码。",
        "The code changes every 30 seconds: scan it here.",
    ),
    "checked_in_now": ("已签到人数", "Checked in"),
    "pending_approvals": ("待审核服务记录", "Records awaiting approval"),
    "approve_selected": ("批准所选记录", "Approve selected"),
    "approved_count": ("已批准", "Approved"),
    "nothing_pending": ("没有待审核的记录。", "Nothing awaits approval."),
    "volunteer": ("志愿者", "Volunteer"),
    # staff navigation
    "staff_menu": ("工作人员菜单", "Staff menu"),
    "nav_activities": ("活动", "Activities"),
    "nav_entries": ("代录", "Enter hours"),
    "nav_volunteers": ("志愿者登记", "Register volunteer"),
    "nav_approvals": ("审核", "Approvals"),
    "nav_kiosk": ("兑换终端模拟", "Kiosk simulator"),
    "nav_funds": ("基金", "Funds"),
    "nav_district": ("辖区汇总", "District totals"),
    # coordinator console
    "console_title": ("协调员工作台", "Coordinator console"),
    "show": ("查看", "Show"),
    "office_totals": ("本所汇总", "Office totals"),
    "total_volunteers": ("志愿者人数", "Volunteers"),
    "points_earned": ("累计获得积分", "Points earned"),
    "points_spent": ("累计兑换积分", "Points spent"),
    "points_held": ("积分结余", "Points held"),
    "activities": ("活动", "Activities"),
    "activity_created": ("活动已创建。", "The activity was created."),
    "check_ins": ("签到人次", "Check-ins"),
    "activity_actions": ("操作", "Actions"),
    "printable_codes": ("打印二维码", "Printable codes"),
    "printable_hint": (
        "打印本页，张贴在活动现场；二维码在活动时段内有效。",
        "Print this page and put it up at the activity; the codes work during its time.",
    ),
    "no_activities": ("还没有活动。", "No activities yet."),
    "new_activity": ("新建活动", "New activity"),
    "create_activity": ("创建活动", "Create activity"),
    "beijing_time": ("时间均为北京时间。", "All times are Beijing time."),
    "geofence": ("签到范围（可选）", "Check-in area (optional)"),
    "geofence_hint": (
        "填写活动地点的纬度和经度，扫码位置超出半径时按下面的方式处理。",
        "The place's latitude and longitude; a scan outside the radius is handled as chosen below.",
    ),
    "field_office_id": ("储蓄所", "Savings office"),
    "field_title": ("活动名称", "Activity name"),
    "field_category": ("服务类别", "Category"),
    "field_location": ("地点", "Place"),
    "field_starts_at": ("开始时间", "Starts"),
    "field_ends_at": ("结束时间", "Ends"),
    "field_capacity": ("人数上限", "Capacity"),
    "optional": ("（可选）", " (optional)"),
    "field_approval_policy": ("审核方式", "Approval"),
    "field_latitude": ("纬度", "Latitude"),
    "field_longitude": ("经度", "Longitude"),
    "field_radius_m": ("半径（米）", "Radius (metres)"),
    "radius_hint": ("不填为 200 米。", "200 metres if left empty."),
    "field_geofence_mode": ("超出范围时", "Outside the area"),
    # manual entry (代录)
    "entry_title": ("代录服务时长", "Enter service hours"),
    "entry_done": ("已代录", "Entered"),
    "enter_hours": ("确认代录", "Enter hours"),
    "hours_unit": ("小时", "h"),
    "points_unit": ("积分", "points"),
    "services_unit": ("次服务", "services"),
    "field_volunteer": ("志愿者存折号或手机号", "Volunteer's passbook no. or phone"),
    "field_started_at": ("服务开始时间", "Service started"),
    "field_ended_at": ("服务结束时间", "Service ended"),
    "field_note": ("备注", "Note"),
    "field_key": ("表单", "Form"),
    # volunteer registration
    "register_title": ("志愿者登记", "Register a volunteer"),
    "register": ("登记", "Register"),
    "registered": ("登记成功", "Registered"),
    "field_name": ("姓名", "Name"),
    "field_phone": ("手机号", "Phone number"),
    "field_id_number": ("身份证号", "Resident ID number"),
    "field_pin": ("初始密码（6 位数字）", "First PIN (6 digits)"),
    # funds list
    "funds_title": ("基金", "Funds"),
    "no_funds": ("您的范围内没有基金。", "No funds in your part of the district."),
    # volunteer's services and certificate
    "my_services": ("我的服务记录", "My services"),
    "no_services": ("还没有服务记录。", "No services yet."),
    "my_status_checked_in": ("已签到，服务中", "Checked in, serving"),
    "my_status_pending": ("已签退，待审核", "Checked out, awaiting approval"),
    "my_status_approved": ("已审核，积分已入账", "Approved, points credited"),
    "my_status_rejected": ("未通过", "Rejected"),
    "certificate": ("志愿服务证明", "Service certificate"),
    "period_from": ("开始日期", "From"),
    "period_to": ("结束日期", "To"),
    "field_from": ("开始日期", "From"),
    "field_to": ("结束日期", "To"),
    "issue_certificate": ("开具证明", "Issue certificate"),
    "certificate_issued": ("证明已开具", "Certificate issued"),
    "download_pdf": ("下载证明（PDF）", "Download the certificate (PDF)"),
    "no_services_in_period": (
        "该期间没有已审核的服务记录，无法开具证明。",
        "No approved service in this period: no certificate to issue.",
    ),
    # -- the fund dashboard and its "record a donation" form
    "fund_as_of": ("截至日期", "As of"),
    "fund_view": ("查看", "View"),
    "fund_balance": ("余额", "Balance"),
    "fund_unrestricted": ("非限定性", "Unrestricted"),
    "fund_restricted": ("限定：", "Restricted: "),
    "fund_donations_total": ("累计捐赠", "Donations to date"),
    "fund_disbursed_total": ("累计拨付", "Grants paid to date"),
    "fund_trial_balance": ("试算平衡", "Trial balance"),
    "fund_balanced": ("平衡", "Balanced"),
    "fund_unbalanced": ("不平衡！", "Out of balance!"),
    "fund_debit": ("借", "Dr"),
    "fund_credit": ("贷", "Cr"),
    "fund_grants": ("资助项目", "Grants"),
    "grant_project": ("项目", "Project"),
    "grant_approved": ("批准", "Approved"),
    "grant_paid": ("已拨付", "Paid"),
    "grant_next": ("下一步", "Next step"),
    "grant_next_proposed": ("居民议事表决", "Residents' vote"),
    "grant_next_approved": ("分期拨付或结项", "Pay in tranches or close"),
    "fund_recent_donations": ("最近捐赠", "Recent donations"),
    "donor_anonymous": ("匿名", "Anonymous"),
    "gift_unrestricted": ("非定向", "Unrestricted"),
    "receipt_pdf": ("收据 PDF", "Receipt (PDF)"),
    "journal_csv": ("明细账 CSV", "Journal (CSV)"),
    "statement_xlsx": ("报表 Excel", "Statements (Excel)"),
    "chart_income": ("按来源的收入", "Income by source"),
    "chart_income_series": ("收入（元）", "Income (yuan)"),
    "chart_flows": ("{year} 年每月收支", "Money in and out by month, {year}"),
    "chart_inflow": ("流入（元）", "In (yuan)"),
    "chart_outflow": ("流出（元）", "Out (yuan)"),
    "record_donation": ("登记捐赠", "Record a donation"),
    "donation_donor": ("捐赠人名称", "Donor's name"),
    "donation_anonymous": ("匿名捐赠（不记录姓名）", "Anonymous (no name kept)"),
    "donation_donor_type": ("捐赠人类型", "Donor type"),
    "donation_amount": ("金额（元）", "Amount (yuan)"),
    "donation_purpose": (
        "限定用途（留空为非限定性）",
        "Restricted to a purpose (empty: unrestricted)",
    ),
    "donation_in_kind": ("实物捐赠的物品（留空为资金）", "Goods given in kind (empty: money)"),
    "donation_received_on": ("收到日期", "Date received"),
    "donation_submit": ("登记并开具收据", "Record and issue a receipt"),
    "donation_recorded": ("已登记捐赠，收据号", "Donation recorded, receipt no."),
    "donation_amount_invalid": (
        "金额请填写大于 0 的元数，最多两位小数，例如 12.34。",
        "Amount: yuan above 0, at most two decimals, e.g. 12.34.",
    ),
    "donation_type_invalid": ("请选择捐赠人类型。", "Choose the donor type."),
    "donation_date_invalid": (
        "收到日期须为 年-月-日，不能晚于今天，也不能早于基金设立。",
        "Date received: YYYY-MM-DD, not after today, not before the fund opened.",
    ),
    "donation_purpose_invalid": (
        "限定用途最多 100 个字。",
        "The purpose is at most 100 characters.",
    ),
    "col_receipt_no": ("收据号", "Receipt no."),
    "col_donor": ("捐赠人", "Donor"),
    "col_amount": ("金额", "Amount"),
    "col_purpose": ("用途", "Purpose"),
    "donation_voided": ("已作废", "void"),
    # -- the district's rollup view
    "district_from": ("从", "From"),
    "district_to": ("到", "To"),
    "col_office": ("机构", "Office"),
    "col_volunteers": ("志愿者", "Volunteers"),
    "col_hours": ("服务时长", "Hours"),
    "col_points_earned": ("获得积分", "Points earned"),
    "col_points_redeemed": ("兑换积分", "Points redeemed"),
    "col_points_balance": ("积分余额", "Points balance"),
    "chart_service": ("每月服务时长与积分", "Service hours and points by month"),
    "chart_hours_series": ("服务时长（小时）", "Hours"),
    "chart_points_series": ("获得积分", "Points earned"),
    "fund_indicators": ("{year} 年公益支出与管理费用指标", "Charity indicators, {year}"),
    "indicator_actual": ("实际", "Actual"),
    "indicator_limit": ("要求", "Required"),
    "indicator_forecast": ("含已批未付资助的预测", "Forecast with approved unpaid grants"),
    "indicator_charitable": (
        "公益支出 / 上年（或前三年平均）捐赠收入",
        "Charitable spending / donation income of the basis period",
    ),
    "indicator_management": ("管理费用 / 总支出", "Management costs / total spending"),
    "indicator_charitable_warning": (
        "警示：公益支出不足。本年至少应支出 {required}，目前为 {spent}。",
        (
            "Warning: charitable spending is short. At least {required} is due this year; {spent} "
            "so far."
        ),
    ),
    "indicator_charitable_forecast_warning": (
        "警示：即使付清已批准的资助，公益支出仍达不到要求。",
        "Warning: even with the approved grants paid, charitable spending falls short.",
    ),
    "indicator_management_warning": (
        "警示：管理费用超过总支出的 {limit}。",
        "Warning: management costs exceed {limit} of total spending.",
    ),
    "indicator_management_forecast_warning": (
        "警示：按预测，管理费用将超过总支出的 {limit}。",
        "Warning: by the forecast, management costs will exceed {limit} of total spending.",
    ),
    "indicator_basis": (
        "计算基数：{years} 年捐赠收入 {basis}；已批准未拨付的资助 {unpaid}。",
        "Basis: donation income of {years}, {basis}; approved grants still to pay {unpaid}.",
    ),
    "fund_tracing": ("捐赠去向追踪", "Where each donation went"),
    "tracing_spent": ("已用于资助与支出", "Spent on grants and costs"),
    "tracing_remaining": ("结余", "Remaining"),
    "tracing_unattributed": ("非捐赠资金", "non-donation money"),
    "live_arrivals": ("最近签到", "Latest arrivals"),
    "live_left": ("已签退", "checked out"),
    "kiosk_sim_title": ("兑换终端模拟", "Kiosk simulator"),
    "kiosk_sim_intro": (
        "用终端的 API 密钥，走一遍与真实终端相同的兑换流程。",
        "The same calls a kiosk makes, with its API key.",
    ),
    "kiosk_sim_item": ("物品", "Item"),
    "kiosk_sim_points": ("积分", "Points"),
    "kiosk_sim_stock": ("库存", "Stock"),
    "kiosk_sim_api_key": ("终端 API 密钥", "Kiosk API key"),
    "kiosk_sim_passbook": ("存折号或卡", "Passbook no. or card"),
    "kiosk_sim_quantity": ("数量", "Quantity"),
    "kiosk_sim_redeem": ("兑换", "Redeem"),
    "kiosk_sim_done": (
        "{name}：兑换成功，花费 {points} 积分，余额 {balance}（兑换号 {redemption}）",
        "{name}: redeemed, {points} points spent, balance {balance} (redemption {redemption})",
    ),
    "gift_done": (
        "已转赠 {points} 积分，余额 {balance}",
        "Gave {points} points; balance {balance}",
    ),
}

# The labels of codes live in the one vocabulary (timebank/domain/vocabulary.py); pages show
# them with `term(vocabulary, code)`. Under these older keys (`t["status_" + code]`) the same
# labels stay reachable, made from the vocabulary rather than written twice.
VOCABULARY_KEYS = {"status_": vocabulary.RECORD_STATUS, "kind_": vocabulary.PASSBOOK_ENTRY,
                   "state_": vocabulary.ACTIVITY_STATE, "policy_": vocabulary.APPROVAL_POLICY,
                   "geofence_": vocabulary.GEOFENCE_MODE, "donor_": vocabulary.DONOR_TYPE}
VOCABULARY_WORDS: dict[str, tuple[str, str]] = {
    prefix + term.code: (term.zh, term.en)
    for prefix, terms in VOCABULARY_KEYS.items() for term in terms
}

# Every table of words the pages use: this module's, then each area's (api/web/i18n_<area>.py).
TABLES: tuple[dict[str, tuple[str, str]], ...] = (
    WORDS,
    VOCABULARY_WORDS,
    i18n_front.WORDS,
    i18n_approvals.WORDS,
    i18n_reports.WORDS,
    i18n_passbook.WORDS,
    i18n_admin.WORDS,
    i18n_accounts.WORDS,
    i18n_account_pages.WORDS,
    i18n_records.WORDS,
    i18n_entity.WORDS,
    i18n_requests.WORDS,
)


def merged(tables: Iterable[dict[str, tuple[str, str]]]) -> dict[str, tuple[str, str]]:
    """All tables as one; a key defined in two of them is a mistake, refused at import."""
    words: dict[str, tuple[str, str]] = {}
    for table in tables:
        for key, pair in table.items():
            if key in words:
                raise ValueError(f"page text {key!r} is defined twice")
            words[key] = pair
    return words


ALL_WORDS = merged(TABLES)
# The lookup by language, built once: what templates see as `t`.
TEXT: dict[str, dict[str, str]] = {
    lang: {key: pair[index] for key, pair in ALL_WORDS.items()}
    for index, lang in enumerate(LANGUAGES)
}


def language_of(request: Request) -> str:
    asked = request.query_params.get("lang") or request.cookies.get("tb_lang")
    return asked if asked in LANGUAGES else "zh"


def texts(lang: str) -> dict[str, str]:
    return TEXT[lang]
