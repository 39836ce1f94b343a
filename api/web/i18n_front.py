"""Words of the front door, the start pages, the navigation and the error pages."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    # -- logins: what a refusal adds (api/web/people_pages.py, login_refusal)
    "login_tries_left": ("本机还可再试 {n} 次，用完后须等待 15 分钟。",
                         " {n} more tries from here; after that, wait 15 minutes."),
    "rate_limited_until": ("操作过于频繁，请在北京时间 {time} 后再试。",
                           "Too many attempts: try again after {time} Beijing time."),
    # -- the front door (/)
    "home_title": ("公益时间银行", "Time Bank"),
    "home_intro": (
        "志愿者参加社区服务，服务时长按规则存入爱心存折，积分可在爱心超市兑换物品，"
        "也可转赠给他人；社区基金会的每一笔捐赠和资助都记账公开。",
        "Volunteers serve their community; the hours go into their passbook as points, "
        "which they spend at the charity shop or give to others. The community foundation "
        "keeps open books of every gift and grant.",
    ),
    "home_volunteers": ("志愿者", "Volunteers"),
    "home_volunteer_login": ("登录我的爱心存折", "Log in to my passbook"),
    "home_volunteer_hint": (
        "用登记时的手机号和 6 位密码登录；到活动现场扫码签到、签退。",
        "Log in with the phone number you registered and your 6-digit PIN; at an activity, "
        "scan its code to check in and out.",
    ),
    "home_staff": ("工作人员", "Staff"),
    "home_staff_login": ("工作人员登录", "Staff login"),
    "home_staff_hint": (
        "协调员、管理员、财务和审计人员用用户名和密码登录，登录后进入各自的工作台。",
        "Coordinators, administrators, treasurers and auditors log in with their username "
        "and password and start on their own page.",
    ),
    "home_public": ("公开信息", "Public information"),
    "home_funds": ("基金信息公开", "Funds' public accounts"),
    "home_no_funds": ("暂无公开的基金。", "No fund to show yet."),
    "home_verify": ("核验志愿服务证明", "Verify a service certificate"),
    "home_verify_hint": (
        "用手机扫描证明上的二维码，即可打开核验页面，查看证明是否真实、内容是否被改动。",
        "Scan the QR code printed on the certificate with a phone: the page it opens says "
        "whether the certificate is genuine and unchanged.",
    ),
    "home_api": ("接口文档（供兑换终端和系统对接）", "API documentation (kiosks and integrations)"),
    # -- navigation
    "nav_start": ("工作台", "Start"),
    "nav_home": ("首页", "Home"),
    "nav_passbook": ("我的爱心存折", "My passbook"),
    "nav_today": ("今日", "Today"),
    "nav_audit": ("审计", "Audit"),
    "nav_admin": ("机构与人员", "Offices & staff"),
    # -- start pages
    "today_title": ("今日工作", "Today"),
    "today_activities": ("今天的活动", "Today's activities"),
    "today_none": ("今天没有活动。", "No activity today."),
    "today_all_activities": ("全部活动与新建活动", "All activities, new activity"),
    "today_queue": ("待审核", "Awaiting approval"),
    "today_queue_count": ("{count} 条服务记录待审核", "{count} service records await approval"),
    "today_queue_open": ("去审核", "Review them"),
    "live_check_in": ("签到码", "Check-in code"),
    "live_check_out": ("签退码", "Check-out code"),
    "admin_title": ("机构与人员", "Offices and staff"),
    "admin_offices": ("机构", "Offices"),
    "office_closed_mark": ("（已撤销）", " (closed)"),
    "audit_title": ("审计", "Audit"),
    "audit_verify_title": ("账本校验", "Checking the ledger"),
    "audit_verify_hint": (
        "重新计算全部事件的哈希链，并与每日签名的校验点比对。",
        "Recomputes the hash chain over every event and compares it with the signed daily "
        "checkpoints.",
    ),
    "audit_verify_now": ("立即校验", "Check now"),
    "audit_verified": (
        "校验通过：{events} 条事件、{checkpoints} 个校验点一致。",
        "Checked: {events} events and {checkpoints} checkpoints agree.",
    ),
    "audit_broken": (
        "校验失败：从第 {position} 条事件起与记录不符。",
        "Check failed: the log differs from position {position} on.",
    ),
    "audit_recent": ("最近的事件", "Latest events"),
    "audit_none": ("还没有事件。", "No events yet."),
    "audit_col_position": ("序号", "No."),
    "audit_col_at": ("时间", "Time"),
    "audit_col_event": ("事件", "Event"),
    "audit_col_actor": ("操作人", "By"),
    "audit_col_reason": ("原因", "Reason"),
    "audit_older": ("更早的事件", "Older events"),
    "audit_trail_of": ("{banks}的事件", "Events of {banks}"),
    # -- error pages
    "error_title_400": ("无法完成", "Could not complete"),
    "error_title_401": ("请先登录", "Please log in"),
    "error_title_403": ("没有权限", "Not allowed"),
    "error_title_404": ("找不到页面", "Page not found"),
    "error_title_409": ("无法完成", "Could not complete"),
    "error_title_413": ("内容太大", "Too large"),
    "error_title_422": ("填写的内容有误", "Something entered is not right"),
    "error_title_423": ("已锁定", "Locked"),
    "error_title_429": ("操作太频繁", "Too many tries"),
    "error_title_500": ("服务器出错", "Something went wrong"),
    "error_title_503": ("请稍候", "Please wait a moment"),
    "error_todo_400": ("请检查后重试。", "Please check and try again."),
    "error_todo_401": ("请先登录，再打开这个页面。", "Log in first, then open this page again."),
    "error_todo_403": (
        "这个页面不在您的角色或所属机构的范围内。请回到您的工作台；如确需办理，"
        "请用有权限的账号登录，或联系上级管理员。",
        "This page is outside your role or your offices. Go back to your start page; if you "
        "do need it, log in with an account that may, or ask your administrator.",
    ),
    "error_todo_404": (
        "网址可能有误，或者内容已不存在。请从首页或您的工作台重新进入。",
        "The address may be wrong, or what it named no longer exists. Start again from the "
        "home page or your start page.",
    ),
    "error_todo_409": (
        "这件事可能已经办过，或状态已经变化。请刷新页面，看看现在的状态。",
        "It may have been done already, or things have changed. Reload the page to see where "
        "it stands now.",
    ),
    "error_todo_413": ("请缩短内容后重试。", "Please send less and try again."),
    "error_todo_422": ("请按提示改正后重新提交。", "Correct it as shown and send it again."),
    "error_todo_423": ("请等锁定结束后再试。", "Try again when the lock ends."),
    "error_todo_429": ("请等一分钟再试。", "Wait a minute and try again."),
    "error_todo_500": (
        "请稍后再试。如果一再出现，请把下面的请求编号告诉管理员。",
        "Please try again later. If it keeps happening, give the request number below to "
        "your administrator.",
    ),
    "error_todo_503": (
        "数据正在更新，请过一会儿刷新页面。",
        "The figures are being brought up to date; reload the page in a moment.",
    ),
    "error_request_id": ("请求编号", "Request number"),
    "error_generic": ("无法完成这个请求。", "This request could not be completed."),
    "error_page_missing": ("没有这个页面。", "There is no such page."),
    "error_form_invalid": ("表单内容不完整或格式不对。", "The form is incomplete or malformed."),
    "go_home": ("返回首页", "Home page"),
    "go_start": ("回到我的工作台", "My start page"),
}
