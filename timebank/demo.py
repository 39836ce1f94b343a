"""A demo district, so a newcomer sees a living system at once. Made through the real commands."""

from __future__ import annotations

import random
from datetime import timedelta

from timebank.application import Idempotency, TimebankApp
from timebank.domain.actors import SYSTEM
from timebank.domain.values import SHANGHAI, gb11643_check_digit, utc_now

ADMIN_USERNAME, ADMIN_PASSWORD = "admin", "admin-demo-2026"
STAFF_PASSWORD = "demo-pass-2026"
DEMO_PIN = "738294"
DEMO_MARKER_USER = "demo-bank-admin"

BRANCHES = {
    "东湖街道分行": ["樱花社区储蓄所", "梧桐社区储蓄所"],
    "西岭街道分行": ["松林社区储蓄所", "竹园社区储蓄所"],
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["建国", "秀英", "桂兰", "志强", "丽华", "海燕",
         "晓明", "玉梅", "国平", "淑珍", "红霞", "伟"]
# The first savings office's charity shop: a kiosk and its goods, so the kiosk simulator
# works at once (sku, name, points, stock).
GOODS = [
    ("RICE-5KG", "大米 5 公斤", 12, 20),
    ("OIL-1L", "食用油 1 升", 8, 30),
    ("SOAP", "洗衣皂", 3, 50),
    ("TOWEL", "毛巾", 4, 40),
]
ACTIVITIES = [
    ("为独居老人送餐", "elderly_care", "社区老年食堂"),
    ("垃圾分类宣传", "environment", "小区广场"),
    ("儿童课后辅导", "education", "社区图书室"),
    ("楼道清洁日", "environment", "3号楼"),
]


def _synthetic_id_number(rng: random.Random) -> str:
    birth = f"{rng.randint(1945, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body = f"110105{birth}{rng.randint(100, 999)}"
    return body + gb11643_check_digit(body)


def seed_demo(app: TimebankApp, seed: int = 20260305) -> list[str] | None:
    """Create the demo district; returns what to tell the user, or None if it already exists."""
    if app.recorder.max_notification_id():
        return None  # never seed known passwords into a database that is in use
    rng = random.Random(seed)
    app.ensure_admin(ADMIN_USERNAME, ADMIN_PASSWORD)
    bank = app.open_office(SYSTEM, "示范区公益银行", "bank", None)
    app.change_point_rules(
        SYSTEM, bank.id, 10, {"elderly_care": "1.5", "education": "1.2", "environment": "1"}
    )
    app.create_user(SYSTEM, DEMO_MARKER_USER, STAFF_PASSWORD, "bank_admin", bank.id)
    app.create_user(SYSTEM, "demo-treasurer", STAFF_PASSWORD, "treasurer", bank.id)
    app.create_user(SYSTEM, "demo-auditor", STAFF_PASSWORD, "auditor", bank.id)
    lines = [
        f"administrator: {ADMIN_USERNAME} / {ADMIN_PASSWORD}",
        f"bank admin: {DEMO_MARKER_USER} / {STAFF_PASSWORD}",
        f"treasurer: demo-treasurer / {STAFF_PASSWORD}",
        f"auditor: demo-auditor / {STAFF_PASSWORD}",
        "branch admins: demo-branch-1, demo-branch-2 / " + STAFF_PASSWORD,
    ]
    volunteer_logins: list[str] = []
    phone_counter = 0
    now = utc_now()
    for branch_index, (branch_name, office_names) in enumerate(BRANCHES.items(), start=1):
        branch = app.open_office(SYSTEM, branch_name, "branch", bank.id)
        app.create_user(SYSTEM, f"demo-branch-{branch_index}", STAFF_PASSWORD, "branch_admin",
                        branch.id)
        for office_name in office_names:
            office = app.open_office(SYSTEM, office_name, "savings_office", branch.id)
            coordinator_name = f"coord-{len(volunteer_logins) // 6 + 1}"
            app.create_user(SYSTEM, coordinator_name, STAFF_PASSWORD, "coordinator", office.id)
            lines.append(f"coordinator of {office_name}: {coordinator_name} / {STAFF_PASSWORD}")
            if not volunteer_logins:  # the first office: its charity shop
                _kiosk, key = app.register_kiosk(SYSTEM, office.id, "爱心超市一号机")
                for sku, item, points, stock in GOODS:
                    app.list_catalog_item(SYSTEM, office.id, sku, item, points, stock)
                lines.append(f"kiosk of {office_name} (its API key, shown only now; "
                             f"try it at /staff/kiosk-simulator): {key}")
            volunteers = []
            for _ in range(6):
                phone_counter += 1
                phone = f"1390000{phone_counter:04d}"
                name = rng.choice(SURNAMES) + rng.choice(GIVEN)
                volunteer = app.register_volunteer(
                    SYSTEM, name, phone, _synthetic_id_number(rng), office.id, DEMO_PIN
                )
                volunteers.append(volunteer)
                volunteer_logins.append(phone)
            for days_ago, (title, category, place) in zip(
                (21, 14, 7, 2), ACTIVITIES, strict=True
            ):
                start = (now - timedelta(days=days_ago)).astimezone(SHANGHAI).replace(
                    hour=9, minute=0, second=0, microsecond=0
                )
                activity = app.plan_activity(
                    SYSTEM, office.id, title, category, start, start + timedelta(hours=3), place
                )
                for volunteer in rng.sample(volunteers, 4):
                    minutes = rng.choice((60, 90, 120, 150, 180))
                    record = app.enter_service_record(
                        SYSTEM, volunteer.id, activity.id, start,
                        start + timedelta(minutes=minutes), "演示数据",
                    )
                    if days_ago > 2:
                        app.approve_service_record(SYSTEM, record.id)
            # Under way now: today's page has an activity, its live code works at once.
            app.plan_activity(SYSTEM, office.id, "社区义诊引导", "community_service",
                              now - timedelta(hours=1), now + timedelta(hours=3), "社区服务中心")
            first, second = volunteers[0], volunteers[1]
            if app.load_passbook(first.passbook_no).balance >= 5:
                app.transfer_points(
                    SYSTEM, first.passbook_no, second.passbook_no, 5, "邻里互助",
                    Idempotency("demo", f"transfer-{first.passbook_no}", "demo"),
                )
    lines.append(f"volunteers: phones {volunteer_logins[0]} … {volunteer_logins[-1]}, "
                 f"PIN {DEMO_PIN}")
    lines.append(_demo_fund(app, bank.id, rng))
    return lines


def _demo_fund(app: TimebankApp, bank_id: object, rng: random.Random) -> str:
    """A community foundation with a year's first months of gifts and a voted grant."""
    fund = app.open_fund(SYSTEM, "示范区社区基金会", "foundation", None, bank_id)
    for donor, kind, amount, purpose in (
        ("区民政局", "government", 5_000_000, None),
        ("爱心企业", "enterprise", 2_000_000, "助老"),
        ("居民", "resident", rng.randint(30_000, 90_000), None),
        ("公益集市", "bazaar", rng.randint(10_000, 40_000), None),
        ("匿名", "individual", 50_000, "助学"),
    ):
        app.receive_donation(SYSTEM, fund.id, amount, donor, kind, purpose, donor == "匿名",
                             None)
    grant = app.propose_grant(SYSTEM, fund.id, "老旧楼道加装扶手", 1_500_000, "助老")
    app.decide_grant(SYSTEM, grant.id, 41, 3, 2, "居民议事会：同意加装扶手")
    app.disburse_grant(SYSTEM, grant.id, 800_000, None)
    app.pay_expense(SYSTEM, fund.id, [("management", 60_000)], "办公用品", None)
    return f"community fund: /transparency/funds/{fund.id} (treasurer demo-treasurer)"
