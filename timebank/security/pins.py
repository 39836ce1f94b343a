"""PIN hashing: a keyed pepper, then a hash whose cost fits what is left to guard.

A PIN has a million values, so a stolen hash of it is cracked by trying them all, whatever
the hash costs: argon2 at 28 ms a try (the hash PINs had) still gives one PIN in a few
core-hours. What stops that is a key the database does not hold: the PIN is first keyed
with HMAC-SHA256 under a key derived from `TIMEBANK_SECRET_KEY`, then hashed. A copy of the
database alone is then worth nothing to a guesser — they cannot compute a single candidate.
Only someone holding both the database and the server key can guess, and for that case the
hash still costs a little (argon2id, 4 MiB, one pass, about 2 ms here): a million tries are
about an hour of CPU per volunteer, so the whole register is out of reach while one PIN is
not — which is why the key must never sit beside the database (docs/security.md; `serve`
warns when PostgreSQL runs on the key generated into var/).

Hashes made before the pepper (plain argon2id of the PIN) keep working: they are checked as
they were, and the application stores the peppered hash at the next successful check.
"""

from __future__ import annotations

import hashlib
import hmac

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from timebank.security import passwords
from timebank.security.keys import derive_key

SCHEME = "tbpin1$"  # the peppered hashes; anything else is an argon2 hash of the bare PIN
_hasher = PasswordHasher(time_cost=1, memory_cost=4096, parallelism=1)


class PinHasher:
    def __init__(self, secret: str) -> None:
        self._key = derive_key(secret, "pin-pepper")
        # Checked when the volunteer does not exist, so timing does not tell.
        self._dummy = self.hash("000000-not-a-pin")

    def _peppered(self, pin: str) -> str:
        return hmac.new(self._key, pin.encode(), hashlib.sha256).hexdigest()

    def hash(self, pin: str) -> str:
        return SCHEME + _hasher.hash(self._peppered(pin))

    def verify(self, stored: str | None, pin: str) -> tuple[bool, bool]:
        """(right, to upgrade): whether the PIN matches, and whether the stored hash is of
        the old kind and should be replaced by `hash(pin)` now that the PIN is known."""
        if stored is not None and not stored.startswith(SCHEME):
            right = passwords.verify_secret(stored, pin)
            return right, right
        try:
            right = _hasher.verify((stored or self._dummy)[len(SCHEME):], self._peppered(pin))
        except (VerificationError, InvalidHashError):
            right = False
        return right and stored is not None, False
