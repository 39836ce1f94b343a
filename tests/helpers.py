"""Builders shared by the tests: a small district through the services, and through HTTP."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from timebank.application import TimebankApp
from timebank.domain.actors import SYSTEM, Actor
from timebank.domain.values import gb11643_check_digit

_phones = itertools.count(1)


def forget_cached(app: TimebankApp) -> None:
    """Make the next load read the store (LRUCache.clear() keeps its entries)."""
    cache = app.repository.cache
    if cache is not None:
        cache.cache.clear()
        cache.clear()


def next_phone() -> str:
    return f"1380013{next(_phones) % 10000:04d}"


def valid_id_number(seed: int = 1) -> str:
    rng = random.Random(seed)
    body = f"310104{rng.randint(1950, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body += f"{rng.randint(100, 999)}"
    return body + gb11643_check_digit(body)


@dataclass
class District:
    """bank → two branches → one savings office each, through the application services."""

    app: TimebankApp
    bank: Any = None
    branch: Any = None
    office: Any = None
    other_branch: Any = None
    other_office: Any = None
    activity: Any = None
    volunteers: list[Any] = field(default_factory=list)

    @classmethod
    def build(cls, app: TimebankApp) -> District:
        d = cls(app)
        d.bank = app.open_office(SYSTEM, "示范区公益银行", "bank", None)
        d.branch = app.open_office(SYSTEM, "东湖街道分行", "branch", d.bank.id)
        d.office = app.open_office(SYSTEM, "樱花社区储蓄所", "savings_office", d.branch.id)
        d.other_branch = app.open_office(SYSTEM, "西岭街道分行", "branch", d.bank.id)
        d.other_office = app.open_office(
            SYSTEM, "松林社区储蓄所", "savings_office", d.other_branch.id
        )
        d.activity = d.plan_activity(d.office, "elderly_care")
        return d

    def plan_activity(self, office: Any, category: str, minutes: int = 240) -> Any:
        start = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)
        return self.app.plan_activity(
            SYSTEM, office.id, "为独居老人送餐", category, start,
            start + timedelta(minutes=max(minutes, 1)), "食堂",
        )

    def volunteer(self, office: Any = None, name: str = "张三") -> Any:
        v = self.app.register_volunteer(
            SYSTEM, name, next_phone(), None, (office or self.office).id, "738294"
        )
        self.volunteers.append(v)
        return v

    def serve(self, volunteer: Any, minutes: int, activity: Any = None,
              actor: Actor = SYSTEM) -> Any:
        """One attendance; a new activity of the right length unless one is given."""
        activity = activity or self.plan_activity(self.office, "elderly_care", minutes)
        start = activity.starts_at
        return self.app.enter_service_record(
            actor, volunteer.id, activity.id, start, start + timedelta(minutes=minutes), ""
        )

    def earn(self, volunteer: Any, minutes: int, activity: Any = None) -> dict[str, Any]:
        record = self.serve(volunteer, minutes, activity)
        return self.app.approve_service_record(SYSTEM, record.id)


ADMIN = ("root-admin", "root-admin-password")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def staff_token(client: TestClient, username: str, password: str) -> str:
    response = client.post(
        "/api/v1/auth/token", data={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def admin_headers(client: TestClient) -> dict[str, str]:
    client.app.state.runtime.app.ensure_admin(*ADMIN)
    return bearer(staff_token(client, *ADMIN))


@dataclass
class HttpDistrict:
    """The same small district, made through the HTTP API as an operator would."""

    client: TestClient
    admin: dict[str, str]
    bank_id: str = ""
    branch_id: str = ""
    office_id: str = ""
    other_office_id: str = ""
    activity_id: str = ""

    @classmethod
    def build(cls, client: TestClient) -> HttpDistrict:
        d = cls(client, admin_headers(client))
        d.bank_id = d.office("示范区公益银行", "bank", None)
        d.branch_id = d.office("东湖街道分行", "branch", d.bank_id)
        d.office_id = d.office("樱花社区储蓄所", "savings_office", d.branch_id)
        other_branch = d.office("西岭街道分行", "branch", d.bank_id)
        d.other_office_id = d.office("松林社区储蓄所", "savings_office", other_branch)
        d.activity_id = d.activity(d.office_id)
        return d

    def office(self, name: str, kind: str, parent_id: str | None) -> str:
        response = self.client.post(
            "/api/v1/offices", json={"name": name, "kind": kind, "parent_id": parent_id},
            headers=self.admin,
        )
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def activity(self, office_id: str, category: str = "elderly_care",
                 minutes: int = 240) -> str:
        start = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)
        response = self.client.post(
            "/api/v1/activities",
            json={
                "office_id": office_id, "title": "为独居老人送餐", "category": category,
                "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(minutes=max(minutes, 240))).isoformat(),
                "location": "社区食堂",
            },
            headers=self.admin,
        )
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def user(self, username: str, role: str, office_id: str | None,
             password: str = "correct-horse-1") -> dict[str, str]:
        response = self.client.post(
            "/api/v1/users",
            json={"username": username, "password": password, "role": role,
                  "office_id": office_id},
            headers=self.admin,
        )
        assert response.status_code == 201, response.text
        return bearer(staff_token(self.client, username, password))

    def volunteer(self, office_id: str | None = None, phone: str | None = None,
                  pin: str = "738294", name: str = "张三") -> dict[str, str]:
        response = self.client.post(
            "/api/v1/volunteers",
            json={"name": name, "phone": phone or next_phone(), "office_id":
                  office_id or self.office_id, "pin": pin},
            headers=self.admin,
        )
        assert response.status_code == 201, response.text
        return response.json()

    def volunteer_headers(self, phone: str, pin: str = "738294") -> dict[str, str]:
        response = self.client.post(
            "/api/v1/auth/volunteer-token", json={"phone": phone, "pin": pin}
        )
        assert response.status_code == 200, response.text
        return bearer(response.json()["access_token"])

    def service_record(self, volunteer_id: str, minutes: int,
                       headers: dict[str, str] | None = None,
                       activity_id: str | None = None) -> str:
        """One attendance; at a new activity of the office unless one is given."""
        start = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)
        activity_id = activity_id or self.activity(self.office_id, minutes=minutes)
        response = self.client.post(
            "/api/v1/service-records",
            json={
                "volunteer_id": volunteer_id, "activity_id": activity_id,
                "started_at": start.isoformat(),
                "ended_at": (start + timedelta(minutes=minutes)).isoformat(), "note": "",
            },
            headers=headers or self.admin,
        )
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def earn(self, volunteer_id: str, minutes: int) -> dict[str, Any]:
        record_id = self.service_record(volunteer_id, minutes)
        response = self.client.post(
            f"/api/v1/service-records/{record_id}/approve", headers=self.admin
        )
        assert response.status_code == 200, response.text
        return response.json()
