"""Service requests on the in-memory store: posted → taken → done → confirmed, for each payer
(minted, the beneficiary's or a family member's stored hours, the pool), with balances
computed by hand; cancellation, no-show and disputes return what a request held; who may do
what; retries that move no hour twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.helpers import District, next_phone
from tests.memory import memory_app
from timebank.application import TimebankApp
from timebank.application.idempotency import Idempotency
from timebank.domain.actors import SYSTEM, Actor
from timebank.domain.errors import DomainError
from timebank.domain.service_requests import ServiceRequest
from timebank.domain.time_accounts import (
    HoursPool,
    TimeAccount,
    hours_pool_id_for,
    time_account_id_for,
)
from timebank.domain.values import gb11643_check_digit

START = datetime(2026, 12, 10, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def id_number(birth: str, serial: str = "123") -> str:
    body = f"310104{birth}{serial}"
    return body + gb11643_check_digit(body)


def elder(d: District, born: str = "19500101", office: Any = None) -> Any:
    return d.app.register_volunteer(SYSTEM, "王奶奶", next_phone(), id_number(born),
                                    (office or d.office).id, "738294")


def as_volunteer(app: TimebankApp, volunteer: Any) -> Actor:
    actor = app.actor_for_volunteer(str(volunteer.id), None)
    assert actor is not None
    return actor


def balance(app: TimebankApp, volunteer: Any) -> int:
    account_id = time_account_id_for(volunteer.passbook_no)
    return app.load(TimeAccount, account_id).balance if app.exists(account_id) else 0


def pool_balance(app: TimebankApp, d: District) -> int:
    pool_id = hours_pool_id_for(d.bank.id)
    return app.load(HoursPool, pool_id).balance if app.exists(pool_id) else 0


def key(name: str) -> Idempotency:
    return Idempotency(scope="test", key=name, fingerprint=name)


@pytest.fixture
def app() -> TimebankApp:
    return memory_app()


@pytest.fixture
def d(app: TimebankApp) -> District:
    d = District.build(app)
    app.change_time_bank_rules(SYSTEM, d.bank.id, {
        "payers": {"elderly_care": "minted", "meals": "minted", "cleaning": "beneficiary",
                   "bathing": "pool"},
        "priority": [{"min_age": 80, "living_alone": True}]})
    return d


def post(app: TimebankApp, actor: Actor, category: str, minutes: int = 120,
         beneficiary: Any = None, relation: str = "", idem: str | None = None
         ) -> dict[str, Any]:
    return app.post_request(actor, beneficiary.passbook_no if beneficiary else None, category,
                            "樱花小区3栋201", "需要助行器", START,
                            START + timedelta(minutes=minutes), relation,
                            key(idem) if idem else None)


def serve(app: TimebankApp, volunteer: Any, request_id: str, minutes: int) -> None:
    app.take_request(as_volunteer(app, volunteer), request_id)
    app.mark_request_done(as_volunteer(app, volunteer), request_id, minutes, "已送达")


def test_a_minted_request_goes_posted_taken_done_confirmed(app: TimebankApp,
                                                           d: District) -> None:
    grandma, helper = elder(d), d.volunteer()
    posted = post(app, as_volunteer(app, grandma), "meals")
    assert posted["status"] == "posted" and posted["payer"] == "minted"
    assert posted["held_hours"] == "0.00" and posted["posted_by"] == "self"
    assert posted["place"] == "樱花小区3栋201"
    rid = posted["request_id"]
    taken = app.take_request(as_volunteer(app, helper), rid)
    assert taken["status"] == "taken" and taken["volunteer_id"] == str(helper.id)
    assert taken["place"] == "樱花小区3栋201"  # the volunteer who took it sees where
    app.mark_request_done(as_volunteer(app, helper), rid, 90, "")
    confirmed = app.confirm_request(as_volunteer(app, grandma), rid, 5, "很好", None)
    assert (confirmed["status"], confirmed["paid_hours"], confirmed["rating"]) == (
        "confirmed", "1.50", 5)
    assert balance(app, helper) == 90 and balance(app, grandma) == 0
    request = app.load(ServiceRequest, rid)
    events = [type(e).__name__ for e in app.repository.event_store.get(request.id)]
    assert events == ["Published", "Taken", "Done", "Confirmed"]


def test_the_beneficiary_pays_exactly_what_the_volunteer_is_credited(
    app: TimebankApp, d: District,
) -> None:
    grandma, helper = elder(d), d.volunteer()
    d.earn(grandma, 300)  # 5 h stored by her own service years ago
    rid = post(app, as_volunteer(app, grandma), "cleaning", minutes=120)["request_id"]
    assert balance(app, grandma) == 180  # the whole window held: 300 - 120
    serve(app, helper, rid, 90)
    app.confirm_request(as_volunteer(app, grandma), rid, 4, "", None)
    assert balance(app, grandma) == 210  # 300 - 90: the 30 unserved minutes came back
    assert balance(app, helper) == 90
    account = app.load(TimeAccount, time_account_id_for(grandma.passbook_no))
    assert account.reserved == {}

    # Never overdrawn: a window longer than what is stored is refused, nothing held.
    with pytest.raises(DomainError) as refused:
        post(app, as_volunteer(app, grandma), "cleaning", minutes=240)
    assert refused.value.code == "insufficient_hours"
    assert balance(app, grandma) == 210


def test_care_is_withdrawn_only_from_the_banks_age(app: TimebankApp, d: District) -> None:
    young = app.register_volunteer(SYSTEM, "李四", next_phone(), id_number("19900101"),
                                   d.office.id, "738294")
    d.earn(young, 300)
    with pytest.raises(DomainError) as refused:
        post(app, as_volunteer(app, young), "cleaning")
    assert refused.value.code == "care_age_not_reached"
    unknown = d.volunteer()  # no birth date on record: not known to be old enough
    with pytest.raises(DomainError) as also:
        post(app, as_volunteer(app, unknown), "cleaning")
    assert also.value.code == "care_age_not_reached"
    # A category the bank does not count is no time-bank service.
    with pytest.raises(DomainError) as other:
        post(app, as_volunteer(app, young), "company")
    assert other.value.code == "not_time_bank_service"


def test_a_family_member_posts_for_a_parent_and_pays_from_their_own_hours(
    app: TimebankApp, d: District,
) -> None:
    mother, daughter, helper = elder(d), d.volunteer(), d.volunteer()
    d.earn(daughter, 240)
    posted = post(app, as_volunteer(app, daughter), "cleaning", 60, beneficiary=mother,
                  relation="parent")
    assert (posted["posted_by"], posted["relation"]) == ("family", "parent")
    assert balance(app, daughter) == 180 and balance(app, mother) == 0
    rid = posted["request_id"]
    # Whoever pays does not serve it: the daughter cannot take it.
    with pytest.raises(DomainError):
        app.take_request(as_volunteer(app, daughter), rid)
    serve(app, helper, rid, 60)
    # The mother (the beneficiary) confirms; the daughter could have too.
    app.confirm_request(as_volunteer(app, mother), rid, 5, "", None)
    assert (balance(app, daughter), balance(app, helper), balance(app, mother)) == (180, 60, 0)
    with pytest.raises(DomainError) as no_relation:
        post(app, as_volunteer(app, daughter), "cleaning", 60, beneficiary=mother)
    assert no_relation.value.code == "invalid_input"


def test_the_pool_pays_for_priority_elders_only(app: TimebankApp, d: District) -> None:
    old, younger, helper = elder(d, "19400301"), elder(d, "19500101"), d.volunteer()
    app.fund_pool(SYSTEM, d.bank.id, 600, "2026年度时间池注资", None)
    with pytest.raises(DomainError) as not_recorded:
        post(app, as_volunteer(app, old), "bathing")
    assert not_recorded.value.code == "not_priority_elder"  # living alone not yet recorded
    app.record_elder_status(SYSTEM, old.id, True, False, False, "社区入户核实独居")
    app.record_elder_status(SYSTEM, younger.id, True, False, False, "社区入户核实独居")
    with pytest.raises(DomainError) as too_young:
        post(app, as_volunteer(app, younger), "bathing")
    assert too_young.value.code == "not_priority_elder"  # 76: the rule says 80
    rid = post(app, as_volunteer(app, old), "bathing", 120)["request_id"]
    assert pool_balance(app, d) == 600  # nothing held from the pool at posting
    serve(app, helper, rid, 120)
    app.confirm_request(as_volunteer(app, old), rid, 5, "", None)
    assert (pool_balance(app, d), balance(app, helper), balance(app, old)) == (480, 120, 0)


def test_over_the_cap_a_pool_paid_service_goes_back_to_the_same_pool(
    app: TimebankApp, d: District,
) -> None:
    app.change_time_bank_rules(SYSTEM, d.bank.id, {
        "payers": {"elderly_care": "minted", "bathing": "pool"}, "storage_cap_hours": 1,
        "priority": [{"min_age": 80}]})
    old, helper = elder(d, "19400301"), d.volunteer()
    app.fund_pool(SYSTEM, d.bank.id, 600, "注资", None)
    d.earn(helper, 30)
    rid = post(app, as_volunteer(app, old), "bathing", 60)["request_id"]
    serve(app, helper, rid, 60)
    app.confirm_request(as_volunteer(app, old), rid, 5, "", None)
    # 30 + 60 stored, cap 60: 30 over it go back to the pool that paid 60.
    assert balance(app, helper) == 60
    assert pool_balance(app, d) == 600 - 60 + 30


def test_two_volunteers_one_request_and_the_take_area(app: TimebankApp, d: District) -> None:
    grandma = elder(d)
    first, second = d.volunteer(), d.volunteer()
    far = d.volunteer(d.other_office)  # another branch (街道)
    rid = post(app, as_volunteer(app, grandma), "meals")["request_id"]
    with pytest.raises(DomainError) as outside:
        app.take_request(as_volunteer(app, far), rid)
    assert outside.value.code == "outside_take_area"
    with pytest.raises(DomainError) as hidden:
        app.read_request(as_volunteer(app, far), rid)
    assert hidden.value.code == "not_found"
    app.take_request(as_volunteer(app, first), rid)
    again = app.take_request(as_volunteer(app, first), rid)  # a retry: the same answer
    assert again["volunteer_id"] == str(first.id)
    with pytest.raises(DomainError) as taken:
        app.take_request(as_volunteer(app, second), rid)
    assert taken.value.code == "request_taken"
    # Given back, it is open again; the bank widens the area and the far volunteer takes it.
    app.give_back_request(as_volunteer(app, first), rid, "临时有事")
    app.change_time_bank_rules(SYSTEM, d.bank.id, {
        "payers": {"meals": "minted"}, "take_area": "bank"})
    assert app.take_request(as_volunteer(app, far), rid)["status"] == "taken"


def test_staff_post_and_dispatch_and_confirm_on_behalf(app: TimebankApp, d: District) -> None:
    grandma, helper = elder(d), d.volunteer(d.other_office)
    coordinator = app.create_user(SYSTEM, "coord-e", "correct-horse-1", "coordinator",
                                  d.office.id)
    staff = app.actor_for_user(str(coordinator.id), None)
    assert staff is not None
    posted = post(app, staff, "meals", beneficiary=grandma)
    assert posted["posted_by"] == "staff"
    rid = posted["request_id"]
    dispatched = app.dispatch_request(staff, rid, helper.id)  # 派单 reaches any branch
    assert dispatched["dispatched"] is True
    app.mark_request_done(as_volunteer(app, helper), rid, 60, "")
    # Someone unrelated cannot confirm; staff can, on the elder's behalf.
    with pytest.raises(DomainError) as refused:
        app.confirm_request(as_volunteer(app, d.volunteer()), rid, 5, "", None)
    assert refused.value.code == "forbidden"
    app.confirm_request(staff, rid, 4, "电话回访确认", None)
    confirmed = app.load(ServiceRequest, rid)
    last = list(app.repository.event_store.get(confirmed.id))[-1]
    assert isinstance(last, ServiceRequest.Confirmed) and last.on_behalf is True
    assert balance(app, helper) == 60
    # Staff of another branch may not post for her.
    other = app.create_user(SYSTEM, "coord-w", "correct-horse-1", "coordinator",
                            d.other_office.id)
    other_staff = app.actor_for_user(str(other.id), None)
    assert other_staff is not None
    with pytest.raises(DomainError) as out_of_scope:
        post(app, other_staff, "meals", beneficiary=grandma)
    assert out_of_scope.value.code == "forbidden"


def test_cancel_no_show_and_a_dispute_return_what_was_held(app: TimebankApp,
                                                           d: District) -> None:
    grandma, helper = elder(d), d.volunteer()
    d.earn(grandma, 600)
    me = as_volunteer(app, grandma)
    cancelled = post(app, me, "cleaning", 120)["request_id"]
    assert balance(app, grandma) == 480
    app.cancel_request(me, cancelled, "家人回来了")
    assert balance(app, grandma) == 600

    missed = post(app, me, "cleaning", 120)["request_id"]
    app.take_request(as_volunteer(app, helper), missed)
    app.report_no_show(me, missed, "约定时间未到")
    assert balance(app, grandma) == 600 and balance(app, helper) == 0
    assert app.load(ServiceRequest, missed).status == "no_show"

    disputed = post(app, me, "cleaning", 120)["request_id"]
    serve(app, helper, disputed, 120)
    app.dispute_request(me, disputed, "只打扫了一个小时")
    assert balance(app, grandma) == 480  # still held while staff decide
    with pytest.raises(DomainError) as coordinator_cannot:
        coordinator = app.create_user(SYSTEM, "coord-d", "correct-horse-1", "coordinator",
                                      d.office.id)
        staff = app.actor_for_user(str(coordinator.id), None)
        assert staff is not None
        app.resolve_request(staff, disputed, 60, "回访核实", None)
    assert coordinator_cannot.value.code == "forbidden"
    resolved = app.resolve_request(SYSTEM, disputed, 60, "回访核实：服务一小时", None)
    assert (resolved["status"], resolved["paid_hours"]) == ("confirmed", "1.00")
    assert (balance(app, grandma), balance(app, helper)) == (540, 60)

    dismissed = post(app, me, "cleaning", 60)["request_id"]
    serve(app, helper, dismissed, 60)
    app.dispute_request(me, dismissed, "志愿者没有来")
    assert app.resolve_request(SYSTEM, dismissed, 0, "核实未服务", None)["status"] == "dismissed"
    assert (balance(app, grandma), balance(app, helper)) == (540, 60)
    with pytest.raises(DomainError) as done_already:
        app.cancel_request(me, dismissed, "")
    assert done_already.value.code == "request_not_in_state"


def test_a_retried_confirmation_moves_the_hours_once(app: TimebankApp, d: District) -> None:
    grandma, helper = elder(d), d.volunteer()
    d.earn(grandma, 300)
    rid = post(app, as_volunteer(app, grandma), "cleaning", 60, idem="post-1")["request_id"]
    again = post(app, as_volunteer(app, grandma), "cleaning", 60, idem="post-1")
    assert again["request_id"] == rid and balance(app, grandma) == 240  # held once
    serve(app, helper, rid, 60)
    first = app.confirm_request(as_volunteer(app, grandma), rid, 5, "", key("confirm-1"))
    second = app.confirm_request(as_volunteer(app, grandma), rid, 5, "", key("confirm-1"))
    assert first == second
    assert (balance(app, grandma), balance(app, helper)) == (240, 60)


def test_a_group_earns_hours_that_can_only_be_donated(app: TimebankApp, d: District) -> None:
    group = app.open_group_account(SYSTEM, d.office.id, "蓝天公司志愿队", None)
    assert group.passbook_no.startswith("G") and len(group.passbook_no) == 12
    app.record_group_service(SYSTEM, group.id, d.activity.id, 600, "12人×50分钟", key("g1"))
    app.record_group_service(SYSTEM, group.id, d.activity.id, 600, "12人×50分钟", key("g1"))
    assert app.load_group_account(group.id).balance == 600  # a retry records it once
    culture = d.plan_activity(d.office, "culture")  # not a time-bank service of this bank
    with pytest.raises(DomainError) as not_counted:
        app.record_group_service(SYSTEM, group.id, culture.id, 60, "", None)
    assert not_counted.value.code == "not_time_bank_service"
    # Never given, reserved or spent on care: only donated, to the bank's pool.
    account = app.load_group_account(group.id)
    with pytest.raises(DomainError) as gift:
        account.debit(60, "gift_out", "x", SYSTEM.record(), year=2026)
    assert gift.value.code == "group_hours_donate_only"
    app.donate_group_hours(SYSTEM, group.id, 450, "捐给独居老人", None)
    assert app.load_group_account(group.id).balance == 150
    assert pool_balance(app, d) == 450
    with pytest.raises(DomainError) as too_much:
        app.donate_group_hours(SYSTEM, group.id, 151, "", None)
    assert too_much.value.code == "insufficient_hours"
    # Staff of another branch cannot touch it.
    other = app.create_user(SYSTEM, "coord-g", "correct-horse-1", "coordinator",
                            d.other_office.id)
    other_staff = app.actor_for_user(str(other.id), None)
    assert other_staff is not None
    with pytest.raises(DomainError) as out_of_scope:
        app.donate_group_hours(other_staff, group.id, 10, "", None)
    assert out_of_scope.value.code == "forbidden"


def test_answers_kept_for_retries_hold_the_place_sealed(app: TimebankApp, d: District) -> None:
    """An Idempotency-Key keeps the first answer in the event log; the place and notes in it
    are sealed under the beneficiary's key like the request's own, and a retry opens them."""
    grandma, helper = elder(d), d.volunteer()
    first = post(app, as_volunteer(app, grandma), "meals", idem="kept-1")
    serve(app, helper, first["request_id"], 60)
    confirmed = app.confirm_request(as_volunteer(app, grandma), first["request_id"], 5, "",
                                    key("kept-2"))
    place = "樱花小区3栋201"
    forms = (place.encode(), place.encode("unicode_escape"),
             place.encode("ascii", "backslashreplace"))
    for stored in app.recorder.select_notifications(start=1, limit=10_000):
        assert not any(form in stored.state for form in forms), stored.topic
    assert post(app, as_volunteer(app, grandma), "meals", idem="kept-1") == first
    again = app.confirm_request(as_volunteer(app, grandma), first["request_id"], 5, "",
                                key("kept-2"))
    assert again == confirmed and again["place"] == place
