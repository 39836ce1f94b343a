"""Words of the audit-anchor page (and, later, the account pages): key: (zh, en)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "anchor_title": ("账本校验点公示", "Signed ledger checkpoints"),
    "anchor_intro": (
        "服务器每天对账本哈希链的链头签名。请审计人员保存下面的校验点（或下载文件），"
        "用 timebank audit verify --anchor 文件 核对：改写过的历史无法再通过这些链头。",
        "Every day the server signs the head of the ledger's hash chain. Auditors keep these "
        "checkpoints (or the file) and check with timebank audit verify --anchor FILE: a "
        "rewritten history no longer passes through these heads."),
    "anchor_download": ("下载校验点文件（JSON Lines）", "Download the checkpoints (JSON Lines)"),
    "anchor_day": ("日期", "Day"),
    "anchor_position": ("事件序号", "Position"),
    "anchor_hash": ("链哈希", "Chain hash"),
    "anchor_signature": ("签名", "Signature"),
    "anchor_key": ("公钥", "Public key"),
    "anchor_none": ("尚无校验点。", "No checkpoint yet."),
}
