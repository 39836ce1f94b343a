"""Words of the volunteer's passbook page: the history and 转赠 with its confirmation."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "history_date": ("日期", "Date"),
    "history_kind": ("类型", "Kind"),
    "history_counterpart": ("对方 / 活动", "With / for"),
    "history_points": ("积分", "Points"),
    "history_balance": ("余额", "Balance"),
    "history_person": ("{name}（存折尾号 {passbook}）", "{name} (passbook …{passbook})"),
    "give_next": ("下一步：核对对方", "Next: check who gets them"),
    "give_title": ("转赠积分", "Give points"),
    "give_to_passbook": ("对方存折号", "Their passbook no."),
    "give_points": ("积分", "Points"),
    "give_confirm_title": ("确认转赠", "Confirm the gift"),
    "give_to": ("转赠给", "To"),
    "give_note": ("留言", "Note"),
    "give_confirm_hint": (
        "请核对对方姓名和存折号；确认后积分立即转出，不能撤回。",
        "Check the name and passbook number: once confirmed, the points go at once and "
        "cannot be taken back.",
    ),
    "give_confirm": ("确认转赠", "Give the points"),
    "give_back": ("返回修改", "Go back and change"),
    "gift_done_to": (
        "已转赠 {points} 积分给 {name}（存折尾号 {passbook}），余额 {balance}",
        "Gave {points} points to {name} (passbook …{passbook}); balance {balance}",
    ),
}
