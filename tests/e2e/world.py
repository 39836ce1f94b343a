"""A small district made through the running server's own commands: the people and things
each browser flow needs, each flow with its own volunteers so that flows do not interfere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from timebank.domain.actors import SYSTEM
from timebank.domain.values import SHANGHAI, utc_now

PIN = "738294"
STAFF_PASSWORD = "e2e-pass-2026"
COORDINATOR, TREASURER, BANK_ADMIN = "coord-e2e", "treasurer-e2e", "bank-admin-e2e"
ADMINISTRATOR, AUDITOR = "admin-e2e", "auditor-e2e"


@dataclass(frozen=True)
class Volunteer:
    id: str
    phone: str
    passbook_no: str


@dataclass
class World:
    bank_id: str
    office_id: str
    fund_id: str
    activity_id: str  # under way now: volunteers check in to it
    scan_token: str  # its printable check-in code, as /scan?t=… carries it
    kiosk_key: str
    sku: str
    scanner: Volunteer  # checks in from the scan page
    helpers: list[Volunteer]  # have service records awaiting approval
    shopper: Volunteer  # has points to spend at the kiosk
    browser_user: Volunteer  # logs in for the layout checks


def build_world(app: Any) -> World:
    bank = app.open_office(SYSTEM, "示范区公益银行", "bank", None)
    app.change_point_rules(SYSTEM, bank.id, 10, {"elderly_care": "1.5"})
    branch = app.open_office(SYSTEM, "东湖街道分行", "branch", bank.id)
    office = app.open_office(SYSTEM, "樱花社区储蓄所", "savings_office", branch.id)
    app.create_user(SYSTEM, COORDINATOR, STAFF_PASSWORD, "coordinator", office.id)
    app.create_user(SYSTEM, TREASURER, STAFF_PASSWORD, "treasurer", bank.id)
    app.create_user(SYSTEM, BANK_ADMIN, STAFF_PASSWORD, "bank_admin", bank.id)
    app.create_user(SYSTEM, ADMINISTRATOR, STAFF_PASSWORD, "admin", None)
    app.create_user(SYSTEM, AUDITOR, STAFF_PASSWORD, "auditor", bank.id)
    phones = iter(range(1, 100))

    def volunteer(name: str) -> Volunteer:
        phone = f"1390000{next(phones):04d}"
        made = app.register_volunteer(SYSTEM, name, phone, None, office.id, PIN)
        return Volunteer(str(made.id), phone, made.passbook_no)

    now = utc_now()
    ongoing = app.plan_activity(SYSTEM, office.id, "为独居老人送餐", "elderly_care",
                                now - timedelta(hours=1), now + timedelta(hours=2), "社区老年食堂")
    yesterday = (now - timedelta(days=1)).astimezone(SHANGHAI).replace(
        hour=9, minute=0, second=0, microsecond=0)
    earlier = app.plan_activity(SYSTEM, office.id, "楼道清洁日", "elderly_care", yesterday,
                                yesterday + timedelta(hours=3), "3号楼")
    helpers = [volunteer("王秀英"), volunteer("李建国")]
    for minutes, helper in zip((60, 120), helpers, strict=True):
        app.enter_service_record(SYSTEM, helper.id, earlier.id, yesterday,
                                 yesterday + timedelta(minutes=minutes), "代录")
    shopper = volunteer("张桂兰")
    record = app.enter_service_record(SYSTEM, shopper.id, earlier.id, yesterday,
                                      yesterday + timedelta(hours=2), "代录")
    app.approve_service_record(SYSTEM, record.id)  # 2 h × 10 × 1.5 = 30 points
    browser_user = volunteer("陈丽华")  # a passbook with history and records to show
    served = app.enter_service_record(SYSTEM, browser_user.id, earlier.id, yesterday,
                                      yesterday + timedelta(minutes=150), "代录")
    app.approve_service_record(SYSTEM, served.id)
    _kiosk, kiosk_key = app.register_kiosk(SYSTEM, office.id, "爱心超市一号机")
    app.list_catalog_item(SYSTEM, office.id, "rice-5kg", "大米 5 公斤", 12, 10)
    fund = app.open_fund(SYSTEM, "示范区社区基金会", "foundation", None, bank.id)
    app.receive_donation(SYSTEM, fund.id, 2_000_000, "爱心企业", "enterprise", None, False,
                         None)
    return World(
        bank_id=str(bank.id), office_id=str(office.id), fund_id=str(fund.id),
        activity_id=str(ongoing.id),
        scan_token=app.scan_token(SYSTEM, ongoing.id, "check_in"),
        kiosk_key=kiosk_key, sku="rice-5kg", scanner=volunteer("刘志强"), helpers=helpers,
        shopper=shopper, browser_user=browser_user,
    )
