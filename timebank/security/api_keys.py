"""Kiosk API keys: random, shown once, stored only as a keyed hash.

A key reads `tbk_<kiosk id>_<secret>`: the id finds the kiosk without a scan of all
keys, the secret is checked against the stored HMAC in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from uuid import UUID

from timebank.security.keys import derive_key

PREFIX = "tbk"


class ApiKeys:
    def __init__(self, server_secret: str) -> None:
        self._pepper = derive_key(server_secret, "kiosk-api-keys")

    def new_key(self, kiosk_id: UUID) -> str:
        return f"{PREFIX}_{kiosk_id.hex}_{secrets.token_urlsafe(32)}"

    def hash(self, key: str) -> str:
        return hmac.new(self._pepper, key.encode(), hashlib.sha256).hexdigest()

    def verify(self, key: str, stored_hash: str) -> bool:
        return hmac.compare_digest(self.hash(key), stored_hash)

    @staticmethod
    def kiosk_id_of(key: str) -> UUID | None:
        parts = (key or "").split("_", 2)
        if len(parts) != 3 or parts[0] != PREFIX:
            return None
        try:
            return UUID(hex=parts[1])
        except ValueError:
            return None
