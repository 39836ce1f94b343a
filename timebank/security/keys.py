"""Purpose-bound keys derived from the one server secret (HKDF), so that no two uses share a key."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def derive_key(secret: str, purpose: str, length: int = 32) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=length, salt=b"timebank-v1", info=purpose.encode()
    ).derive(secret.encode())
