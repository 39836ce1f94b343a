"""Signed, expiring bearer tokens (JWT, HS256) for staff and volunteers."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt

from timebank.domain.values import utc_now
from timebank.security.keys import derive_key

ISSUER = "timebank"


@dataclass(frozen=True)
class TokenClaims:
    subject: str
    kind: str  # "user" | "volunteer"
    # The bank partition the subject lives in (timebank.partitions); None: the directory.
    partition: str | None = None
    # The account's token generation when issued: a password or PIN change, a deactivation,
    # an erasure or a logout raise it, and every token of an older generation stops working.
    generation: int = 0
    # The login's session on the account (timebank/domain/sessions.py): ended on its own by
    # a logout or from the sessions page. None in tokens issued before sessions.
    session: str | None = None


# Tokens verified once are remembered (with their expiry, checked on every use): a client
# sends the same token with each request, and the signature check is most of what
# authentication costs a request. Only tokens that verified are kept, so forged ones cannot
# fill the memory with anything but misses; past the bound it starts afresh.
VERIFIED_TOKENS_KEPT = 20_000


class TokenSigner:
    def __init__(self, secret: str, ttl_seconds: int) -> None:
        self._key = derive_key(secret, "bearer-tokens")
        self.ttl_seconds = ttl_seconds
        self._verified: dict[str, tuple[TokenClaims, float]] = {}

    def issue(self, subject: str, kind: str, partition: str | None = None,
              generation: int = 0, session: str | None = None) -> str:
        now = utc_now()
        payload: dict[str, Any] = {
            "iss": ISSUER,
            "sub": subject,
            "kind": kind,
            "iat": now,
            "exp": now + timedelta(seconds=self.ttl_seconds),
        }
        if partition:
            payload["p"] = partition
        if generation:
            payload["g"] = generation
        if session:
            payload["s"] = session
        return jwt.encode(payload, self._key, algorithm="HS256")

    def verify(self, token: str) -> TokenClaims | None:
        """The claims of a token signed here and not expired, else None."""
        known = self._verified.get(token)
        if known is not None:
            claims, expires = known
            return claims if time.time() < expires else None
        claims, expires = self._decode(token)
        if claims is not None:
            if len(self._verified) >= VERIFIED_TOKENS_KEPT:
                self._verified.clear()
            self._verified[token] = (claims, expires)
        return claims

    def _decode(self, token: str) -> tuple[TokenClaims | None, float]:
        try:
            payload = jwt.decode(
                token, self._key, algorithms=["HS256"], issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "iss"]},
            )
        except jwt.PyJWTError:
            return None, 0.0
        kind = payload.get("kind")
        if kind not in ("user", "volunteer"):
            return None, 0.0
        partition = payload.get("p")
        generation = payload.get("g", 0)
        if isinstance(generation, bool) or not isinstance(generation, int):
            return None, 0.0
        session = payload.get("s")
        if session is not None and not isinstance(session, str):
            return None, 0.0
        return TokenClaims(
            subject=str(payload["sub"]), kind=kind,
            partition=str(partition) if partition else None, generation=generation,
            session=session,
        ), float(payload["exp"])
