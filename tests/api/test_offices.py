"""Contract "Offices (the three tiers)": tier rules, who may open what, rollups, point rules."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.api._support import (
    API,
    Bank,
    assert_error,
    assert_invalid_input,
    assert_refused,
    day,
    shanghai_today,
)
from timebank.domain.values import SHANGHAI


def open_office(client: TestClient, headers: dict[str, str], name: str, kind: str,
                parent_id: str | None) -> Any:
    return client.post(f"{API}/offices", json={"name": name, "kind": kind,
                                               "parent_id": parent_id}, headers=headers)


def test_three_tiers_open_with_the_contract_body(client: TestClient) -> None:
    b = Bank(client)
    bank = open_office(client, b.admin, "滨江区公益银行", "bank", None)
    assert bank.status_code == 201, bank.text
    bank_body = bank.json()
    assert {k: bank_body[k] for k in ("name", "kind", "parent_id")} == {
        "name": "滨江区公益银行", "kind": "bank", "parent_id": None}
    branch = open_office(client, b.admin, "长河街道分行", "branch", bank_body["id"])
    assert branch.status_code == 201, branch.text
    assert {k: branch.json()[k] for k in ("name", "kind", "parent_id")} == {
        "name": "长河街道分行", "kind": "branch", "parent_id": bank_body["id"]}
    office = open_office(client, b.admin, "江南社区储蓄所", "savings_office", branch.json()["id"])
    assert office.status_code == 201, office.text
    assert {k: office.json()[k] for k in ("name", "kind", "parent_id")} == {
        "name": "江南社区储蓄所", "kind": "savings_office", "parent_id": branch.json()["id"]}
    ids = {bank_body["id"], branch.json()["id"], office.json()["id"]}
    assert len(ids) == 3 and all(isinstance(i, str) and i for i in ids)
    # A bank without a parent may also be sent without the parent_id key at all.
    bare = client.post(f"{API}/offices", json={"name": "第三总行", "kind": "bank"},
                       headers=b.admin)
    assert bare.status_code == 201, bare.text
    assert bare.json()["parent_id"] is None

    tree = b.rollup(bank_body["id"])
    assert tree["kind"] == "bank"
    (branch_node,) = tree["children"]
    assert (branch_node["office_id"], branch_node["kind"]) == (branch.json()["id"], "branch")
    (office_node,) = branch_node["children"]
    assert (office_node["office_id"], office_node["kind"]) == (office.json()["id"],
                                                               "savings_office")


def test_any_other_parent_is_invalid_parent_and_opens_nothing(client: TestClient) -> None:
    b = Bank(client)
    d = b.d
    wrong = [
        ("bank", d.bank_id),              # a bank has no parent
        ("bank", d.branch_id),
        ("branch", None),                  # a branch's parent is a bank
        ("branch", d.branch_id),
        ("branch", d.office_id),
        ("savings_office", None),          # a savings office's parent is a branch
        ("savings_office", d.bank_id),
        ("savings_office", d.office_id),
        ("branch", "00000000-0000-0000-0000-000000000000"),  # no such office
        ("savings_office", "not-an-id"),
        ("branch", d.volunteer()["id"]),   # an id, but not an office's
    ]
    for kind, parent_id in wrong:
        response = open_office(client, b.admin, "错误机构", kind, parent_id)
        assert response.status_code == 422, (kind, parent_id, response.text)
        assert_error(response, 422, "invalid_parent")

    tree = b.rollup(d.bank_id)
    assert sorted(len(branch["children"]) for branch in tree["children"]) == [1, 1]
    assert len(tree["children"]) == 2
    assert all(node["children"] == [] for branch in tree["children"]
               for node in branch["children"])


def test_office_body_is_validated(client: TestClient) -> None:
    b = Bank(client)
    assert_invalid_input(open_office(client, b.admin, "x" * 101, "bank", None), "name")
    assert_invalid_input(
        client.post(f"{API}/offices", json={"kind": "bank", "parent_id": None}, headers=b.admin),
        "name",
    )
    assert_error(open_office(client, b.admin, "城堡", "castle", None), 422, "invalid_input")


def test_who_may_open_which_office(client: TestClient) -> None:
    b = Bank(client)
    d = b.d
    bank_admin = b.staff("bank-admin", "bank_admin", d.bank_id)
    branch_admin = b.staff("branch-admin", "branch_admin", d.branch_id)
    coordinator = b.staff("coord", "coordinator", d.office_id)
    treasurer = b.staff("treasurer", "treasurer", d.bank_id)
    other_bank = open_office(client, b.admin, "邻区公益银行", "bank", None).json()["id"]

    allowed = [
        (bank_admin, "branch", d.bank_id),
        (bank_admin, "savings_office", d.branch_id),
        (branch_admin, "savings_office", d.branch_id),
    ]
    for headers, kind, parent in allowed:
        response = open_office(client, headers, "新机构", kind, parent)
        assert response.status_code == 201, (kind, response.text)

    forbidden = [
        (bank_admin, "bank", None),                         # only system admins open banks
        (bank_admin, "branch", other_bank),                 # another bank's tree
        (branch_admin, "branch", d.bank_id),                # a branch admin opens offices only
        (branch_admin, "savings_office", b.other_branch_id),  # outside their branch
        (coordinator, "savings_office", d.branch_id),
        (coordinator, "bank", None),
        (treasurer, "branch", d.bank_id),
    ]
    for headers, kind, parent in forbidden:
        response = open_office(client, headers, "越权机构", kind, parent)
        assert_error(response, 403, "forbidden")

    tree = b.rollup(d.bank_id)
    # 2 branches + 1 opened by the bank admin; the first branch has 1 + 2 new offices.
    assert len(tree["children"]) == 3
    first = next(c for c in tree["children"] if c["office_id"] == d.branch_id)
    assert len(first["children"]) == 3
    other = next(c for c in tree["children"] if c["office_id"] == b.other_branch_id)
    assert len(other["children"]) == 1
    assert b.rollup(other_bank)["children"] == []


# -- rollups ---------------------------------------------------------------------------------

TOTAL_KEYS = {"volunteers", "approved_hours", "points_earned", "points_redeemed",
              "points_balance"}


def check_shape_and_sums(node: dict[str, Any]) -> None:
    """Every node has the contract's shape and its totals are the sum of its subtree."""
    assert {"office_id", "kind", "totals", "children"} <= set(node)
    assert set(node["totals"]) >= TOTAL_KEYS
    assert isinstance(node["totals"]["approved_hours"], str)
    for child in node["children"]:
        check_shape_and_sums(child)
    if node["kind"] == "savings_office":
        assert node["children"] == []
        return
    for key in TOTAL_KEYS - {"approved_hours"}:
        assert node["totals"][key] == sum(c["totals"][key] for c in node["children"]), key
    minutes = sum(round(float(c["totals"]["approved_hours"]) * 60) for c in node["children"])
    assert node["totals"]["approved_hours"] == f"{minutes / 60:.2f}"


def totals(node: dict[str, Any]) -> dict[str, Any]:
    return {k: node["totals"][k] for k in TOTAL_KEYS}


def find(node: dict[str, Any], office_id: str) -> dict[str, Any]:
    if node["office_id"] == office_id:
        return node
    for child in node["children"]:
        try:
            return find(child, office_id)
        except LookupError:
            continue
    raise LookupError(office_id)


def today_activity(b: Bank, office_id: str) -> tuple[str, datetime]:
    """An activity happening now, so service date and approval date are (nearly) the same."""
    now = datetime.now(SHANGHAI).replace(microsecond=0)
    response = b.client.post(
        f"{API}/activities",
        json={"office_id": office_id, "title": "社区清扫", "category": "cleaning",
              "starts_at": (now - timedelta(hours=3)).isoformat(),
              "ends_at": (now + timedelta(hours=1)).isoformat(), "location": "小区广场"},
        headers=b.admin,
    )
    assert response.status_code == 201, response.text
    return response.json()["id"], now - timedelta(hours=2)


def test_rollup_totals_sum_over_the_subtree(client: TestClient) -> None:
    b = Bank(client)
    d = b.d
    first_day = shanghai_today()
    here, start = today_activity(b, d.office_id)
    there, _ = today_activity(b, d.other_office_id)
    alice, bob = b.volunteer(name="王芳"), b.volunteer(name="赵强")
    carol = b.volunteer(office_id=d.other_office_id, name="陈静")
    b.volunteer(office_id=d.other_office_id, name="刘洋")  # registered, never served

    for volunteer, minutes, activity in ((alice, 90, here), (bob, 45, here),
                                         (carol, 120, there)):
        response = b.enter(volunteer["id"], minutes, activity, start=start)
        assert response.status_code == 201, response.text
        assert b.approve(response.json()["id"]).status_code == 200
    # A pending and a rejected record count for nothing.
    b.pending(alice["id"], 600)
    rejected = b.pending(bob["id"], 600)
    reject = client.post(f"{API}/service-records/{rejected}/reject", json={"reason": "重复"},
                         headers=b.admin)
    assert reject.status_code == 200, reject.text
    # alice 15, bob 8 (7.5 rounds half up), carol 20 points; alice gives 5 to carol.
    give = b.transfer(alice["headers"], "gift-1", alice["passbook_no"], carol["passbook_no"], 5)
    assert give.status_code == 201, give.text
    last_day = shanghai_today()

    tree = b.rollup(d.bank_id)
    check_shape_and_sums(tree)
    assert (tree["office_id"], tree["kind"]) == (d.bank_id, "bank")
    assert totals(tree) == {"volunteers": 4, "approved_hours": "4.25", "points_earned": 43,
                            "points_redeemed": 0, "points_balance": 43}
    assert totals(find(tree, d.office_id)) == {
        "volunteers": 2, "approved_hours": "2.25", "points_earned": 23, "points_redeemed": 0,
        "points_balance": 18}
    assert totals(find(tree, d.other_office_id)) == {
        "volunteers": 2, "approved_hours": "2.00", "points_earned": 20, "points_redeemed": 0,
        "points_balance": 25}
    assert totals(find(tree, d.branch_id)) == totals(find(tree, d.office_id))
    assert {c["office_id"] for c in tree["children"]} == {d.branch_id, b.other_branch_id}

    # The balances are the passbooks' balances.
    balances = sum(b.passbook(v["id"])["balance_points"] for v in (alice, bob, carol))
    assert balances == tree["totals"]["points_balance"]

    # Asking a lower office gives that subtree only, in the same shape.
    branch = b.rollup(d.branch_id)
    check_shape_and_sums(branch)
    assert branch["office_id"] == d.branch_id and branch["kind"] == "branch"
    assert [c["office_id"] for c in branch["children"]] == [d.office_id]
    assert totals(branch) == totals(find(tree, d.branch_id))
    office = b.rollup(d.office_id)
    assert office["children"] == [] and office["kind"] == "savings_office"
    assert totals(office) == totals(find(tree, d.office_id))

    # -- from/to --------------------------------------------------------------------------
    everything = totals(tree)
    window = b.rollup(d.bank_id, date_from=day(first_day, -1), date_to=day(last_day))
    check_shape_and_sums(window)
    assert totals(window) == everything
    before = b.rollup(d.bank_id, date_to=day(first_day, -2))
    check_shape_and_sums(before)
    assert totals(before) == {"volunteers": 0, "approved_hours": "0.00", "points_earned": 0,
                              "points_redeemed": 0, "points_balance": 0}
    after = b.rollup(d.bank_id, date_from=day(last_day, 1))
    check_shape_and_sums(after)
    assert after["totals"]["approved_hours"] == "0.00"
    assert after["totals"]["points_earned"] == 0
    assert after["totals"]["points_redeemed"] == 0
    later = b.rollup(d.bank_id, date_from=day(last_day, 1), date_to=day(last_day, 30))
    assert later["totals"]["approved_hours"] == "0.00"
    assert later["totals"]["points_earned"] == 0


def test_rollup_rejects_bad_dates(client: TestClient) -> None:
    b = Bank(client)
    today = shanghai_today()
    response = client.get(f"{API}/offices/{b.d.bank_id}/rollup",
                          params={"from": day(today), "to": day(today, -1)}, headers=b.admin)
    assert_refused(response, "invalid_time_range", "from", "to")
    assert_invalid_input(
        client.get(f"{API}/offices/{b.d.bank_id}/rollup", params={"to": "yesterday"},
                   headers=b.admin),
        "to",
    )
    assert_error(client.get(f"{API}/offices/00000000-0000-0000-0000-000000000000/rollup",
                            headers=b.admin), 404, "not_found")


def test_rollup_is_limited_to_ones_subtree(client: TestClient) -> None:
    b = Bank(client)
    d = b.d
    coordinator = b.staff("coord", "coordinator", d.office_id)
    branch_admin = b.staff("branch-admin", "branch_admin", d.branch_id)
    auditor = b.staff("auditor", "auditor", d.bank_id)
    treasurer = b.staff("treasurer", "treasurer", d.branch_id)

    assert b.rollup(d.office_id, headers=coordinator)["office_id"] == d.office_id
    assert b.rollup(d.office_id, headers=branch_admin)["office_id"] == d.office_id
    assert b.rollup(d.branch_id, headers=branch_admin)["office_id"] == d.branch_id
    assert b.rollup(d.bank_id, headers=auditor)["office_id"] == d.bank_id
    assert b.rollup(d.branch_id, headers=treasurer)["office_id"] == d.branch_id

    for headers, office_id in ((coordinator, d.branch_id), (coordinator, d.bank_id),
                               (coordinator, d.other_office_id), (branch_admin, d.bank_id),
                               (branch_admin, d.other_office_id), (treasurer, d.bank_id)):
        response = client.get(f"{API}/offices/{office_id}/rollup", headers=headers)
        assert_error(response, 403, "forbidden")


# -- point rules -----------------------------------------------------------------------------

def test_point_rules_apply_to_hours_approved_afterwards_only(client: TestClient) -> None:
    b = Bank(client)
    volunteer = b.volunteer()
    before = b.earn(volunteer["id"], 150)                   # 10 points an hour: 25
    assert before == {"id": before["id"], "status": "approved", "hours": "2.50", "points": 25}
    entered_before_change = b.pending(volunteer["id"], 150)

    response = b.put_rules(20, {"elderly_care": "1.5"})
    assert response.status_code == 200, response.text

    care = b.approve(entered_before_change)                  # approved after: 2.5 * 20 * 1.5
    assert care.status_code == 200, care.text
    assert (care.json()["hours"], care.json()["points"]) == ("2.50", 75)
    other = b.earn(volunteer["id"], 150, category="tutoring")           # no multiplier: 2.5 * 20
    assert (other["hours"], other["points"]) == ("2.50", 50)
    rounding = b.earn(volunteer["id"], 7, category="tutoring")          # 7/60 * 20 = 2.33 -> 2
    assert (rounding["hours"], rounding["points"]) == ("0.12", 2)

    # The first approval kept its points (not retroactive), in the list and in the passbook.
    assert b.record(before["id"])["points"] == 25
    passbook = b.passbook(volunteer["id"])
    assert [(e["kind"], e["points"], e["ref"]) for e in passbook["entries"]] == [
        ("service", 25, before["id"]), ("service", 75, entered_before_change),
        ("service", 50, other["id"]), ("service", 2, rounding["id"]),
    ]
    assert passbook["balance_points"] == 152

    # Rules change again: multipliers may be numbers too, and a category can be dropped.
    assert b.put_rules(12, {"tutoring": 2}).status_code == 200
    assert b.earn(volunteer["id"], 60)["points"] == 12
    assert b.earn(volunteer["id"], 60, category="tutoring")["points"] == 24
    assert b.passbook(volunteer["id"])["balance_points"] == 188


def test_point_rules_belong_to_one_bank(client: TestClient) -> None:
    b = Bank(client)
    other_bank = open_office(client, b.admin, "邻区公益银行", "bank", None).json()["id"]
    other_branch = open_office(client, b.admin, "邻区分行", "branch", other_bank).json()["id"]
    other_office = open_office(client, b.admin, "邻区储蓄所", "savings_office",
                               other_branch).json()["id"]
    assert b.put_rules(30, bank_id=other_bank).status_code == 200
    here, there = b.volunteer(), b.volunteer(office_id=other_office)
    assert b.earn(here["id"], 60)["points"] == 10
    assert b.earn(there["id"], 60, office_id=other_office)["points"] == 30


def test_bad_point_rules_change_nothing(client: TestClient) -> None:
    b = Bank(client)
    d = b.d
    volunteer = b.volunteer()
    for response in (b.put_rules(0), b.put_rules(-5)):
        assert_refused(response, "invalid_point_rules", "points_per_hour", "point_rules")
    for multiplier in ("-1", "0", "lots", "11"):
        assert_refused(b.put_rules(20, {"elderly_care": multiplier}), "invalid_point_rules",
                       "category_multipliers", "point_rules")
    for not_a_bank in (d.branch_id, d.office_id):
        assert_error(b.put_rules(20, bank_id=not_a_bank), 422, "office_not_bank")
    assert_invalid_input(b.put_rules("twenty"), "points_per_hour")
    assert_invalid_input(b.put_rules(2.5), "points_per_hour")
    assert_invalid_input(
        client.put(f"{API}/offices/{d.bank_id}/point-rules", json={}, headers=b.admin),
        "points_per_hour",
    )
    # Still the default rules: 10 points an hour, no multiplier.
    assert b.earn(volunteer["id"], 60)["points"] == 10


def test_only_the_banks_admins_set_its_point_rules(client: TestClient) -> None:
    b = Bank(client)
    d = b.d
    volunteer = b.volunteer()
    other_bank = open_office(client, b.admin, "邻区公益银行", "bank", None).json()["id"]
    bank_admin = b.staff("bank-admin", "bank_admin", d.bank_id)
    for username, role, office in (("branch-admin", "branch_admin", d.branch_id),
                                   ("coord", "coordinator", d.office_id),
                                   ("treasurer", "treasurer", d.bank_id),
                                   ("auditor", "auditor", d.bank_id)):
        assert_error(b.put_rules(50, headers=b.staff(username, role, office)), 403, "forbidden")
    assert_error(b.put_rules(50, bank_id=other_bank, headers=bank_admin), 403, "forbidden")
    assert b.earn(volunteer["id"], 60)["points"] == 10

    assert b.put_rules(40, headers=bank_admin).status_code == 200
    assert b.earn(volunteer["id"], 60)["points"] == 40
