"""A login's token: every way in (the API's two token endpoints, the staff and volunteer
login pages, the scan page) opens a session on the account and puts its id in the token,
so the owner can list and end sessions one by one (timebank/domain/sessions.py)."""

from __future__ import annotations

import contextlib
from typing import Any

from fastapi import Request

from api.rate_limits import client_address
from timebank.domain.actors import Actor
from timebank.domain.errors import DomainError
from timebank.partitions import Partition
from timebank.security.tokens import TokenClaims


def login_token(request: Request, home: Partition, kind: str, account: Any) -> str:
    """The bearer token for `account` (a User or a Volunteer just authenticated in `home`)."""
    runtime = request.app.state.runtime
    session_id, generation = home.app.open_session(
        kind, account.id, client_address(request), request.headers.get("user-agent"))
    return runtime.signer.issue(str(account.id), kind, home.token_claim,
                                generation=generation, session=session_id)


def end_login(request: Request, claims: TokenClaims | None, actor: Actor | None) -> None:
    """A logout: the token's own session ends (the account's other sessions go on); a token
    from before sessions ends every session of the account (all it can name)."""
    if claims is None or actor is None:
        return
    home = request.app.state.runtime.partitions.get(claims.partition).app
    with contextlib.suppress(DomainError):  # already ended meanwhile: nothing left to do
        if claims.session:
            home.close_session(actor, claims.session, "logout")
        else:
            home.revoke_sessions(actor.kind, actor.id, actor, "logout")
