"""Small HTTP helpers shared by the contract tests in tests/api (not a test module)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from tests.helpers import HttpDistrict, next_phone
from timebank.domain.values import SHANGHAI

API = "/api/v1"


def assert_error(response: Response, status: int, code: str) -> dict[str, Any]:
    """The contract's error shape: {"error": {"code", "message", "message_zh"}}, nothing else."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert error["code"] == code, body
    assert re.fullmatch(r"[a-z][a-z0-9_]*", error["code"]), body
    assert isinstance(error["message"], str) and error["message"].strip(), body
    assert isinstance(error["message_zh"], str) and error["message_zh"].strip(), body
    # Chinese text really is Chinese (at least one CJK character).
    assert re.search(r"[\u4e00-\u9fff]", error["message_zh"]), body
    return error


def assert_invalid_input(response: Response, *field_names: str) -> dict[str, Any]:
    """422 invalid_input naming each offending field (by name, anywhere in its location)."""
    error = assert_error(response, 422, "invalid_input")
    fields = error.get("fields")
    assert isinstance(fields, list) and fields, f"no offending fields named: {error}"
    named = " ".join(str(item.get("field", "")) for item in fields)
    for name in field_names:
        assert name in named, f"{name!r} not among offending fields {fields}"
    return error


def assert_refused(response: Response, code: str, *fields: str) -> dict[str, Any]:
    """422 for a value the domain refuses: either its own code (e.g. "invalid_phone") or the
    conventions' "invalid_input" naming one of `fields`. The brief expects the former, the
    contract's convention reads like the latter; both tell a client what is wrong."""
    assert response.status_code == 422, response.text
    actual = response.json().get("error", {}).get("code")
    assert actual in (code, "invalid_input"), response.text
    error = assert_error(response, 422, actual)
    if actual == "invalid_input":
        named = " ".join(str(item.get("field", "")) for item in error.get("fields") or [])
        assert any(field in named for field in fields), f"none of {fields} named in {error}"
    return error


def assert_wrong_login(response: Response) -> dict[str, Any]:
    """A refused phone + PIN login: 403 wrong_pin (the brief) or 401 unauthenticated (the
    contract's "bad credentials"), in the error shape, without a token."""
    assert (response.status_code, response.json().get("error", {}).get("code")) in (
        (403, "wrong_pin"), (401, "unauthenticated")), response.text
    assert "access_token" not in response.text
    return assert_error(response, response.status_code, response.json()["error"]["code"])


# Service a week ago, 09:00 Beijing time: in the past (service cannot end in the future).
START = (datetime.now(SHANGHAI) - timedelta(days=7)).replace(
    hour=9, minute=0, second=0, microsecond=0)


def shanghai_today() -> date:
    return datetime.now(SHANGHAI).date()


def day(value: date, offset: int = 0) -> str:
    return (value + timedelta(days=offset)).isoformat()


class Bank:
    """An HttpDistrict plus the little things most tests need: logins, passbooks, rollups."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.d = HttpDistrict.build(client)
        self.admin = self.d.admin
        self._other_branch_id = ""

    @property
    def other_branch_id(self) -> str:
        """The parent of `d.other_office_id` (HttpDistrict does not keep it)."""
        if not self._other_branch_id:
            tree = self.rollup(self.d.bank_id)
            (branch,) = [c for c in tree["children"]
                         if any(o["office_id"] == self.d.other_office_id for o in c["children"])]
            self._other_branch_id = branch["office_id"]
        return self._other_branch_id

    # -- people --------------------------------------------------------------------------
    def volunteer(self, office_id: str | None = None, name: str = "张三",
                  pin: str = "738294") -> dict[str, Any]:
        """Registers a volunteer; returns {"id", "passbook_no", "phone", "headers"}."""
        phone = next_phone()
        created = self.d.volunteer(office_id=office_id, phone=phone, pin=pin, name=name)
        headers = self.d.volunteer_headers(phone, pin)
        return {**created, "phone": phone, "headers": headers}

    def staff(self, username: str, role: str, office_id: str | None) -> dict[str, str]:
        return self.d.user(username, role, office_id)

    # -- reads ---------------------------------------------------------------------------
    def passbook(self, volunteer_id: str, headers: dict[str, str] | None = None
                 ) -> dict[str, Any]:
        response = self.client.get(
            f"{API}/volunteers/{volunteer_id}/passbook", headers=headers or self.admin
        )
        assert response.status_code == 200, response.text
        return response.json()

    def rollup(self, office_id: str, headers: dict[str, str] | None = None,
               **params: str) -> dict[str, Any]:
        query = {("from" if k == "date_from" else "to" if k == "date_to" else k): v
                 for k, v in params.items()}
        response = self.client.get(
            f"{API}/offices/{office_id}/rollup", params=query, headers=headers or self.admin
        )
        assert response.status_code == 200, response.text
        return response.json()

    def records(self, headers: dict[str, str] | None = None, **params: str
                ) -> list[dict[str, Any]]:
        response = self.client.get(
            f"{API}/service-records", params=params, headers=headers or self.admin
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert isinstance(body, list)
        return body

    def record(self, record_id: str) -> dict[str, Any]:
        matches = [r for r in self.records() if r["id"] == record_id]
        assert len(matches) == 1, matches
        return matches[0]

    # -- writes --------------------------------------------------------------------------
    def activity(self, office_id: str | None = None, category: str = "elderly_care",
                 minutes: int = 240, start: datetime = START) -> str:
        """A new activity (one attendance per volunteer and activity), long enough."""
        response = self.client.post(
            f"{API}/activities",
            json={"office_id": office_id or self.d.office_id, "title": "为独居老人送餐",
                  "category": category, "starts_at": start.isoformat(),
                  "ends_at": (start + timedelta(minutes=max(minutes, 240))).isoformat(),
                  "location": "社区食堂"},
            headers=self.admin,
        )
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def enter(self, volunteer_id: str, minutes: int, activity_id: str | None = None,
              headers: dict[str, str] | None = None, start: datetime | None = None,
              category: str = "elderly_care", office_id: str | None = None) -> Response:
        """代录 one attendance; on a new activity of `office_id` unless one is given."""
        start = start or START
        if activity_id is None:
            activity_id = self.activity(office_id, category, minutes, start)
        return self.client.post(
            f"{API}/service-records",
            json={
                "volunteer_id": volunteer_id,
                "activity_id": activity_id,
                "started_at": start.isoformat(),
                "ended_at": (start + timedelta(minutes=minutes)).isoformat(),
                "note": "代录",
            },
            headers=headers or self.admin,
        )

    def pending(self, volunteer_id: str, minutes: int, activity_id: str | None = None,
                **where: Any) -> str:
        response = self.enter(volunteer_id, minutes, activity_id, **where)
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def approve(self, record_id: str, headers: dict[str, str] | None = None) -> Response:
        return self.client.post(
            f"{API}/service-records/{record_id}/approve", headers=headers or self.admin
        )

    def earn(self, volunteer_id: str, minutes: int, activity_id: str | None = None,
             **where: Any) -> dict[str, Any]:
        response = self.approve(self.pending(volunteer_id, minutes, activity_id, **where))
        assert response.status_code == 200, response.text
        return response.json()

    def transfer(self, headers: dict[str, str], key: str | None, from_passbook: str,
                 to_passbook: str, points: Any, note: str = "谢谢") -> Response:
        extra = {"Idempotency-Key": key} if key is not None else {}
        return self.client.post(
            f"{API}/transfers",
            json={"from_passbook": from_passbook, "to_passbook": to_passbook,
                  "points": points, "note": note},
            headers={**headers, **extra},
        )

    def put_rules(self, points_per_hour: Any, multipliers: dict[str, Any] | None = None,
                  bank_id: str | None = None, headers: dict[str, str] | None = None
                  ) -> Response:
        return self.client.put(
            f"{API}/offices/{bank_id or self.d.bank_id}/point-rules",
            json={"points_per_hour": points_per_hour,
                  "category_multipliers": multipliers or {}},
            headers=headers or self.admin,
        )
