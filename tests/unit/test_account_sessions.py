"""An account's sessions stay few (issue 17, item 1): expired ones are dropped at the next
login, the oldest goes beyond the limit, and what is kept of the source is coarse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from timebank.domain.actors import SYSTEM
from timebank.domain.sessions import MAX_OPEN_SESSIONS, coarse_address, short_agent, still_open
from timebank.domain.users import User
from timebank.security.tokens import TokenSigner

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def user() -> User:
    return User(username="coord-u", password_hash="x", role="admin", office_id=None,
                actor=SYSTEM.record())


def test_expired_sessions_are_dropped_and_the_oldest_goes_beyond_the_limit() -> None:
    account = user()
    account.open_session("gone", T0, T0 + timedelta(hours=1), None, None)
    later = T0 + timedelta(hours=2)
    for n in range(MAX_OPEN_SESSIONS + 1):
        account.open_session(f"s{n}", later, later + timedelta(hours=8), None, None)
    assert "gone" not in account.sessions and "s0" not in account.sessions
    assert list(account.sessions) == [f"s{n}" for n in range(1, MAX_OPEN_SESSIONS + 1)]
    assert next(s["session_id"] for s in still_open(account.sessions, later)) == \
        f"s{MAX_OPEN_SESSIONS}"
    assert still_open(account.sessions, later + timedelta(hours=9)) == []


def test_a_change_of_password_ends_every_session_and_raises_the_generation() -> None:
    account = user()
    account.open_session("a", T0, T0 + timedelta(hours=8), None, None)
    account.reset_password("y", SYSTEM.record(), "忘记密码")
    assert account.sessions == {} and account.token_generation == 1
    assert account.must_change_password
    account.change_password("z", SYSTEM.record())
    assert not account.must_change_password and account.token_generation == 2


def test_sources_are_kept_coarsely() -> None:
    assert coarse_address("203.0.113.77") == "203.0.113.0/24"
    assert coarse_address("2001:db8:1:2::5") == "2001:db8:1::/48"
    assert coarse_address("testclient") is None and coarse_address(None) is None
    assert short_agent("  Mozilla/5.0\n(X11)  ") == "Mozilla/5.0 (X11)"
    assert len(short_agent("x" * 500) or "") == 120


def test_tokens_carry_the_session() -> None:
    signer = TokenSigner("x" * 40, 60)
    assert signer.verify(signer.issue("someone", "user", session="abc")).session == "abc"
    assert signer.verify(signer.issue("someone", "user")).session is None
