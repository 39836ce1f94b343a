"""A locked staff login says until when, in Beijing time, in both languages."""

from __future__ import annotations

import re

import pytest

from tests.memory import memory_app
from timebank.domain.actors import SYSTEM
from timebank.domain.errors import DomainError
from timebank.domain.users import ATTEMPTS_BEFORE_LOCK, LOCK_DURATION
from timebank.domain.values import SHANGHAI, utc_now


def test_the_lock_names_the_minute_it_ends() -> None:
    app = memory_app()
    app.create_user(SYSTEM, "locked-words", "right-password-1", "admin", None)
    before = utc_now()
    for _ in range(ATTEMPTS_BEFORE_LOCK):
        with pytest.raises(DomainError):
            app.authenticate_user("locked-words", "wrong-password", source="203.0.113.7")
    with pytest.raises(DomainError) as locked:
        app.authenticate_user("locked-words", "right-password-1", source="203.0.113.7")
    error = locked.value
    assert error.code == "account_locked"
    until = error.context["locked_until"]
    assert before + LOCK_DURATION <= until <= utc_now() + LOCK_DURATION
    shown = until.astimezone(SHANGHAI).strftime("%H:%M")
    assert error.message_zh == (f"密码连续输错 10 次，本机登录已锁定，北京时间 {shown} 后可再试。")
    assert re.search(rf"Try again after {shown} Beijing time\.$", error.message)
