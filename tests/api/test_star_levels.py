"""Star levels through HTTP on both stores: a bank's thresholds, changed by event and never
retroactive; corrections; the passbook and the rollup show them."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.helpers import HttpDistrict

API = "/api/v1"


def test_star_levels_follow_the_rules_in_force_when_hours_are_approved(
    client: TestClient,
) -> None:
    d = HttpDistrict.build(client)
    rules = client.get(f"{API}/offices/{d.bank_id}/record-rules", headers=d.admin).json()
    assert rules == {"bank_id": d.bank_id, "star_thresholds_hours": [100, 300, 600, 1000, 1500],
                     "correction_days": 15}
    assert client.put(f"{API}/offices/{d.branch_id}/record-rules", headers=d.admin, json={
        "star_thresholds_hours": [1], "correction_days": 15}).status_code == 422
    assert client.put(f"{API}/offices/{d.bank_id}/record-rules", headers=d.admin, json={
        "star_thresholds_hours": [1, 3], "correction_days": 10}).status_code == 200
    early = d.volunteer()
    d.earn(early["id"], 60)  # 1 hour: one star under [1, 3]
    assert client.put(f"{API}/offices/{d.bank_id}/record-rules", headers=d.admin, json={
        "star_thresholds_hours": [2, 4], "correction_days": 10}).status_code == 200
    late = d.volunteer()
    d.earn(late["id"], 90)  # 1.5 hours under [2, 4]: none
    d.earn(early["id"], 60)  # 2 hours: still one star (the second needs 4 now)

    def level(volunteer: dict[str, str]) -> int:
        return client.get(f"{API}/volunteers/{volunteer['id']}/star-level",
                          headers=d.admin).json()["level"]

    assert (level(early), level(late)) == (1, 0)
    last = d.earn(early["id"], 120)  # 4 hours: two stars
    star = client.get(f"{API}/volunteers/{early['id']}/star-level", headers=d.admin).json()
    assert star["level"] == 2 and star["service_hours"] == "4.00"
    assert [(m["level"], m["threshold_hours"]) for m in star["reached"]] == [(1, 1), (2, 4)]
    passbook = client.get(f"{API}/volunteers/{early['id']}/passbook", headers=d.admin).json()
    assert passbook["star_level"] == 2
    rollup = client.get(f"{API}/offices/{d.bank_id}/rollup", headers=d.admin).json()
    assert rollup["totals"]["star_volunteers"] == {"2": 1}
    # A correction takes the last service from 2 hours to 1: 3 hours, below 4.
    corrected = client.post(f"{API}/service-records/{last['id']}/correct", headers=d.admin,
                            json={"hours": "1", "reason": "签退时间有误"})
    assert corrected.status_code == 200, corrected.text
    assert level(early) == 1
