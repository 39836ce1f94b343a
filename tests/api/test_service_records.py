"""Contract "Service records": manual entry (代录), lists, approve, reject, correct."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from tests.api._support import (
    API,
    START,
    Bank,
    assert_error,
    assert_invalid_input,
    assert_refused,
)


def reject(b: Bank, record_id: str, reason: str, headers: dict[str, str] | None = None):
    return b.client.post(f"{API}/service-records/{record_id}/reject", json={"reason": reason},
                         headers=headers or b.admin)


def correct(b: Bank, record_id: str, hours: object, reason: str = "签到时间录错",
            headers: dict[str, str] | None = None):
    return b.client.post(f"{API}/service-records/{record_id}/correct",
                         json={"hours": hours, "reason": reason}, headers=headers or b.admin)


def test_manual_entry_is_pending_until_approved(client: TestClient) -> None:
    b = Bank(client)
    volunteer = b.volunteer()
    coordinator = b.staff("coord", "coordinator", b.d.office_id)
    activity_id = b.activity()
    response = b.enter(volunteer["id"], 150, activity_id, headers=coordinator)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body == {"id": body["id"], "status": "pending"}
    row = b.record(body["id"])
    assert (row["status"], row["hours"], row["points"], row["volunteer_id"],
            row["activity_id"], row["office_id"]) == (
        "pending", "2.50", 0, volunteer["id"], activity_id, b.d.office_id)
    # One attendance per volunteer and activity: a repeated entry does not pay twice.
    again = b.enter(volunteer["id"], 150, activity_id, headers=coordinator)
    assert again.status_code == 409, again.text
    assert_error(again, 409, again.json()["error"]["code"])
    assert len(b.records()) == 1
    assert b.passbook(volunteer["id"])["entries"] == []


def test_manual_entry_is_validated_and_a_refusal_records_nothing(client: TestClient) -> None:
    b = Bank(client)
    volunteer = b.volunteer()
    assert_refused(b.enter(volunteer["id"], 0), "invalid_time_range", "ended_at")
    assert_refused(b.enter(volunteer["id"], -30), "invalid_time_range", "ended_at")
    assert_refused(b.enter(volunteer["id"], 24 * 60 + 1), "invalid_hours", "ended_at")
    assert_invalid_input(
        client.post(f"{API}/service-records",
                    json={"volunteer_id": volunteer["id"], "activity_id": b.d.activity_id,
                          "started_at": "yesterday", "ended_at": START.isoformat()},
                    headers=b.admin),
        "started_at",
    )
    assert_invalid_input(
        client.post(f"{API}/service-records", json={"volunteer_id": volunteer["id"]},
                    headers=b.admin),
        "activity_id", "started_at", "ended_at",
    )
    assert_error(b.enter("00000000-0000-0000-0000-000000000000", 60), 404, "not_found")
    assert_error(b.enter(volunteer["id"], 60, activity_id="00000000-0000-0000-0000-000000000000"),
                 404, "not_found")
    assert b.records() == []
    # Exactly 24 hours is still a (long) day of service.
    assert b.enter(volunteer["id"], 24 * 60).status_code == 201


def test_manual_entry_needs_an_operator_of_the_activitys_office(client: TestClient) -> None:
    b = Bank(client)
    d = b.d
    volunteer = b.volunteer()
    for headers in (b.staff("far-coord", "coordinator", d.other_office_id),
                    b.staff("far-admin", "branch_admin", b.other_branch_id),
                    b.staff("treasurer", "treasurer", d.bank_id),
                    b.staff("auditor", "auditor", d.office_id),
                    volunteer["headers"]):
        assert_error(b.enter(volunteer["id"], 60, headers=headers), 403, "forbidden")
    assert b.records() == []
    for headers in (b.staff("coord", "coordinator", d.office_id),
                    b.staff("branch-admin", "branch_admin", d.branch_id),
                    b.staff("bank-admin", "bank_admin", d.bank_id)):
        assert b.enter(volunteer["id"], 60, headers=headers).status_code == 201
    assert len(b.records()) == 3


def test_list_filters_by_office_subtree_and_status(client: TestClient) -> None:
    b = Bank(client)
    d = b.d
    here, there = b.volunteer(), b.volunteer(office_id=d.other_office_id)
    approved = b.earn(here["id"], 60)["id"]
    pending = b.pending(here["id"], 30)
    rejected = b.pending(here["id"], 45)
    assert reject(b, rejected, "没有到场").status_code == 200
    far_pending = b.pending(there["id"], 90, office_id=d.other_office_id)
    far_approved = b.earn(there["id"], 120, office_id=d.other_office_id)["id"]

    def ids(**params: str) -> set[str]:
        return {row["id"] for row in b.records(**params)}

    everything = {approved, pending, rejected, far_pending, far_approved}
    assert ids() == everything
    assert ids(office_id=d.bank_id) == everything
    assert ids(office_id=d.branch_id) == {approved, pending, rejected}
    assert ids(office_id=d.office_id) == {approved, pending, rejected}
    assert ids(office_id=d.other_office_id) == {far_pending, far_approved}
    assert ids(status="pending") == {pending, far_pending}
    assert ids(status="approved") == {approved, far_approved}
    assert ids(status="rejected") == {rejected}
    assert ids(office_id=d.office_id, status="pending") == {pending}
    assert ids(office_id=b.other_branch_id, status="approved") == {far_approved}
    assert ids(office_id=d.other_office_id, status="rejected") == set()
    for row in b.records():
        assert {"id", "status"} <= set(row)
    rows = {row["id"]: row for row in b.records()}
    assert (rows[approved]["hours"], rows[approved]["points"]) == ("1.00", 10)
    assert (rows[far_approved]["hours"], rows[far_approved]["points"]) == ("2.00", 20)
    assert (rows[pending]["hours"], rows[pending]["points"]) == ("0.50", 0)


def test_list_is_limited_to_ones_subtree(client: TestClient) -> None:
    b = Bank(client)
    d = b.d
    here, there = b.volunteer(), b.volunteer(office_id=d.other_office_id)
    mine = b.pending(here["id"], 60)
    b.pending(there["id"], 60, office_id=d.other_office_id)
    coordinator = b.staff("coord", "coordinator", d.office_id)
    assert {r["id"] for r in b.records(coordinator)} == {mine}
    assert {r["id"] for r in b.records(coordinator, office_id=d.office_id)} == {mine}
    for office_id in (d.other_office_id, d.branch_id, d.bank_id):
        response = client.get(f"{API}/service-records", params={"office_id": office_id},
                              headers=coordinator)
        assert_error(response, 403, "forbidden")
    # A volunteer sees their own records only, whatever they ask for.
    assert {r["id"] for r in b.records(here["headers"])} == {mine}
    assert {r["id"] for r in b.records(here["headers"], office_id=d.bank_id)} == {mine}
    assert b.records(b.volunteer()["headers"]) == []


def test_approval_puts_the_points_in_the_passbook_once(client: TestClient) -> None:
    b = Bank(client)
    volunteer = b.volunteer()
    coordinator = b.staff("coord", "coordinator", b.d.office_id)
    record_id = b.pending(volunteer["id"], 100)
    response = b.approve(record_id, headers=coordinator)
    assert response.status_code == 200, response.text
    assert response.json() == {"id": record_id, "status": "approved", "hours": "1.67",
                               "points": 17}
    again = b.approve(record_id, headers=coordinator)
    assert_error(again, 409, "not_pending")
    passbook = b.passbook(volunteer["id"])
    assert passbook["balance_points"] == 17
    assert passbook["total_hours"] == "1.67"
    assert [(e["kind"], e["points"], e["hours"], e["ref"]) for e in passbook["entries"]] == [
        ("service", 17, "1.67", record_id)]
    row = b.record(record_id)
    assert (row["status"], row["points"], row["hours"]) == ("approved", 17, "1.67")


def test_approving_anothers_office_record_is_forbidden_and_changes_nothing(
    client: TestClient,
) -> None:
    b = Bank(client)
    d = b.d
    volunteer = b.volunteer()
    record_id = b.pending(volunteer["id"], 60)
    outsiders = [b.staff("far-coord", "coordinator", d.other_office_id),
                 b.staff("far-admin", "branch_admin", b.other_branch_id),
                 b.staff("treasurer", "treasurer", d.bank_id),
                 b.staff("auditor", "auditor", d.office_id),
                 volunteer["headers"]]
    for headers in outsiders:
        assert_error(b.approve(record_id, headers=headers), 403, "forbidden")
        assert_error(reject(b, record_id, "不认可", headers=headers), 403, "forbidden")
        assert_error(correct(b, record_id, "8.00", headers=headers), 403, "forbidden")
    row = b.record(record_id)
    assert (row["status"], row["hours"], row["points"]) == ("pending", "1.00", 0)
    assert b.passbook(volunteer["id"])["entries"] == []
    # The record's own coordinator can.
    coordinator = b.staff("coord", "coordinator", d.office_id)
    assert b.approve(record_id, headers=coordinator).json()["points"] == 10
    for unknown in ("00000000-0000-0000-0000-000000000000", "nope", volunteer["id"]):
        assert_error(b.approve(unknown), 404, "not_found")


def test_reject_with_a_reason(client: TestClient) -> None:
    b = Bank(client)
    volunteer = b.volunteer()
    record_id = b.pending(volunteer["id"], 90)
    assert_invalid_input(reject(b, record_id, ""), "reason")
    assert_invalid_input(
        client.post(f"{API}/service-records/{record_id}/reject", json={}, headers=b.admin),
        "reason",
    )
    assert_error(reject(b, record_id, "   "), 422, "invalid_input")
    assert b.record(record_id)["status"] == "pending"

    response = reject(b, record_id, "当天未到场")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["id"], body["status"], body.get("points", 0)) == (record_id, "rejected", 0)
    row = b.record(record_id)
    assert (row["status"], row["points"], row["reason"]) == ("rejected", 0, "当天未到场")
    assert_error(reject(b, record_id, "再拒一次"), 409, "not_pending")
    assert_error(b.approve(record_id), 409, "not_pending")
    assert_error(correct(b, record_id, "1.00"), 409, "not_approved")
    assert b.record(record_id)["reason"] == "当天未到场"
    assert b.passbook(volunteer["id"])["entries"] == []
    # An approved record cannot be rejected afterwards.
    approved = b.earn(volunteer["id"], 60)["id"]
    assert_error(reject(b, approved, "反悔"), 409, "not_pending")
    assert b.passbook(volunteer["id"])["balance_points"] == 10


def test_correction_is_a_compensating_entry(client: TestClient) -> None:
    b = Bank(client)
    volunteer = b.volunteer()
    record_id = b.earn(volunteer["id"], 150)["id"]                 # 2.50 h, 25 points

    down = correct(b, record_id, "2.25")                            # 2.25 h -> 22.5 -> 23
    assert down.status_code == 200, down.text
    body = down.json()
    assert {k: body[k] for k in ("id", "status", "hours", "points")} == {
        "id": record_id, "status": "approved", "hours": "2.25", "points": 23}
    assert body.get("points_delta", -2) == -2

    up = correct(b, record_id, 3)                                   # a number works too
    assert up.status_code == 200, up.text
    assert (up.json()["hours"], up.json()["points"]) == ("3.00", 30)

    passbook = b.passbook(volunteer["id"])
    assert [(e["kind"], e["hours"], e["points"], e["balance_after"], e["ref"])
            for e in passbook["entries"]] == [
        ("service", "2.50", 25, 25, record_id),                     # the original stays
        ("correction", "-0.25", -2, 23, record_id),
        ("correction", "0.75", 7, 30, record_id),
    ]
    assert passbook["balance_points"] == 30
    assert passbook["total_hours"] == "3.00"
    row = b.record(record_id)
    assert (row["status"], row["hours"], row["points"]) == ("approved", "3.00", 30)
    tree = b.rollup(b.d.bank_id)["totals"]
    assert (tree["approved_hours"], tree["points_earned"], tree["points_balance"]) == (
        "3.00", 30, 30)


def test_correction_keeps_the_rate_the_record_was_approved_with(client: TestClient) -> None:
    b = Bank(client)
    volunteer = b.volunteer()
    record_id = b.earn(volunteer["id"], 150)["id"]                 # 10/h: 25
    assert b.put_rules(20, {"elderly_care": "2"}).status_code == 200
    response = correct(b, record_id, "3.00")                        # still 10/h: 30
    assert response.status_code == 200, response.text
    assert (response.json()["hours"], response.json()["points"]) == ("3.00", 30)
    assert b.passbook(volunteer["id"])["balance_points"] == 30


def test_correcting_a_pending_record_changes_what_is_approved(client: TestClient) -> None:
    b = Bank(client)
    volunteer = b.volunteer()
    record_id = b.pending(volunteer["id"], 150)
    response = correct(b, record_id, "1.5")
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["hours"]) == ("pending", "1.50")
    assert response.json()["points"] == 0
    assert b.passbook(volunteer["id"])["entries"] == []
    approved = b.approve(record_id).json()
    assert (approved["hours"], approved["points"]) == ("1.50", 15)
    assert b.passbook(volunteer["id"])["total_hours"] == "1.50"


def test_bad_corrections_change_nothing(client: TestClient) -> None:
    b = Bank(client)
    volunteer = b.volunteer()
    record_id = b.earn(volunteer["id"], 60)["id"]
    for hours in ("-1", "24.5", "lots", "NaN", "Infinity"):
        assert_refused(correct(b, record_id, hours), "invalid_hours", "hours")
    assert_invalid_input(correct(b, record_id, "2.00", reason=""), "reason")
    assert_invalid_input(
        client.post(f"{API}/service-records/{record_id}/correct", json={"reason": "x"},
                    headers=b.admin),
        "hours",
    )
    assert_error(correct(b, "00000000-0000-0000-0000-000000000000", "1"), 404, "not_found")
    row = b.record(record_id)
    assert (row["hours"], row["points"]) == ("1.00", 10)
    passbook = b.passbook(volunteer["id"])
    assert [(e["kind"], e["points"]) for e in passbook["entries"]] == [("service", 10)]
    assert passbook["total_hours"] == "1.00"


def test_a_correction_cannot_take_back_points_already_given_away(client: TestClient) -> None:
    b = Bank(client)
    giver, friend = b.volunteer(), b.volunteer()
    record_id = b.earn(giver["id"], 120)["id"]                     # 20 points
    gift = b.transfer(giver["headers"], "gift", giver["passbook_no"], friend["passbook_no"], 15)
    assert gift.status_code == 201, gift.text
    response = correct(b, record_id, "0.50")                        # would take back 15 of 5
    assert_error(response, 409, "insufficient_points")
    row = b.record(record_id)
    assert (row["hours"], row["points"]) == ("2.00", 20)
    assert b.passbook(giver["id"])["balance_points"] == 5


def test_service_record_times_are_iso_8601_with_an_offset(client: TestClient) -> None:
    """Contract: times are ISO 8601 *with offset*."""
    b = Bank(client)
    volunteer = b.volunteer()
    record_id = b.earn(volunteer["id"], 60)["id"]
    row = b.record(record_id)
    for key in ("started_at", "ended_at", "entered_at", "decided_at"):
        if key not in row:
            continue
        moment = datetime.fromisoformat(row[key].replace("Z", "+00:00"))
        assert moment.utcoffset() is not None, f"{key} has no offset: {row[key]!r}"
    started = datetime.fromisoformat(row["started_at"].replace("Z", "+00:00"))
    if started.utcoffset() is not None:
        assert started == START
        assert datetime.fromisoformat(row["ended_at"].replace("Z", "+00:00")) == (
            START + timedelta(minutes=60))


def test_an_idempotency_key_on_approve_and_correct_replays_the_first_answer(
    client: TestClient,
) -> None:
    b = Bank(client)
    volunteer = b.volunteer()
    record_id = b.pending(volunteer["id"], 60)
    url = f"{API}/service-records/{record_id}"
    first = client.post(f"{url}/approve", headers={**b.admin, "Idempotency-Key": "ok-1"})
    assert first.status_code == 200, first.text
    again = client.post(f"{url}/approve", headers={**b.admin, "Idempotency-Key": "ok-1"})
    assert (again.status_code, again.json()) == (200, first.json())

    body = {"hours": "2.00", "reason": "补录"}
    fix = client.post(f"{url}/correct", json=body, headers={**b.admin, "Idempotency-Key": "fx"})
    assert fix.status_code == 200, fix.text
    replay = client.post(f"{url}/correct", json=body,
                         headers={**b.admin, "Idempotency-Key": "fx"})
    assert (replay.status_code, replay.json()) == (200, fix.json())
    reused = client.post(f"{url}/correct", json={"hours": "3.00", "reason": "补录"},
                         headers={**b.admin, "Idempotency-Key": "fx"})
    assert_error(reused, 422, "idempotency_key_reused")
    passbook = b.passbook(volunteer["id"])
    assert [(e["kind"], e["points"]) for e in passbook["entries"]] == [
        ("service", 10), ("correction", 10)]
    assert (passbook["balance_points"], passbook["total_hours"]) == (20, "2.00")
