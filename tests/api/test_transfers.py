"""Contract "Transfers" (转赠) and the idempotency convention for POSTs that move points."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi.testclient import TestClient

from tests.api._support import API, Bank, assert_error, assert_invalid_input, assert_refused


def balances(b: Bank, *volunteers: dict[str, Any]) -> list[int]:
    return [b.passbook(v["id"])["balance_points"] for v in volunteers]


def history(b: Bank, volunteer: dict[str, Any]) -> list[tuple[str, int, int]]:
    return [(e["kind"], e["points"], e["balance_after"])
            for e in b.passbook(volunteer["id"])["entries"]]


def two_volunteers(b: Bank, points: int = 30) -> tuple[dict[str, Any], dict[str, Any]]:
    giver = b.volunteer(name="王芳")
    receiver = b.volunteer(name="赵强")
    b.earn(giver["id"], points * 6)                                 # 10 points an hour
    return giver, receiver


def test_a_transfer_moves_points_between_passbooks(client: TestClient) -> None:
    b = Bank(client)
    giver, receiver = two_volunteers(b)
    response = b.transfer(giver["headers"], "gift-1", giver["passbook_no"],
                          receiver["passbook_no"], 12, note="生日快乐")
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) >= {"transfer_id", "balance_after"}
    assert body["balance_after"] == 18
    assert isinstance(body["transfer_id"], str) and body["transfer_id"]

    giver_book, receiver_book = b.passbook(giver["id"]), b.passbook(receiver["id"])
    assert giver_book["balance_points"] == 18
    assert receiver_book["balance_points"] == 12
    assert [(e["kind"], e["points"], e["balance_after"], e["hours"], e["ref"])
            for e in giver_book["entries"]][-1] == (
        "transfer_out", -12, 18, "0.00", body["transfer_id"])
    assert [(e["kind"], e["points"], e["balance_after"], e["hours"], e["ref"])
            for e in receiver_book["entries"]] == [
        ("transfer_in", 12, 12, "0.00", body["transfer_id"])]
    # Hours are not transferred, only points.
    assert (giver_book["total_hours"], receiver_book["total_hours"]) == ("3.00", "0.00")
    # The receiver can pass the points on with their own token.
    onward = b.transfer(receiver["headers"], "gift-1", receiver["passbook_no"],
                        giver["passbook_no"], 2)
    assert onward.status_code == 201, onward.text
    assert balances(b, giver, receiver) == [20, 10]


def test_an_idempotency_key_is_required(client: TestClient) -> None:
    b = Bank(client)
    giver, receiver = two_volunteers(b)
    for key in (None, ""):
        response = b.transfer(giver["headers"], key, giver["passbook_no"],
                              receiver["passbook_no"], 5)
        assert_error(response, 400, "idempotency_key_required")
    assert balances(b, giver, receiver) == [30, 0]
    assert history(b, receiver) == []


def test_same_key_and_body_replays_the_first_response_and_moves_points_once(
    client: TestClient,
) -> None:
    b = Bank(client)
    giver, receiver = two_volunteers(b)
    first = b.transfer(giver["headers"], "retry-me", giver["passbook_no"],
                       receiver["passbook_no"], 7)
    assert first.status_code == 201, first.text
    for _ in range(3):
        again = b.transfer(giver["headers"], "retry-me", giver["passbook_no"],
                           receiver["passbook_no"], 7)
        assert again.status_code == first.status_code
        assert again.json() == first.json()
    assert balances(b, giver, receiver) == [23, 7]
    assert history(b, giver)[1:] == [("transfer_out", -7, 23)]
    assert history(b, receiver) == [("transfer_in", 7, 7)]

    # Another key is another transfer; the first key still replays the *first* answer.
    second = b.transfer(giver["headers"], "another", giver["passbook_no"],
                        receiver["passbook_no"], 7)
    assert second.status_code == 201
    assert second.json()["balance_after"] == 16
    assert second.json()["transfer_id"] != first.json()["transfer_id"]
    replay = b.transfer(giver["headers"], "retry-me", giver["passbook_no"],
                        receiver["passbook_no"], 7)
    assert (replay.status_code, replay.json()) == (201, first.json())
    assert balances(b, giver, receiver) == [16, 14]


def test_same_key_with_another_body_is_422_and_moves_nothing(client: TestClient) -> None:
    b = Bank(client)
    giver, receiver = two_volunteers(b)
    third = b.volunteer(name="陈静")
    first = b.transfer(giver["headers"], "k", giver["passbook_no"], receiver["passbook_no"], 7)
    assert first.status_code == 201
    changed = [
        b.transfer(giver["headers"], "k", giver["passbook_no"], receiver["passbook_no"], 8),
        b.transfer(giver["headers"], "k", giver["passbook_no"], third["passbook_no"], 7),
        b.transfer(giver["headers"], "k", giver["passbook_no"], receiver["passbook_no"], 7,
                   note="另一条留言"),
    ]
    for response in changed:
        assert_error(response, 422, "idempotency_key_reused")
    assert balances(b, giver, receiver, third) == [23, 7, 0]


def test_insufficient_points_is_409_and_changes_nothing(client: TestClient) -> None:
    b = Bank(client)
    giver, receiver = two_volunteers(b, points=10)
    response = b.transfer(giver["headers"], "too-much", giver["passbook_no"],
                          receiver["passbook_no"], 11)
    assert_error(response, 409, "insufficient_points")
    assert balances(b, giver, receiver) == [10, 0]
    assert history(b, giver) == [("service", 10, 10)]
    assert history(b, receiver) == []
    tree = b.rollup(b.d.office_id)["totals"]
    assert (tree["points_balance"], tree["points_earned"]) == (10, 10)
    # A refused request did not use up its key: once there are points, it goes through.
    b.earn(giver["id"], 60)
    retry = b.transfer(giver["headers"], "too-much", giver["passbook_no"],
                       receiver["passbook_no"], 11)
    assert retry.status_code == 201, retry.text
    assert retry.json()["balance_after"] == 9
    # Exactly the whole balance may be given.
    assert b.transfer(giver["headers"], "all", giver["passbook_no"], receiver["passbook_no"],
                      9).json()["balance_after"] == 0
    assert balances(b, giver, receiver) == [0, 20]


def test_points_cannot_go_to_the_same_passbook(client: TestClient) -> None:
    b = Bank(client)
    giver, _receiver = two_volunteers(b)
    response = b.transfer(giver["headers"], "self", giver["passbook_no"],
                          giver["passbook_no"], 5)
    assert_error(response, 422, "same_passbook")
    assert history(b, giver) == [("service", 30, 30)]


def test_points_must_be_a_positive_whole_number(client: TestClient) -> None:
    b = Bank(client)
    giver, receiver = two_volunteers(b)
    for number, points in enumerate((0, -5)):
        response = b.transfer(giver["headers"], f"k{number}", giver["passbook_no"],
                              receiver["passbook_no"], points)
        assert_refused(response, "invalid_points", "points")
    for number, points in enumerate(("five", 2.5, None)):
        response = b.transfer(giver["headers"], f"j{number}", giver["passbook_no"],
                              receiver["passbook_no"], points)
        assert_invalid_input(response, "points")
    assert_invalid_input(
        b.transfer(giver["headers"], "long-note", giver["passbook_no"],
                   receiver["passbook_no"], 1, note="长" * 201),
        "note",
    )
    assert_invalid_input(
        client.post(f"{API}/transfers", json={"points": 1},
                    headers={**giver["headers"], "Idempotency-Key": "bare"}),
        "from_passbook", "to_passbook",
    )
    assert balances(b, giver, receiver) == [30, 0]


def test_unknown_passbooks_are_not_found(client: TestClient) -> None:
    b = Bank(client)
    giver, receiver = two_volunteers(b)
    no = giver["passbook_no"]
    typo = no[:-1] + str((int(no[-1]) + 1) % 10)                   # fails the check digit
    for number, (source, target) in enumerate(((no, typo), (no, "000000000000"),
                                               (no, "123"), (typo, receiver["passbook_no"]))):
        response = b.transfer(b.admin, f"unknown-{number}", source, target, 1)
        assert_error(response, 404, "not_found")
    assert balances(b, giver, receiver) == [30, 0]


def test_nobody_else_may_give_from_a_passbook(client: TestClient) -> None:
    b = Bank(client)
    d = b.d
    giver, receiver = two_volunteers(b)
    outsiders = [receiver["headers"], b.volunteer()["headers"],
                 b.staff("far-coord", "coordinator", d.other_office_id),
                 b.staff("treasurer", "treasurer", d.bank_id),
                 b.staff("auditor", "auditor", d.office_id)]
    for number, headers in enumerate(outsiders):
        response = b.transfer(headers, f"steal-{number}", giver["passbook_no"],
                              receiver["passbook_no"], 5)
        assert_error(response, 403, "forbidden")
    assert balances(b, giver, receiver) == [30, 0]
    assert b.transfer(giver["headers"], "mine", giver["passbook_no"], receiver["passbook_no"],
                      5).status_code == 201
    assert balances(b, giver, receiver) == [25, 5]


def test_idempotency_keys_belong_to_their_caller(client: TestClient) -> None:
    b = Bank(client)
    alice, bob = two_volunteers(b)
    b.earn(bob["id"], 60)
    first = b.transfer(alice["headers"], "same-key", alice["passbook_no"], bob["passbook_no"], 3)
    other = b.transfer(bob["headers"], "same-key", bob["passbook_no"], alice["passbook_no"], 4)
    assert (first.status_code, other.status_code) == (201, 201)
    assert first.json()["transfer_id"] != other.json()["transfer_id"]
    assert balances(b, alice, bob) == [31, 9]


def test_transfers_move_balances_between_offices_in_the_rollup(client: TestClient) -> None:
    b = Bank(client)
    d = b.d
    giver = b.volunteer()
    receiver = b.volunteer(office_id=d.other_office_id)
    b.earn(giver["id"], 120)
    assert b.transfer(giver["headers"], "far", giver["passbook_no"], receiver["passbook_no"],
                      15).status_code == 201
    here = b.rollup(d.office_id)["totals"]
    there = b.rollup(d.other_office_id)["totals"]
    assert (here["points_earned"], here["points_balance"]) == (20, 5)
    assert (there["points_earned"], there["points_balance"]) == (0, 15)
    assert b.rollup(d.bank_id)["totals"]["points_balance"] == 20


def test_concurrent_retries_and_spenders_never_double_spend(client: TestClient) -> None:
    b = Bank(client)
    giver, receiver = two_volunteers(b)                            # 30 points

    def send(key: str, points: int) -> Any:
        return b.transfer(giver["headers"], key, giver["passbook_no"], receiver["passbook_no"],
                          points)

    with ThreadPoolExecutor(max_workers=6) as pool:
        retries = list(pool.map(lambda _: send("one-click", 4), range(6)))
    assert {r.status_code for r in retries} == {201}, [r.text for r in retries]
    assert len({r.text for r in retries}) == 1
    assert balances(b, giver, receiver) == [26, 4]

    with ThreadPoolExecutor(max_workers=6) as pool:
        spenders = list(pool.map(lambda n: send(f"spend-{n}", 5), range(8)))
    statuses = sorted(r.status_code for r in spenders)
    assert statuses == [201] * 5 + [409] * 3, [r.text for r in spenders]
    for response in spenders:
        if response.status_code == 409:
            assert_error(response, 409, "insufficient_points")
    assert balances(b, giver, receiver) == [1, 29]
    assert sorted(r.json()["balance_after"] for r in spenders if r.status_code == 201) == [
        1, 6, 11, 16, 21]
