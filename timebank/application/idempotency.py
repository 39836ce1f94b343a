"""Idempotent commands: the key, the request's fingerprint and the first answer."""

from __future__ import annotations

import hashlib
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
    def fingerprint_of(payload: Any) -> str:
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()
