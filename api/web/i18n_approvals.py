"""Words of the approvals page."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "approvals_all_activities": ("全部活动", "All activities"),
    "approvals_served_from": ("服务日期从", "Served from"),
    "approvals_served_to": ("服务日期到", "Served until"),
    "approvals_filter": ("筛选", "Filter"),
    "approvals_select": ("选择", "Select"),
    "approvals_service_date": ("服务时间", "Served"),
    "approvals_points": ("审核后得积分", "Points on approval"),
    "approvals_notes": ("来源与标记", "Source and flags"),
    "approvals_points_hint": (
        "积分按本行现行积分规则计算；勾选要处理的记录，再选择批准或驳回。",
        "Points under the bank's rules in force now. Tick the records to decide, then approve "
        "or reject them.",
    ),
    "approvals_reject_title": ("驳回所选记录", "Reject the selected records"),
    "approvals_reason": ("驳回原因（志愿者可以看到）", "Reason (the volunteer sees it)"),
    "reject_selected": ("驳回所选记录", "Reject selected"),
    "rejected_count": ("已驳回", "Rejected"),
    "approvals_refused": (
        "{count} 条记录未能处理（可能已被他人处理），请看列表中的最新状态。",
        "{count} records could not be decided (perhaps someone else already did); the list "
        "shows where they stand now.",
    ),
    "approvals_no_selection": ("请先勾选要处理的记录。", "Tick the records to decide first."),
    "approvals_no_reason": ("驳回需要填写原因。", "A rejection needs a reason."),
}
