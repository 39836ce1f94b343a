"""The pages' words, one table per language. Simplified Chinese is the default."""

from __future__ import annotations

from fastapi import Request

LANGUAGES = ("zh", "en")

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "app_name": "公益时间银行",
        "switch_language": "English",
        "scan_title": "扫码签到",
        "login_intro": "请用手机号和 6 位密码登录后继续。",
        "phone": "手机号",
        "pin": "密码（6 位数字）",
        "log_in": "登录",
        "check_in": "签到",
        "check_out": "签退",
        "confirm_check_in": "确认签到",
        "confirm_check_out": "确认签退",
        "activity": "活动",
        "place": "地点",
        "time": "时间",
        "about_to": "您将要",
        "done_check_in": "签到成功",
        "done_check_out": "签退成功",
        "status": "状态",
        "hours": "服务时长（小时）",
        "points": "获得积分",
        "status_checked_in": "已签到",
        "status_pending": "待审核",
        "status_approved": "已审核",
        "status_rejected": "未通过",
        "flag_outside_area": "位置不在活动范围内，需协调员审核",
        "flag_auto_closed": "系统自动签退",
        "flag_no_position": "未提供位置，需协调员审核",
        "problem": "无法完成",
        "try_again": "请重新扫描活动现场的二维码。",
        "logged_in_as": "已登录",
        "log_out": "退出登录",
        "location_hint": "如允许定位，将一并提交您的位置用于核验。",
    },
    "en": {
        "app_name": "Time Bank",
        "switch_language": "中文",
        "scan_title": "Scan to check in",
        "login_intro": "Log in with your phone number and 6-digit PIN to continue.",
        "phone": "Phone number",
        "pin": "PIN (6 digits)",
        "log_in": "Log in",
        "check_in": "Check in",
        "check_out": "Check out",
        "confirm_check_in": "Confirm check-in",
        "confirm_check_out": "Confirm check-out",
        "activity": "Activity",
        "place": "Place",
        "time": "Time",
        "about_to": "You are about to",
        "done_check_in": "Checked in",
        "done_check_out": "Checked out",
        "status": "Status",
        "hours": "Hours",
        "points": "Points earned",
        "status_checked_in": "Checked in",
        "status_pending": "Awaiting approval",
        "status_approved": "Approved",
        "status_rejected": "Rejected",
        "flag_outside_area": "Position outside the activity area: a coordinator will review",
        "flag_auto_closed": "Checked out automatically",
        "flag_no_position": "No position given: a coordinator will review",
        "problem": "Could not complete",
        "try_again": "Please scan the code shown at the activity again.",
        "logged_in_as": "Logged in",
        "log_out": "Log out",
        "location_hint": "If you allow location, your position is sent for verification.",
    },
}


def language_of(request: Request) -> str:
    asked = request.query_params.get("lang") or request.cookies.get("tb_lang")
    return asked if asked in LANGUAGES else "zh"


def texts(lang: str) -> dict[str, str]:
    return TEXT[lang]
