"""The core story through HTTP: register, serve, approve, see the passbook, give points."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.helpers import HttpDistrict, next_phone


def test_hours_become_points_and_can_be_given(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    phone = next_phone()
    giver = d.volunteer(phone=phone)
    receiver = d.volunteer(name="李四")

    approved = d.earn(giver["id"], 150)
    assert approved["status"] == "approved"
    assert approved["hours"] == "2.50"
    assert approved["points"] == 25  # default rules: 10 points per hour

    me = d.volunteer_headers(phone)
    response = client.post(
        "/api/v1/transfers",
        json={"from_passbook": giver["passbook_no"], "to_passbook": receiver["passbook_no"],
              "points": 7, "note": "谢谢"},
        headers={**me, "Idempotency-Key": "t-1"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["balance_after"] == 18

    passbook = client.get(f"/api/v1/volunteers/{giver['id']}/passbook", headers=me).json()
    assert passbook["passbook_no"] == giver["passbook_no"]
    assert passbook["balance_points"] == 18
    assert passbook["total_hours"] == "2.50"
    assert [(e["kind"], e["points"], e["balance_after"], e["hours"]) for e in
            passbook["entries"]] == [("service", 25, 25, "2.50"), ("transfer_out", -7, 18, "0.00")]
