"""An account's open sessions: what a staff member or a volunteer sees on their sessions page
and can end one by one (issue 17, item 1).

Every login opens a session on the account (a `SessionOpened` event): its id goes into the
token, and a token whose session is no longer open answers 401. The account keeps only the
sessions that can still be used — a few at most, the expired ones dropped — so its state
does not grow with every login it ever had. A change of password or PIN, a reset, a
deactivation or "sign out everywhere" raises the account's token generation and closes
them all at once.

Where a login came from is kept coarsely, because it is personal data in a log that is
never rewritten: the network (an IPv4 /24, an IPv6 /48), not the address, and the browser's
own description cut short.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime
from typing import Any

# A new login beyond these ends the oldest open session (its token stops working).
MAX_OPEN_SESSIONS = 10
AGENT_LENGTH = 120


def coarse_address(address: str | None) -> str | None:
    """The network an address belongs to: 203.0.113.0/24, 2001:db8:1::/48."""
    if not address:
        return None
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return None  # "testclient", a socket path: nothing worth keeping
    prefix = 24 if parsed.version == 4 else 48
    return str(ipaddress.ip_network(f"{parsed}/{prefix}", strict=False))


def short_agent(agent: str | None) -> str | None:
    agent = " ".join((agent or "").split())
    return agent[:AGENT_LENGTH] or None


def with_opened(sessions: dict[str, dict[str, Any]], session_id: str, opened_at: datetime,
                expires_at: datetime, network: str | None, agent: str | None
                ) -> dict[str, dict[str, Any]]:
    """The open sessions after a login: the expired ones dropped, the newest last, at most
    MAX_OPEN_SESSIONS (the oldest go first)."""
    kept = {sid: s for sid, s in sessions.items()
            if datetime.fromisoformat(s["expires_at"]) > opened_at}
    kept[session_id] = {"opened_at": opened_at.isoformat(), "expires_at": expires_at.isoformat(),
                        "network": network, "agent": agent}
    while len(kept) > MAX_OPEN_SESSIONS:
        kept.pop(next(iter(kept)))
    return kept


def still_open(sessions: dict[str, dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """The sessions a page lists, newest first."""
    return [{"session_id": sid, **s} for sid, s in reversed(sessions.items())
            if datetime.fromisoformat(s["expires_at"]) > now]
