"""Signed, expiring scan tokens for activity QR codes.

Compact so the QR stays easy to scan on a cheap phone:
`1.<activity hex>.<i|o>.<p|l>.<expiry, base 36 seconds>.<signature>`.
A printable code expires with the activity window plus grace; a live code for the
coordinator's screen lives one rotation period beyond the current one, so a photo
sent to a friend is useless within a minute.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from timebank.domain.errors import DomainError
from timebank.security.keys import derive_key

VERSION = "1"
ACTIONS = {"check_in": "i", "check_out": "o"}
ACTION_NAMES = {v: k for k, v in ACTIONS.items()}
PRINTABLE, LIVE = "printable", "live"
MODES = {PRINTABLE: "p", LIVE: "l"}
MODE_NAMES = {v: k for k, v in MODES.items()}


def _b36(value: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        value, rem = divmod(value, 36)
        out = digits[rem] + out
        if value == 0:
            return out


@dataclass(frozen=True)
class ScanClaims:
    activity_id: UUID
    action: str
    mode: str
    expires_at: datetime


class ScanTokens:
    def __init__(self, secret: str) -> None:
        self._key = derive_key(secret, "activity-scan-tokens")

    def _sign(self, body: str) -> str:
        digest = hmac.new(self._key, body.encode(), hashlib.sha256).digest()[:16]
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def issue(self, activity_id: UUID, action: str, mode: str, expires_at: datetime) -> str:
        if action not in ACTIONS:
            raise DomainError("invalid_input", "action: check_in or check_out.", field="action")
        if mode not in MODES:
            raise DomainError("invalid_input", "mode: printable or live.", field="mode")
        body = ".".join(
            (VERSION, activity_id.hex, ACTIONS[action], MODES[mode],
             _b36(int(expires_at.timestamp())))
        )
        return f"{body}.{self._sign(body)}"

    def verify(self, token: str, now: datetime) -> ScanClaims:
        parts = (token or "").strip().split(".")
        if len(parts) != 6 or parts[0] != VERSION:
            raise DomainError("invalid_token")
        body, signature = ".".join(parts[:5]), parts[5]
        if not hmac.compare_digest(self._sign(body), signature):
            raise DomainError("invalid_token")
        _, activity_hex, action, mode, expiry = parts[:5]
        try:
            activity_id = UUID(hex=activity_hex)
            expires_at = datetime.fromtimestamp(int(expiry, 36), tz=UTC)
        except (ValueError, OverflowError) as exc:
            raise DomainError("invalid_token") from exc
        if action not in ACTION_NAMES or mode not in MODE_NAMES:
            raise DomainError("invalid_token")
        if now >= expires_at:
            raise DomainError("token_expired")
        return ScanClaims(activity_id, ACTION_NAMES[action], MODE_NAMES[mode], expires_at)
