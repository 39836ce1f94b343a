"""Password and PIN hashing with argon2id."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): about 20 ms a
# check here instead of the library default's ~130 ms, which made every kiosk redemption
# wait on the hash. PINs are short, so they rely on the lock-out as much as on the hash.
_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)

# Verified against when an account does not exist, so that timing does not tell.
_DUMMY_HASH = _hasher.hash("timebank-dummy-password")


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(hashed: str | None, secret: str) -> bool:
    try:
        return _hasher.verify(hashed or _DUMMY_HASH, secret) and hashed is not None
    except (VerificationError, InvalidHashError):
        return False
