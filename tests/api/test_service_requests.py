"""Service requests over HTTP, on SQLite and PostgreSQL: the elder posts, a volunteer of the
area takes, marks it done, the elder confirms and rates it, and the hours move — for each
payer (minted, the beneficiary's stored hours, the pool), with balances computed by hand;
the lists each party sees; two volunteers taking one request at once; retried confirmations."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.api._support import API, assert_error, assert_invalid_input
from tests.helpers import HttpDistrict, next_phone
from timebank.domain.values import gb11643_check_digit

START = datetime(2026, 12, 10, 1, 0, tzinfo=UTC)


def register(d: HttpDistrict, born: str | None = None, office_id: str | None = None,
             serial: str = "123") -> dict[str, Any]:
    phone = next_phone()
    body: dict[str, Any] = {"name": "王奶奶", "phone": phone, "pin": "738294",
                            "office_id": office_id or d.office_id}
    if born:
        first17 = f"310104{born}{serial}"
        body["id_number"] = first17 + gb11643_check_digit(first17)
    response = d.client.post(f"{API}/volunteers", json=body, headers=d.admin)
    assert response.status_code == 201, response.text
    return {**response.json(), "phone": phone, "headers": d.volunteer_headers(phone)}


def hours(d: HttpDistrict, person: dict[str, Any]) -> tuple[str, str]:
    account = d.client.get(f"{API}/volunteers/{person['id']}/time-account",
                           headers=person["headers"])
    assert account.status_code == 200, account.text
    return account.json()["balance_hours"], account.json()["reserved_hours"]


def post(d: HttpDistrict, who: dict[str, Any], category: str, minutes: int, key: str,
         **extra: Any) -> Any:
    return d.client.post(f"{API}/service-requests", headers={
        **who, "Idempotency-Key": key}, json={
        "category": category, "place": "樱花小区3栋201", "notes": "腿脚不便",
        "starts_at": START.isoformat(),
        "ends_at": (START + timedelta(minutes=minutes)).isoformat(), **extra})


def step(d: HttpDistrict, who: dict[str, str], request_id: str, action: str,
         body: dict[str, Any] | None = None, key: str | None = None) -> Any:
    headers = {**who, **({"Idempotency-Key": key} if key else {})}
    if body is None and action == "take":  # the one step without a body
        return d.client.post(f"{API}/service-requests/{request_id}/take", headers=headers)
    return d.client.post(f"{API}/service-requests/{request_id}/{action}", json=body or {},
                         headers=headers)


def set_rules(d: HttpDistrict) -> None:
    rules = d.client.put(f"{API}/offices/{d.bank_id}/time-bank-rules", headers=d.admin, json={
        "payers": {"elderly_care": "minted", "meals": "minted", "cleaning": "beneficiary",
                   "bathing": "pool"},
        "priority": [{"min_age": 80, "living_alone": True}]})
    assert rules.status_code == 200, rules.text


def test_request_take_confirm_for_each_payer(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    set_rules(d)
    grandma, grandpa = register(d, "19500101"), register(d, "19400301", serial="456")
    helper = register(d)
    d.earn(grandma["id"], 300)  # 5.00 h she stored years ago

    # Minted: the bank creates the hours.
    posted = post(d, grandma["headers"], "meals", 120, "m-1")
    assert posted.status_code == 201, posted.text
    meal = posted.json()
    assert (meal["status"], meal["payer"], meal["posted_by"], meal["place"]) == (
        "posted", "minted", "self", "樱花小区3栋201")
    open_list = client.get(f"{API}/service-requests?view=open", headers=helper["headers"])
    assert [r["request_id"] for r in open_list.json()] == [meal["request_id"]]
    browsing = client.get(f"{API}/service-requests/{meal['request_id']}",
                          headers=helper["headers"]).json()
    assert browsing["place"] is None  # the place only once taken
    taken = step(d, helper["headers"], meal["request_id"], "take")
    assert taken.status_code == 200 and taken.json()["place"] == "樱花小区3栋201"
    done = step(d, helper["headers"], meal["request_id"], "done", {"hours": "1.50"})
    assert done.json()["status"] == "done"
    confirmed = step(d, grandma["headers"], meal["request_id"], "confirm",
                     {"rating": 5, "comment": "准时"}, key="c-1")
    assert confirmed.status_code == 200, confirmed.text
    assert (confirmed.json()["status"], confirmed.json()["paid_hours"]) == ("confirmed", "1.50")
    assert hours(d, helper) == ("1.50", "0.00")
    assert hours(d, grandma) == ("5.00", "0.00")

    # The beneficiary pays: 2 h held at posting, 1.25 h served, 0.75 h back.
    cleaning = post(d, grandma["headers"], "cleaning", 120, "c-post").json()
    assert cleaning["held_hours"] == "2.00"
    assert hours(d, grandma) == ("3.00", "2.00")
    step(d, helper["headers"], cleaning["request_id"], "take")
    step(d, helper["headers"], cleaning["request_id"], "done", {"hours": "1.25"})
    paid = step(d, grandma["headers"], cleaning["request_id"], "confirm", {"rating": 4},
                key="c-2")
    assert paid.json()["paid_hours"] == "1.25"
    assert hours(d, grandma) == ("3.75", "0.00")  # 5.00 - 1.25
    assert hours(d, helper) == ("2.75", "0.00")  # 1.50 + 1.25
    entries = client.get(f"{API}/volunteers/{grandma['id']}/time-account",
                         headers=grandma["headers"]).json()["entries"]
    assert [e["kind"] for e in entries] == ["service", "care_held", "care_returned",
                                            "care_paid"]

    # The pool pays for a priority elder (80+, living alone, recorded with evidence).
    refused = post(d, grandpa["headers"], "bathing", 60, "b-0")
    assert_error(refused, 409, "not_priority_elder")
    status = client.put(f"{API}/volunteers/{grandpa['id']}/elder-status", headers=d.admin,
                        json={"living_alone": True, "evidence": "社区入户核实独居"})
    assert status.status_code == 200 and status.json()["living_alone"] is True
    fund = client.post(f"{API}/offices/{d.bank_id}/hours-pool/fundings", headers=d.admin,
                       json={"hours": "10", "reason": "2026年度注资"})
    assert fund.status_code == 201, fund.text
    bath = post(d, grandpa["headers"], "bathing", 60, "b-1").json()
    step(d, helper["headers"], bath["request_id"], "take")
    step(d, helper["headers"], bath["request_id"], "done", {"hours": "1"})
    step(d, grandpa["headers"], bath["request_id"], "confirm", {"rating": 5}, key="c-3")
    pool = client.get(f"{API}/offices/{d.bank_id}/hours-pool", headers=d.admin).json()
    assert (pool["balance_hours"], pool["paid_hours"]) == ("9.00", "1.00")
    assert hours(d, helper) == ("3.75", "0.00")

    # The volunteer's record: three services confirmed, 3.75 h, rated 5, 4, 5.
    served = client.get(f"{API}/volunteers/{helper['id']}/requests-served",
                        headers=helper["headers"]).json()
    assert served == {"confirmed": 3, "hours": "3.75", "average_rating": "4.7",
                      "no_shows": 0}
    mine = client.get(f"{API}/service-requests?view=mine", headers=helper["headers"]).json()
    assert {r["status"] for r in mine} == {"confirmed"} and len(mine) == 3
    staff_list = client.get(f"{API}/service-requests?office_id={d.office_id}",
                            headers=d.admin).json()
    assert len(staff_list) == 3


def test_a_retried_confirmation_and_post_move_hours_once(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    set_rules(d)
    grandma, helper = register(d, "19500101"), register(d)
    d.earn(grandma["id"], 180)
    first = post(d, grandma["headers"], "cleaning", 60, "same")
    again = post(d, grandma["headers"], "cleaning", 60, "same")
    assert again.status_code == 201 and again.json() == first.json()
    assert hours(d, grandma) == ("2.00", "1.00")  # held once
    rid = first.json()["request_id"]
    step(d, helper["headers"], rid, "take")
    step(d, helper["headers"], rid, "done", {"hours": "1"})
    no_key = step(d, grandma["headers"], rid, "confirm", {"rating": 5})
    assert_error(no_key, 400, "idempotency_key_required")
    one = step(d, grandma["headers"], rid, "confirm", {"rating": 5}, key="k")
    two = step(d, grandma["headers"], rid, "confirm", {"rating": 5}, key="k")
    assert one.status_code == two.status_code == 200 and one.json() == two.json()
    assert hours(d, grandma) == ("2.00", "0.00") and hours(d, helper) == ("1.00", "0.00")
    late = step(d, grandma["headers"], rid, "confirm", {"rating": 5}, key="other")
    assert_error(late, 409, "request_not_in_state")


def test_two_volunteers_take_one_request_at_once(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    set_rules(d)
    grandma = register(d, "19500101")
    takers = [register(d) for _ in range(4)]
    rid = post(d, grandma["headers"], "meals", 60, "race").json()["request_id"]
    barrier = threading.Barrier(len(takers))
    answers: list[Any] = []

    def take(who: dict[str, Any]) -> None:
        barrier.wait()
        answers.append(step(d, who["headers"], rid, "take"))

    threads = [threading.Thread(target=take, args=(who,)) for who in takers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409]
    for answer in answers:
        if answer.status_code == 409:
            assert_error(answer, 409, "request_taken")
    winner = next(a.json()["volunteer_id"] for a in answers if a.status_code == 200)
    shown = client.get(f"{API}/service-requests/{rid}", headers=grandma["headers"]).json()
    assert shown["volunteer_id"] == winner and shown["status"] == "taken"


def test_who_may_do_what(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    set_rules(d)
    grandma, helper = register(d, "19500101"), register(d)
    far = register(d, office_id=d.other_office_id)
    stranger = register(d)
    rid = post(d, grandma["headers"], "meals", 60, "w-1").json()["request_id"]
    assert_error(step(d, far["headers"], rid, "take"), 403, "outside_take_area")
    assert_error(client.get(f"{API}/service-requests/{rid}", headers=far["headers"]),
                 404, "not_found")
    assert client.get(f"{API}/service-requests?view=open",
                      headers=far["headers"]).json() == []
    step(d, helper["headers"], rid, "take")
    assert_error(step(d, stranger["headers"], rid, "done", {"hours": "1"}), 403, "forbidden")
    assert_invalid_input(step(d, helper["headers"], rid, "done", {"hours": "3"}), "hours")
    step(d, helper["headers"], rid, "done", {"hours": "1"})
    assert_error(step(d, stranger["headers"], rid, "confirm", {"rating": 5}, key="x"), 403,
                 "forbidden")
    assert_error(client.get(f"{API}/service-requests/{rid}", headers=stranger["headers"]),
                 404, "not_found")
    # A coordinator of another branch neither reads nor confirms it.
    other = d.user("coord-west", "coordinator", d.other_office_id)
    assert_error(client.get(f"{API}/service-requests/{rid}", headers=other), 403, "forbidden")
    coordinator = d.user("coord-east", "coordinator", d.office_id)
    on_behalf = step(d, coordinator, rid, "confirm", {"rating": 3, "comment": "电话回访"},
                     key="y")
    assert on_behalf.status_code == 200 and on_behalf.json()["status"] == "confirmed"

    # Staff post for an elder without a phone (代办) and dispatch it (派单) anywhere in the bank.
    staff_post = post(d, coordinator, "meals", 60, "s-1",
                      beneficiary_passbook=grandma["passbook_no"])
    assert staff_post.status_code == 201 and staff_post.json()["posted_by"] == "staff"
    sid = staff_post.json()["request_id"]
    dispatched = step(d, coordinator, sid, "dispatch", {"volunteer_id": far["id"]})
    assert dispatched.json()["dispatched"] is True
    # The volunteer does not come: a no-show on their record.
    assert step(d, grandma["headers"], sid, "no-show", {"reason": "未到"}).json()[
        "status"] == "no_show"
    served = client.get(f"{API}/volunteers/{far['id']}/requests-served",
                        headers=far["headers"]).json()
    assert served["no_shows"] == 1 and served["confirmed"] == 0


def test_give_back_cancel_dispute_and_resolve(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    set_rules(d)
    grandma, helper, other = register(d, "19500101"), register(d), register(d)
    d.earn(grandma["id"], 240)
    rid = post(d, grandma["headers"], "cleaning", 120, "g-1").json()["request_id"]
    step(d, helper["headers"], rid, "take")
    back = step(d, helper["headers"], rid, "give-back", {"reason": "临时有事"})
    assert back.json()["status"] == "posted" and back.json()["volunteer_id"] is None
    step(d, other["headers"], rid, "take")
    step(d, other["headers"], rid, "done", {"hours": "2"})
    disputed = step(d, grandma["headers"], rid, "dispute", {"reason": "只做了一小时"})
    assert disputed.json()["status"] == "disputed"
    assert hours(d, grandma) == ("2.00", "2.00")  # still held while staff decide
    coordinator = d.user("coord-r", "coordinator", d.office_id)
    assert_error(step(d, coordinator, rid, "resolve", {"hours": "1", "reason": "回访"},
                      key="r-0"), 403, "forbidden")
    branch_admin = d.user("branch-r", "branch_admin", d.branch_id)
    resolved = step(d, branch_admin, rid, "resolve",
                    {"hours": "1", "reason": "回访核实：服务一小时"}, key="r-1")
    assert resolved.status_code == 200, resolved.text
    assert (resolved.json()["status"], resolved.json()["paid_hours"]) == ("confirmed", "1.00")
    assert hours(d, grandma) == ("3.00", "0.00") and hours(d, other) == ("1.00", "0.00")

    cancelled = post(d, grandma["headers"], "cleaning", 60, "g-2").json()["request_id"]
    assert hours(d, grandma) == ("2.00", "1.00")
    answer = step(d, grandma["headers"], cancelled, "cancel", {"reason": "家人回来了"})
    assert answer.json()["status"] == "cancelled"
    assert hours(d, grandma) == ("3.00", "0.00")
    assert_error(step(d, grandma["headers"], cancelled, "cancel", {}), 409,
                 "request_not_in_state")


def test_a_group_account_over_http(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    set_rules(d)
    opened = client.post(f"{API}/offices/{d.office_id}/group-accounts", headers=d.admin,
                         json={"name": "蓝天公司志愿队"})
    assert opened.status_code == 201, opened.text
    group = opened.json()
    assert group["number"].startswith("G") and group["balance_hours"] == "0.00"
    served = client.post(f"{API}/group-accounts/{group['account_id']}/services",
                         headers={**d.admin, "Idempotency-Key": "gs-1"},
                         json={"activity_id": d.activity_id, "hours": "10", "note": "12人"})
    assert served.status_code == 201 and served.json()["balance_hours"] == "10.00"
    donated = client.post(f"{API}/group-accounts/{group['account_id']}/donations",
                          headers={**d.admin, "Idempotency-Key": "gd-1"},
                          json={"hours": "7.5", "note": "捐赠公益池"})
    assert donated.status_code == 201, donated.text
    assert (donated.json()["balance_hours"], donated.json()["given_this_year_hours"]) == (
        "2.50", "7.50")
    shown = client.get(f"{API}/group-accounts/{group['account_id']}", headers=d.admin).json()
    assert [e["kind"] for e in shown["entries"]] == ["service", "donation"]
    pool = client.get(f"{API}/offices/{d.bank_id}/hours-pool", headers=d.admin).json()
    assert (pool["balance_hours"], pool["donated_hours"]) == ("7.50", "7.50")
    refused = client.post(f"{API}/group-accounts/{group['account_id']}/donations",
                          headers={**d.admin, "Idempotency-Key": "gd-2"},
                          json={"hours": "3"})
    assert_error(refused, 409, "insufficient_hours")


def test_the_pool_grants_hours_to_a_priority_elder_who_then_pays_with_them(
    client: TestClient,
) -> None:
    d = HttpDistrict.build(client)
    set_rules(d)
    old, younger, helper = (register(d, "19400301"), register(d, "19500101", serial="456"),
                            register(d))
    client.post(f"{API}/offices/{d.bank_id}/hours-pool/fundings", headers=d.admin,
                json={"hours": "10", "reason": "年度注资"})
    for person in (old, younger):
        client.put(f"{API}/volunteers/{person['id']}/elder-status", headers=d.admin,
                   json={"living_alone": True, "evidence": "入户核实独居"})
    grant = {"passbook": old["passbook_no"], "hours": "3", "reason": "高龄独居老人年度发放"}
    coordinator = d.user("coord-grant", "coordinator", d.office_id)
    assert_error(client.post(f"{API}/hours-pool-grants", json=grant, headers={
        **coordinator, "Idempotency-Key": "pg-0"}), 403, "forbidden")
    granted = client.post(f"{API}/hours-pool-grants", json=grant,
                          headers={**d.admin, "Idempotency-Key": "pg-1"})
    assert granted.status_code == 201, granted.text
    assert granted.json() == {"passbook_no": old["passbook_no"], "hours": "3.00",
                              "balance_hours": "3.00", "pool_balance_hours": "7.00"}
    again = client.post(f"{API}/hours-pool-grants", json=grant,
                        headers={**d.admin, "Idempotency-Key": "pg-1"})
    assert again.json() == granted.json()  # granted once
    assert_error(client.post(f"{API}/hours-pool-grants", headers={
        **d.admin, "Idempotency-Key": "pg-2"}, json={**grant, "passbook":
                                                     younger["passbook_no"]}),
                 409, "not_priority_elder")  # 76: the rule says 80
    # Her granted hours pay for care she asks for: 1 h cleaning, zero-sum.
    rid = post(d, old["headers"], "cleaning", 60, "pg-req").json()["request_id"]
    step(d, helper["headers"], rid, "take")
    step(d, helper["headers"], rid, "done", {"hours": "1"})
    step(d, old["headers"], rid, "confirm", {"rating": 5}, key="pg-c")
    assert hours(d, old) == ("2.00", "0.00") and hours(d, helper) == ("1.00", "0.00")
    pool = client.get(f"{API}/offices/{d.bank_id}/hours-pool", headers=d.admin).json()
    assert (pool["balance_hours"], pool["granted_hours"]) == ("7.00", "3.00")
