"""Partitions complete, walked: a city of three banks — one in the directory, "east" and
"west" each in a partition of its own — and every role of the east bank, and the system
administrator, follows every link of their start page (and of the pages it leads to) and
sends the forms of their work. Each page acts in the partition of the thing it shows; the
system administrator's lists span every partition."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.background import record_daily_checkpoint
from projections import page_queries
from tests.api._pages import csrf_of, staff_login, volunteer_login
from tests.api.test_partitions import bank_district, runtime_of
from tests.helpers import ADMIN, HttpDistrict, admin_headers
from timebank.domain.reading import ReadScope
from timebank.domain.values import SHANGHAI
from timebank.partitions import Partitions
from timebank.settings import Settings

API = "/api/v1"
PASSWORD = "correct-horse-1"
HREF = re.compile(r'href="(/[^"#]*)"')
# Links a walk does not follow: files, the API's own documents, leaving.
NOT_FOLLOWED = ("/static", "/logout", "/api", "/docs", "/openapi")
# A coordinator's certificate register links to the issuer's page, which only an
# administrator may open (as with one database): refused, in the site's layout.
REFUSED_AS_WITH_ONE_DATABASE = {("coordinator", "/staff/admin/issuer")}


@dataclass
class City:
    client: TestClient
    admin: dict[str, str]
    centre: HttpDistrict
    east: HttpDistrict
    west: HttpDistrict
    east_volunteer: dict[str, Any]
    west_volunteer: dict[str, Any]
    pending_record: str

    @property
    def partitions(self) -> Partitions:
        return runtime_of(self.client).partitions


@pytest.fixture
def city(partitioned_settings: Settings) -> Iterator[City]:
    with TestClient(create_app(partitioned_settings, follow_projections=False)) as client:
        admin = admin_headers(client)
        centre = HttpDistrict(client, admin)  # a bank opened over HTTP: the directory's
        centre.bank_id = centre.office("中心区公益银行", "bank", None)
        centre.branch_id = centre.office("中心区街道分行", "branch", centre.bank_id)
        centre.office_id = centre.office("中心区社区储蓄所", "savings_office", centre.branch_id)
        east, east_volunteer = bank_district(client, admin, "east", "东区")
        west, west_volunteer = bank_district(client, admin, "west", "西区")
        east.earn(east_volunteer["id"], 90)
        pending = east.service_record(east_volunteer["id"], 30)
        for name, bank_id in (("中心区基金会", centre.bank_id), ("东区基金会", east.bank_id),
                              ("西区基金会", west.bank_id)):
            fund = client.post(f"{API}/funds", headers=admin, json={
                "name": name, "kind": "foundation", "office_id": bank_id})
            assert fund.status_code == 201, fund.text
        for role, office_id in (("coordinator", east.office_id), ("treasurer", east.bank_id),
                                ("auditor", east.bank_id), ("branch_admin", east.branch_id)):
            east.user(f"east-{role}", role, office_id)
        yield City(client, admin, centre, east, west, east_volunteer, west_volunteer, pending)


def walk(client: TestClient, start: str, depth: int = 2) -> dict[str, tuple[int, str]]:
    """Every page reachable from `start` within `depth` links: path → (status, text)."""
    seen: dict[str, tuple[int, str]] = {}
    queue = [(start, 0)]
    while queue:
        path, level = queue.pop(0)
        if path in seen or path.startswith(NOT_FOLLOWED) or "lang=" in path:
            continue
        page = client.get(path)
        html = "text/html" in page.headers.get("content-type", "")
        seen[path] = (page.status_code, page.text if html else "")
        if html and level < depth:
            queue += [(link.replace("&amp;", "&"), level + 1) for link in HREF.findall(page.text)]
    return seen


def test_every_role_of_a_partitioned_bank_opens_every_page_it_is_led_to(city: City) -> None:
    client = city.client
    logins: list[tuple[str, tuple[str, str] | None]] = [
        ("bank_admin", ("east-admin", PASSWORD)),
        *((role, (f"east-{role}", PASSWORD))
          for role in ("coordinator", "treasurer", "auditor", "branch_admin")),
        ("volunteer", None)]
    for role, credentials in logins:
        if credentials is None:
            volunteer_login(client, city.east_volunteer["phone"])
            start = "/me"
        else:
            staff_login(client, *credentials)
            start = "/staff"
        pages = walk(client, start)
        assert len(pages) > 5, (role, list(pages))
        for path, (status, text) in pages.items():
            if (role, path.split("?")[0]) in REFUSED_AS_WITH_ONE_DATABASE:
                assert status == 403, (role, path, status)
                continue
            assert status == 200, (role, path, status, text[:300])
            # Nothing of another bank, but on the public pages every bank's funds show,
            # and the request page lets a family member choose the city's other banks.
            if path.startswith("/me/requests"):
                text = re.sub(r'<select id="beneficiary_bank_id".*?</select>', "", text,
                              flags=re.S)
            if path != "/" and not path.startswith("/transparency"):
                assert "西区" not in text and "中心区" not in text, (role, path)


def test_the_system_administrators_pages_span_every_partition(city: City) -> None:
    client = city.client
    # The front door lists every bank's funds, whichever partition keeps their books.
    client.cookies.clear()
    front = client.get("/").text
    assert front.index("中心区基金会") < front.index("东区基金会") < front.index("西区基金会")
    for fund_id in re.findall(r'href="/transparency/funds/([0-9a-f-]+)"', front):
        assert client.get(f"/transparency/funds/{fund_id}").status_code == 200
    # Each partition's signed checkpoints are published, reached from its funds' pages.
    east = city.partitions.banks["east"]
    record_daily_checkpoint(east.app, client.app.state.runners["east"])
    published = client.get("/transparency/checkpoints", params={"office_id": city.east.bank_id})
    assert published.text.count("<code>") == 3  # one checkpoint: hash, signature, key
    assert "<code>" not in client.get("/transparency/checkpoints").text  # the directory's
    anchor = client.get("/transparency/checkpoints.jsonl",
                        params={"office_id": city.east.bank_id}).text
    assert len(anchor.splitlines()) == 1

    staff_login(client, *ADMIN)
    pages = walk(client, "/staff")
    assert len(pages) > 20
    for path, (status, text) in pages.items():
        assert status == 200, (path, status, text[:300])

    admin_page = pages["/staff/admin"][1]
    tree = re.search(r'<ul class="tree" id="offices">(.*?)</ul>', admin_page, re.S)
    assert tree is not None
    # Each bank's tree whole, the directory's first, then the partitions in their order.
    names = re.findall(r'<a href="/staff/offices/[^"]+">([^<]+)</a>', tree.group(1))
    assert names == ["中心区公益银行", "中心区街道分行", "中心区社区储蓄所",
                     "东区", "东区街道分行", "东区社区储蓄所",
                     "西区", "西区街道分行", "西区社区储蓄所"]
    for bank_id in (city.centre.bank_id, city.east.bank_id, city.west.bank_id):
        assert f"/staff/admin/rules?bank_id={bank_id}" in admin_page
        assert f"/staff/admin/rules?bank_id={bank_id}" in pages
    accounts = pages["/staff/accounts"][1]
    for username in (ADMIN[0], "east-admin", "east-coordinator", "west-admin"):
        assert username in accounts
    funds = pages["/staff/funds"][1]
    assert funds.index("中心区基金会") < funds.index("东区基金会") < funds.index("西区基金会")
    # The offices one switches between span every partition, by name.
    for path in ("/staff/activities", "/staff/shop"):
        for name in ("中心区社区储蓄所", "东区社区储蓄所", "西区社区储蓄所"):
            assert name in pages[path][1], (path, name)
    # The queues: the east record awaiting approval, on the day's page and for approval.
    assert f'value="{city.pending_record}"' in pages["/staff/approvals"][1]
    assert "为独居老人送餐" in pages["/staff/today"][1]
    # The audit trail: every partition's newest events, and each partition's own trail.
    audit_page = pages["/staff/audit"][1]
    for bank_id in (city.centre.bank_id, city.east.bank_id, city.west.bank_id):
        assert f"/staff/audit?bank_id={bank_id}" in audit_page
        assert pages[f"/staff/audit?bank_id={bank_id}"][0] == 200
    checked = client.get("/staff/audit", params={"check": "1"})
    assert checked.status_code == 200 and 'class="notice ok"' in checked.text
    directory_events = client.get("/staff/audit", params={
        "bank_id": city.centre.bank_id, "check": "1"}).text
    assert 'class="notice ok"' in directory_events
    # A volunteer found by passbook or phone, in whichever partition holds them.
    for q in (city.west_volunteer["passbook_no"], city.west_volunteer["phone"]):
        found = client.get("/staff/records", params={"q": q}, follow_redirects=False)
        assert found.headers.get("location") == \
            f"/staff/volunteers/{city.west_volunteer['id']}/record", (q, found.text[:300])
    # An office of a partition shown from the switcher is read in that partition.
    east_console = client.get("/staff/activities", params={"office_id": city.east.office_id})
    assert east_console.status_code == 200 and "为独居老人送餐" in east_console.text


def post_form(client: TestClient, page: str, data: dict[str, Any], action: str | None = None,
              expect: int = 303) -> Any:
    """Sends a page's form as a browser would: the page first (its CSRF value)."""
    form = client.get(page)
    assert form.status_code == 200, form.text[:300]
    answer = client.post(action or page.split("?")[0], data={**data, "csrf": csrf_of(form.text)},
                         follow_redirects=False)
    assert answer.status_code == expect, re.findall(r"notice error[^>]*>([^<]*)", answer.text)
    return answer


def names_in(partitions: Partitions, key: str) -> list[str]:
    partition = partitions.get(key)
    return [o["name"] for o in page_queries.office_tree(partition.engine,
                                                         ReadScope.everything())]


def test_the_system_administrators_forms_act_in_the_offices_partition(city: City) -> None:
    client, east, partitions = city.client, city.east, city.partitions
    east_app = partitions.banks["east"].app
    staff_login(client, *ADMIN)

    # The office tree: a new savings office under an east branch, renamed, then closed.
    post_form(client, "/staff/admin", {"action": "open", "parent_id": east.branch_id,
                                       "name": "东区新社区储蓄所"})
    assert "东区新社区储蓄所" in client.get("/staff/admin").text  # every partition caught up
    assert "东区新社区储蓄所" in names_in(partitions, "east")
    assert "东区新社区储蓄所" not in names_in(partitions, "directory")
    new_office = next(o for o in page_queries.office_tree(
        partitions.banks["east"].engine, ReadScope.everything()) if o["name"] == "东区新社区储蓄所")
    post_form(client, "/staff/admin", {"action": "rename", "office_id": new_office["id"],
                                       "name": "东区二号储蓄所", "reason": "更名"})
    assert east_app.load_office(new_office["id"]).name == "东区二号储蓄所"
    post_form(client, "/staff/admin", {"action": "close", "office_id": new_office["id"],
                                       "reason": "合并"})
    assert east_app.load_office(new_office["id"]).closed
    assert "东区二号储蓄所" in client.get("/staff/admin").text

    # A staff account at an east office lives in the east partition and logs in there.
    post_form(client, "/staff/admin", {"action": "staff", "username": "east-coordinator-2",
                                       "password": PASSWORD, "role": "coordinator",
                                       "office_id": east.office_id})
    assert east_app.find_user("east-coordinator-2") is not None
    staff_login(client, "east-coordinator-2", PASSWORD)
    assert "协调员工作台 · 东区" in client.get("/staff/activities").text
    staff_login(client, *ADMIN)

    # The east bank's point rules and rules of records.
    post_form(client, f"/staff/admin/rules?bank_id={east.bank_id}",
              {"bank_id": east.bank_id, "points_per_hour": "25"})
    assert east_app.load_office(east.bank_id).rules_in_force().points_per_hour == 25
    post_form(client, f"/staff/admin/record-rules?bank_id={east.bank_id}",
              {"bank_id": east.bank_id, "star_thresholds_hours": "10, 50",
               "correction_days": "30"})
    assert list(east_app.load_office(east.bank_id).star_thresholds_hours) == [10, 50]
    post_form(client, f"/staff/admin/issuer?office_id={east.bank_id}",
              {"office_id": east.bank_id, "person_in_charge": "李主任",
               "handling_officer": "王经办", "contact": "021-12345678"},
              action="/staff/admin/issuer/profile")
    assert east_app.load_office(east.bank_id).issuer_profile

    # The east savings office's kiosks and catalog.
    shop = f"/staff/shop?office_id={east.office_id}"
    made = post_form(client, shop, {"action": "kiosk", "office_id": east.office_id,
                                    "name": "爱心超市"}, expect=200)
    assert "爱心超市" in made.text
    key = re.search(r'id="new-key">.*?<code>([^<]+)</code>', made.text, re.S)
    assert key is not None
    post_form(client, shop, {"action": "item", "office_id": east.office_id, "sku": "RICE",
                             "name": "大米", "points": "1", "stock": "5"})
    # The kiosk simulator, with the east kiosk's key: a redemption in the east bank.
    redeemed = post_form(client, "/staff/kiosk-simulator", {
        "api_key": key.group(1), "passbook": city.east_volunteer["passbook_no"],
        "pin": "738294", "sku": "RICE", "quantity": "1", "key": "sim-1"}, expect=200)
    assert 'class="notice ok"' in redeemed.text, redeemed.text[-1500:]
    kiosks = client.get(shop).text
    assert "大米" in kiosks and "爱心超市" in kiosks
    kiosk_id = re.search(r'name="kiosk_id" value="([^"]+)"', kiosks)
    assert kiosk_id is not None
    post_form(client, shop, {"action": "revoke", "office_id": east.office_id,
                             "kiosk_id": kiosk_id.group(1), "reason": "停用"})

    # An activity, a volunteer, an entry (代录) and approvals at the east office.
    console = f"/staff/activities?office_id={east.office_id}"
    day = datetime.now(SHANGHAI).date() + timedelta(days=7)  # Shanghai's days, ahead
    planned = post_form(client, console, {
        "office_id": east.office_id, "title": "社区义诊", "category": "elderly_care",
        "location": "活动室", "starts_at": f"{day}T09:00", "ends_at": f"{day}T12:00",
        "console_office_id": east.office_id})
    assert "office_id=" + east.office_id in planned.headers["location"]
    registered = post_form(client, f"/staff/volunteers?office_id={east.office_id}", {
        "office_id": east.office_id, "name": "李四", "phone": "13900000077",
        "pin": "738294", "console_office_id": east.office_id})
    assert east_app.find_volunteer_by_phone("13900000077") is not None
    assert client.get(registered.headers["location"]).status_code == 200
    entered = post_form(client, f"/staff/entries?activity_id={east.activity_id}", {
        "activity_id": east.activity_id, "volunteer": city.east_volunteer["passbook_no"],
        "started_at": "2026-11-01T09:00", "ended_at": "2026-11-01T10:00", "note": "",
        "key": "entry-1", "office_id": east.office_id})
    assert client.get(entered.headers["location"]).status_code == 200
    # One selection of records in two partitions: each approved where it lives.
    west_pending = city.west.service_record(city.west_volunteer["id"], 30)
    approved = post_form(client, "/staff/approvals", {
        "ids": [city.pending_record, west_pending], "decision": "approve"})
    assert "done=2" in approved.headers["location"], approved.headers["location"]
    assert east_app.load_service_record(city.pending_record).status == "approved"
    west_app = partitions.banks["west"].app
    assert west_app.load_service_record(west_pending).status == "approved"


def test_the_volunteer_of_a_partitioned_bank_walks_their_pages(city: City) -> None:
    volunteer_login(city.client, city.east_volunteer["phone"])
    pages = walk(city.client, "/me")
    assert {"/me", "/me/records", "/me/requests", "/account"} <= set(pages)
    assert city.east_volunteer["passbook_no"] in pages["/me"][1]
