"""Signed, expiring bearer tokens (JWT, HS256) for staff and volunteers."""

from __future__ import annotations

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


class TokenSigner:
    def __init__(self, secret: str, ttl_seconds: int) -> None:
        self._key = derive_key(secret, "bearer-tokens")
        self.ttl_seconds = ttl_seconds

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
        try:
            payload = jwt.decode(
                token, self._key, algorithms=["HS256"], issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "iss"]},
            )
        except jwt.PyJWTError:
            return None
        kind = payload.get("kind")
        if kind not in ("user", "volunteer"):
            return None
        partition = payload.get("p")
        generation = payload.get("g", 0)
        if isinstance(generation, bool) or not isinstance(generation, int):
            return None
        session = payload.get("s")
        if session is not None and not isinstance(session, str):
            return None
        return TokenClaims(
            subject=str(payload["sub"]), kind=kind,
            partition=str(partition) if partition else None, generation=generation,
            session=session,
        )
