"""Contract "Conventions" and "Operations": the error shape, 422 invalid_input with fields,
401 for missing or bad credentials, and the health probe."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from tests.api._support import API, Bank, assert_error, assert_invalid_input, assert_refused
from tests.helpers import bearer, next_phone
from timebank.security.tokens import TokenSigner


def test_health_answers_ok_without_credentials(client: TestClient) -> None:
    response = client.get(f"{API}/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_unknown_route_and_wrong_method_answer_in_the_error_shape(client: TestClient) -> None:
    assert_error(client.get(f"{API}/no-such-thing"), 404, "not_found")
    response = client.post(f"{API}/health", json={})
    assert response.status_code == 405
    assert set(response.json()) == {"error"}
    error = response.json()["error"]
    assert {"code", "message", "message_zh"} <= set(error)
    assert all(isinstance(error[k], str) and error[k] for k in ("code", "message", "message_zh"))


def test_malformed_json_is_invalid_input(client: TestClient) -> None:
    b = Bank(client)
    response = client.post(
        f"{API}/volunteers", content='{"name": "张三", "phone": '.encode(),
        headers={**b.admin, "Content-Type": "application/json"},
    )
    assert_error(response, 422, "invalid_input")


def test_missing_and_mistyped_body_fields_are_named(client: TestClient) -> None:
    b = Bank(client)
    response = client.post(f"{API}/volunteers", json={"phone": next_phone(), "pin": "738294"},
                           headers=b.admin)
    assert_invalid_input(response, "name", "office_id")

    giver = b.volunteer()
    response = b.transfer(giver["headers"], "k-1", giver["passbook_no"], giver["passbook_no"],
                          "lots")
    assert_invalid_input(response, "points")

    response = client.post(f"{API}/users", json={"username": "eve", "password": "long-enough-1",
                                                 "role": "emperor", "office_id": b.d.bank_id},
                           headers=b.admin)
    assert_invalid_input(response, "role")


def test_bad_query_parameters_are_named(client: TestClient) -> None:
    b = Bank(client)
    assert_invalid_input(
        client.get(f"{API}/service-records", params={"status": "lost"}, headers=b.admin),
        "status",
    )
    assert_invalid_input(
        client.get(f"{API}/offices/{b.d.bank_id}/rollup", params={"from": "2026-13-01"},
                   headers=b.admin),
        "from",
    )


def test_every_validation_error_names_the_offending_field(client: TestClient) -> None:
    """Contract: validation errors are 422 invalid_input *and the offending fields*, whichever
    layer notices the problem."""
    b = Bank(client)
    cases = {
        "kind": client.post(f"{API}/offices",
                            json={"name": "城堡", "kind": "castle", "parent_id": None},
                            headers=b.admin),
        "name": client.post(f"{API}/offices",
                            json={"name": "   ", "kind": "branch", "parent_id": b.d.bank_id},
                            headers=b.admin),
        "username": client.post(f"{API}/users",
                                json={"username": "no spaces please", "password": "long-enough-1",
                                      "role": "coordinator", "office_id": b.d.office_id},
                                headers=b.admin),
        "started_at": client.post(
            f"{API}/service-records",
            json={"volunteer_id": b.volunteer()["id"], "activity_id": b.d.activity_id,
                  "started_at": "2026-11-01T09:00:00", "ended_at": "2026-11-01T10:00:00",
                  "note": ""},
            headers=b.admin,
        ),
    }
    unnamed = []
    for field, response in cases.items():
        assert_error(response, 422, "invalid_input")
        named = " ".join(str(f.get("field")) for f in response.json()["error"].get("fields", []))
        if field not in named:
            unnamed.append((field, response.json()["error"]))
    assert unnamed == [], f"invalid_input without the offending field: {unnamed}"


PROTECTED = [
    ("post", "/offices", {"name": "x", "kind": "bank", "parent_id": None}),
    ("get", "/offices/{bank}/rollup", None),
    ("put", "/offices/{bank}/point-rules", {"points_per_hour": 20, "category_multipliers": {}}),
    ("post", "/users", {"username": "someone", "password": "long-enough-1",
                        "role": "coordinator", "office_id": "{office}"}),
    ("post", "/volunteers", {"name": "王五", "phone": "13900001111", "office_id": "{office}",
                             "pin": "738294"}),
    ("get", "/volunteers/{volunteer}/passbook", None),
    ("get", "/volunteers/{volunteer}/passbook/card.png", None),
    ("post", "/transfers", {"from_passbook": "{passbook}", "to_passbook": "{passbook}",
                            "points": 1, "note": ""}),
    ("get", "/service-records", None),
    ("post", "/service-records", {"volunteer_id": "{volunteer}", "activity_id": "{activity}",
                                  "started_at": "2026-11-01T09:00:00+08:00",
                                  "ended_at": "2026-11-01T10:00:00+08:00", "note": ""}),
    ("post", "/service-records/{record}/approve", None),
    ("post", "/service-records/{record}/reject", {"reason": "没来"}),
    ("post", "/service-records/{record}/correct", {"hours": "1.00", "reason": "更正"}),
]


def test_missing_or_bad_credentials_are_401_and_change_nothing(client: TestClient) -> None:
    b = Bank(client)
    volunteer = b.volunteer()
    record_id = b.pending(volunteer["id"], 60)
    names = {"bank": b.d.bank_id, "office": b.d.office_id, "volunteer": volunteer["id"],
             "passbook": volunteer["passbook_no"], "activity": b.d.activity_id,
             "record": record_id}

    def fill(value: object) -> object:
        if isinstance(value, str):
            return value.format(**names)
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return value

    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    admin_token = b.admin["Authorization"].removeprefix("Bearer ")
    bad_credentials = {
        "none": {},
        "garbage": bearer("not-a-token"),
        "tampered": bearer(admin_token[:-4] + ("AAAA" if admin_token[-4:] != "AAAA" else "BBBB")),
        "other secret": bearer(
            TokenSigner("some-other-secret-0123456789abcdef", 3600).issue(
                str(runtime.app.find_user("root-admin").id), "user")),
        "unknown user": bearer(runtime.signer.issue(str(uuid.uuid4()), "user")),
        "unknown volunteer": bearer(runtime.signer.issue(str(uuid.uuid4()), "volunteer")),
        "basic scheme": {"Authorization": "Basic cm9vdC1hZG1pbjpyb290LWFkbWluLXBhc3N3b3Jk"},
    }
    for method, path, body in PROTECTED:
        for label, headers in bad_credentials.items():
            response = client.request(
                method, API + str(fill(path)), json=fill(body),
                headers={**headers, "Idempotency-Key": f"k-{label}"},
            )
            assert response.status_code == 401, (method, path, label, response.text)
            assert_error(response, 401, "unauthenticated")
            assert response.headers.get("WWW-Authenticate", "").startswith("Bearer")

    # Nothing happened: the record is still pending, the passbook empty, no office opened.
    assert b.record(record_id)["status"] == "pending"
    assert b.record(record_id)["hours"] == "1.00"
    assert b.passbook(volunteer["id"])["entries"] == []
    tree = b.rollup(b.d.bank_id)
    assert tree["totals"]["volunteers"] == 1
    assert len(tree["children"]) == 2


def test_json_booleans_are_not_numbers(client: TestClient) -> None:
    """Points and hours are numbers: JSON true must be refused, not read as 1, and change
    nothing."""
    b = Bank(client)
    giver, receiver = b.volunteer(), b.volunteer()
    record_id = b.earn(giver["id"], 120)["id"]                     # 2.00 h, 20 points

    attempts = {
        "points": (b.transfer(giver["headers"], "bool", giver["passbook_no"],
                              receiver["passbook_no"], True), "invalid_points"),
        "points_per_hour": (b.put_rules(True), "invalid_point_rules"),
        "hours": (client.post(f"{API}/service-records/{record_id}/correct",
                              json={"hours": True, "reason": "更正"}, headers=b.admin),
                  "invalid_hours"),
    }
    accepted = {}
    for field, (response, domain_code) in attempts.items():
        if response.status_code != 422:
            accepted[field] = response.json()
            continue
        assert_refused(response, domain_code, field, "point_rules")
    assert accepted == {}, f"JSON true was accepted as a number: {accepted}"
    assert [b.passbook(v["id"])["balance_points"] for v in (giver, receiver)] == [20, 0]
    assert b.record(record_id)["hours"] == "2.00"
    assert b.earn(giver["id"], 60)["points"] == 10


def test_control_characters_are_refused_before_any_database(client: TestClient) -> None:
    """Found in review: PostgreSQL refuses NUL in text, which stalled every projection."""
    from tests.helpers import HttpDistrict

    d = HttpDistrict.build(client)
    volunteer = d.volunteer()
    record = d.service_record(volunteer["id"], 60)
    rejected = client.post(f"/api/v1/service-records/{record}/reject",
                           json={"reason": "x\u0000y"}, headers=d.admin)
    assert rejected.status_code == 422
    assert rejected.json()["error"]["code"] == "invalid_input"
    in_query = client.get("/api/v1/service-records?office_id=%00", headers=d.admin)
    assert in_query.status_code == 422
    fine = client.post(f"/api/v1/service-records/{record}/reject",
                       json={"reason": "未到场\n已电话确认"}, headers=d.admin)
    assert fine.status_code == 200
    assert client.get(f"/api/v1/volunteers/{volunteer['id']}/passbook",
                      headers=d.admin).status_code == 200
