"""Verified bearer tokens are remembered, never past their expiry and never when forged."""

from __future__ import annotations

import pytest

from timebank.security import tokens
from timebank.security.tokens import TokenSigner


def test_a_remembered_token_still_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    signer = TokenSigner("k" * 48, ttl_seconds=60)
    token = signer.issue("volunteer-1", "volunteer", generation=2)
    first = signer.verify(token)
    assert first is not None and first.subject == "volunteer-1" and first.generation == 2
    assert signer.verify(token) == first  # remembered: the same claims
    later = tokens.time.time() + 61
    monkeypatch.setattr(tokens.time, "time", lambda: later)
    assert signer.verify(token) is None


def test_forged_and_foreign_tokens_are_refused_and_not_remembered() -> None:
    signer = TokenSigner("k" * 48, ttl_seconds=60)
    other = TokenSigner("o" * 48, ttl_seconds=60)
    foreign = other.issue("volunteer-1", "volunteer")
    head, payload, signature = signer.issue("volunteer-1", "volunteer").split(".")
    forged = ".".join((head, payload, signature[::-1]))
    for token in (foreign, forged, "not.a.token"):
        assert signer.verify(token) is None
        assert token not in signer._verified


def test_the_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "VERIFIED_TOKENS_KEPT", 3)
    signer = TokenSigner("k" * 48, ttl_seconds=60)
    issued = [signer.issue(f"volunteer-{n}", "volunteer") for n in range(5)]
    assert all(signer.verify(token) is not None for token in issued)
    assert len(signer._verified) <= 3
    assert all(signer.verify(token) is not None for token in issued)  # still valid
