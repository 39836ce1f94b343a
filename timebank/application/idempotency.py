"""Idempotent commands: the key, the request's fingerprint and the first answer."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Idempotency:
    """`scope` keeps one client's keys apart from another's (principal + operation)."""

    scope: str
    key: str
    fingerprint: str

    @staticmethod
    def fingerprint_of(payload: Any, key: bytes) -> str:
        """Keyed, because request bodies may hold secrets (a kiosk sends the PIN): a plain
        hash kept forever in the event log could be reversed by trying every PIN."""
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
        return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()
