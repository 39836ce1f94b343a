"""Password and PIN hashing with argon2id."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# PINs are short, so they rely on lock-outs as much as on the hash; the same
# parameters keep one code path.
_hasher = PasswordHasher()

# Verified against when an account does not exist, so that timing does not tell.
_DUMMY_HASH = _hasher.hash("timebank-dummy-password")


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(hashed: str | None, secret: str) -> bool:
    try:
        return _hasher.verify(hashed or _DUMMY_HASH, secret) and hashed is not None
    except (VerificationError, InvalidHashError):
        return False
