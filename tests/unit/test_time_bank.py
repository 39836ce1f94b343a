"""Time accounts on the in-memory store: hours stored for time-bank services under the bank's
rules (never retroactive), the storage cap, corrections, and 通存通兑's three steps."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.helpers import District
from tests.memory import memory_app
from timebank.application import TimebankApp
from timebank.domain.actors import SYSTEM, Actor
from timebank.domain.errors import DomainError
from timebank.domain.interbank import (
    DEADLINE_PASSED,
    NO_SUCH_PASSBOOK,
    POSTED,
    VOIDED,
    InterbankCredit,
    interbank_credit_id_for,
)
from timebank.domain.time_accounts import (
    HoursPool,
    TimeAccount,
    hours_pool_id_for,
    minutes_of_hours,
    time_account_id_for,
)
from timebank.domain.time_rules import TimeBankRules
from timebank.domain.values import utc_now
from timebank.interbank import CityTransfers
from timebank.partitions import DIRECTORY, Partition, Partitions


@pytest.fixture
def app() -> TimebankApp:
    return memory_app()


def account_of(app: TimebankApp, volunteer: Any) -> TimeAccount:
    return app.load(TimeAccount, time_account_id_for(volunteer.passbook_no))


def balance(app: TimebankApp, volunteer: Any) -> int:
    account_id = time_account_id_for(volunteer.passbook_no)
    return app.load(TimeAccount, account_id).balance if app.exists(account_id) else 0


def mark_time_bank(app: TimebankApp, bank: Any, **rules: Any) -> None:
    app.change_time_bank_rules(SYSTEM, bank.id, {"payers": {"elderly_care": "minted"},
                                                 **rules})


def volunteer_actor(app: TimebankApp, volunteer: Any) -> Actor:
    actor = app.actor_for_volunteer(str(volunteer.id), None)
    assert actor is not None
    return actor


def test_a_time_bank_category_stores_hours_and_earns_points_only_if_the_bank_says(
    app: TimebankApp,
) -> None:
    d = District.build(app)
    v = d.volunteer()
    before = d.earn(v, 90)  # no time-bank rules yet: points as always, no hours stored
    assert before["points"] == 15 and balance(app, v) == 0

    mark_time_bank(app, d.bank)
    stored = d.earn(v, 90)
    assert stored["points"] == 0 and stored["hours"] == "1.50"
    assert account_of(app, v).balance == 90 and account_of(app, v).stored == 90
    other = d.earn(v, 60, d.plan_activity(d.office, "culture"))  # not a time-bank service
    assert other["points"] == 10 and account_of(app, v).balance == 90

    mark_time_bank(app, d.bank, points_too=["elderly_care"])
    both = d.earn(v, 30)
    assert both["points"] == 5 and account_of(app, v).balance == 120
    # The earlier approval keeps what it recorded: a rule change is never retroactive.
    assert app.load_service_record(stored["id"]).points == 0


def test_the_storage_cap_sends_hours_above_it_to_the_pool(app: TimebankApp) -> None:
    d = District.build(app)
    v = d.volunteer()
    mark_time_bank(app, d.bank, storage_cap_hours=2)
    d.earn(v, 90)
    d.earn(v, 90)  # 3 h stored in all: 1 h above the cap
    account = account_of(app, v)
    assert (account.balance, account.stored) == (120, 180)
    pool = app.load(HoursPool, hours_pool_id_for(d.bank.id))
    assert pool.balance == 60
    d.earn(v, 45)  # everything beyond the cap goes on to the pool
    assert account_of(app, v).balance == 120
    assert app.load(HoursPool, hours_pool_id_for(d.bank.id)).balance == 105


def test_a_correction_moves_the_stored_hours_and_cannot_take_back_what_is_gone(
    app: TimebankApp,
) -> None:
    d = District.build(app)
    v = d.volunteer()
    mark_time_bank(app, d.bank)
    record = d.serve(v, 120)
    app.approve_service_record(SYSTEM, record.id)
    app.correct_service_record(SYSTEM, record.id, "1.50", "签退时间有误")
    assert account_of(app, v).balance == 90
    app.correct_service_record(SYSTEM, record.id, "2.00", "核实后恢复")
    assert account_of(app, v).balance == 120
    # Hours reserved for a transfer are not there to take back.
    other = District.build(app)
    receiver = other.volunteer()
    city = city_of(app)
    city.request(city.partitions.directory, volunteer_actor(app, v), v.passbook_no,
                 str(other.bank.id), receiver.passbook_no, 100, "", None)
    with pytest.raises(DomainError) as refused:
        app.correct_service_record(SYSTEM, record.id, "1.00", "再次更正")
    assert refused.value.code == "insufficient_hours"


def test_rules_are_checked_and_belong_to_a_bank(app: TimebankApp) -> None:
    d = District.build(app)
    for bad in ({"payers": {"meals": "someone"}}, {"points_too": ["meals"]},
                {"care_from_age": -1}, {"storage_cap_hours": 0}, {"take_area": "city"},
                {"priority": [{"min_age": 80, "rich": True}]}):
        with pytest.raises(DomainError) as refused:
            app.change_time_bank_rules(SYSTEM, d.bank.id, bad)
        assert refused.value.code == "invalid_time_rules", bad
    with pytest.raises(DomainError) as not_bank:
        app.change_time_bank_rules(SYSTEM, d.office.id, {})
    assert not_bank.value.code == "office_not_bank"
    rules = TimeBankRules.parse({"payers": {"meals": "beneficiary"}, "priority": [
        {"min_age": 80, "living_alone": True},
        {"min_age": 60, "max_age": 79, "minimum_income": True, "disabled": True}]})
    # Nanjing's priority elders (rules.md): 80+ living alone, or 60–79 poor and disabled.
    assert rules.is_priority(82, True, False, False)
    assert not rules.is_priority(82, False, False, False)
    assert rules.is_priority(65, False, True, True)
    assert not rules.is_priority(65, False, True, False)
    assert rules.care_from_age == 60 and TimeBankRules.from_record(rules.as_record()) == rules


@pytest.mark.parametrize(("text", "minutes"), [("2.50", 150), ("0.01", 1), (3, 180),
                                               ("10000", 600_000)])
def test_hours_are_read_to_the_minute(text: object, minutes: int) -> None:
    assert minutes_of_hours(text) == minutes


@pytest.mark.parametrize("text", ["0", "-1", "abc", "NaN", "10000.01", True, "0.001"])
def test_bad_amounts_of_hours_are_refused(text: object) -> None:
    with pytest.raises(DomainError) as refused:
        minutes_of_hours(text)
    assert refused.value.code == "invalid_hours"


# -- 通存通兑: two banks in one store go through the same three steps as in two -------------
def city_of(app: TimebankApp) -> CityTransfers:
    directory = Partition(DIRECTORY, app.settings, None, app.vault, app)  # type: ignore[arg-type]
    return CityTransfers(Partitions(directory, {}))


def two_banks(app: TimebankApp) -> tuple[District, District, Any, Any]:
    east, west = District.build(app), District.build(app)
    mark_time_bank(app, east.bank)
    sender, receiver = east.volunteer(), west.volunteer(name="李四")
    east.earn(sender, 180)
    return east, west, sender, receiver


def test_an_inter_bank_transfer_reserves_then_posts_exactly_once(app: TimebankApp) -> None:
    _east, west, sender, receiver = two_banks(app)
    city = city_of(app)
    home = city.partitions.directory
    answer = city.request(home, volunteer_actor(app, sender), sender.passbook_no,
                          str(west.bank.id), receiver.passbook_no, 120, "给母亲", None)
    assert answer["status"] == "pending" and answer["hours"] == "2.00"
    held = account_of(app, sender)
    assert (held.balance, held.reserved_total) == (60, 120)
    assert balance(app, receiver) == 0

    assert city.advance(home, answer["transfer_id"]) == POSTED
    assert city.advance(home, answer["transfer_id"]) == POSTED  # a restarted driver
    assert (account_of(app, sender).balance, account_of(app, sender).reserved_total) == (60, 0)
    assert balance(app, receiver) == 120
    credit = app.load(InterbankCredit, interbank_credit_id_for(answer["transfer_id"]))
    assert credit.accepted
    # The receiving bank's decision is made once: asked again, it answers the same.
    transfer = app.load_interbank_transfer(answer["transfer_id"])
    assert app.decide_interbank_credit(transfer).id == credit.id
    assert balance(app, receiver) == 120


def test_a_refused_transfer_is_voided_and_the_hours_return(app: TimebankApp) -> None:
    east, west, sender, receiver = two_banks(app)
    city = city_of(app)
    home = city.partitions.directory
    actor = volunteer_actor(app, sender)
    # A passbook of the sending bank is not one of the receiving bank's.
    wrong = city.request(home, actor, sender.passbook_no, str(west.bank.id),
                         east.volunteer().passbook_no, 60, "", None)
    assert city.advance(home, wrong["transfer_id"]) == VOIDED
    assert app.load_interbank_transfer(wrong["transfer_id"]).reason == NO_SUCH_PASSBOOK
    assert account_of(app, sender).balance == 180

    late = city.request(home, actor, sender.passbook_no, str(west.bank.id),
                        receiver.passbook_no, 60, "", None)
    transfer = app.load_interbank_transfer(late["transfer_id"])
    decided = app.decide_interbank_credit(transfer, now=utc_now() + timedelta(days=30))
    assert not decided.accepted and decided.reason == DEADLINE_PASSED
    assert city.advance(home, late["transfer_id"]) == VOIDED
    assert account_of(app, sender).balance == 180 and balance(app, receiver) == 0


def test_only_the_owner_moves_hours_and_only_to_another_open_bank(app: TimebankApp) -> None:
    east, west, sender, receiver = two_banks(app)
    city = city_of(app)
    home = city.partitions.directory
    actor = volunteer_actor(app, sender)

    def refused(code: str, *args: Any, who: Actor = actor) -> None:
        with pytest.raises(DomainError) as caught:
            city.request(home, who, *args, None)
        assert caught.value.code == code

    refused("forbidden", sender.passbook_no, str(west.bank.id), receiver.passbook_no, 60, "",
            who=volunteer_actor(app, receiver))
    refused("same_bank", sender.passbook_no, str(east.bank.id), receiver.passbook_no, 60, "")
    refused("invalid_input", sender.passbook_no, str(west.office.id), receiver.passbook_no,
            60, "")
    refused("not_found", sender.passbook_no, "00000000-0000-0000-0000-000000000000",
            receiver.passbook_no, 60, "")
    refused("insufficient_hours", sender.passbook_no, str(west.bank.id),
            receiver.passbook_no, 181, "")
    app.close_office(SYSTEM, west.bank.id, "撤销")
    refused("office_closed", sender.passbook_no, str(west.bank.id), receiver.passbook_no, 60,
            "")
    assert account_of(app, sender).balance == 180


# -- gifts to family, donations to the pool, the yearly limit ---------------------------------
def test_gifts_to_family_and_donations_move_hours_within_the_yearly_limit(
    app: TimebankApp,
) -> None:
    d = District.build(app)
    mark_time_bank(app, d.bank, gift_limit_hours_per_year=3)
    giver, mother = d.volunteer(), d.volunteer(name="王母")
    d.earn(giver, 240)
    actor = volunteer_actor(app, giver)
    gift = app.give_hours(actor, giver.passbook_no, mother.passbook_no, 120, "parent", "", None)
    assert gift["balance_hours"] == "2.00" and gift["given_this_year_hours"] == "2.00"
    assert balance(app, mother) == 120
    donated = app.donate_hours(actor, giver.passbook_no, 60, "献给孤寡老人", None)
    assert donated["given_this_year_hours"] == "3.00"
    assert app.load(HoursPool, hours_pool_id_for(d.bank.id)).balance == 60
    # 3 hours a year, all given: one more minute is refused, and nothing moves.
    with pytest.raises(DomainError) as limit:
        app.donate_hours(actor, giver.passbook_no, 1, "", None)
    assert limit.value.code == "gift_limit_reached"
    assert balance(app, giver) == 60

    def refused(code: str, call: Any) -> None:
        with pytest.raises(DomainError) as caught:
            call()
        assert caught.value.code == code

    other_bank = District.build(app).volunteer()
    refused("office_mismatch", lambda: app.give_hours(
        actor, giver.passbook_no, other_bank.passbook_no, 1, "child", "", None))
    refused("invalid_input", lambda: app.give_hours(
        actor, giver.passbook_no, mother.passbook_no, 1, "neighbour", "", None))
    refused("forbidden", lambda: app.give_hours(
        volunteer_actor(app, mother), giver.passbook_no, mother.passbook_no, 1, "child", "",
        None))
    refused("insufficient_hours", lambda: app.give_hours(
        volunteer_actor(app, mother), mother.passbook_no, giver.passbook_no, 121, "child", "",
        None))


def test_the_bank_funds_its_pool_with_a_recorded_reason(app: TimebankApp) -> None:
    d = District.build(app)
    pool = app.fund_pool(SYSTEM, d.bank.id, 6000, "2027年度公益时间池注资", None)
    assert pool.balance == 6000
    with pytest.raises(DomainError) as not_bank:
        app.fund_pool(SYSTEM, d.office.id, 60, "注资", None)
    assert not_bank.value.code == "office_not_bank"
    coordinator = app.create_user(SYSTEM, "coord-pool", "correct-horse-1", "coordinator",
                                  d.office.id)
    with pytest.raises(DomainError) as forbidden:
        app.fund_pool(app.actor_for_user(str(coordinator.id), None), d.bank.id, 60, "注资",
                      None)
    assert forbidden.value.code == "forbidden"
