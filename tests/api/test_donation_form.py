"""The treasurer's "record a donation" form on the fund dashboard, through HTTP on both stores."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from api.web.donation_form import FormProblem, fen_from_yuan
from tests.api._support import API, shanghai_today
from tests.api.test_dashboards import staff_session
from tests.api.test_funds import FundWorld


@pytest.mark.parametrize(("typed", "fen"), [
    ("12.34", 1234), ("0.01", 1), ("20", 2000), ("7.5", 750), ("1,234.50", 123450),
    ("¥8.00", 800), (" 99999999999.99 ", 9_999_999_999_999),
])
def test_yuan_are_read_exactly_as_fen(typed: str, fen: int) -> None:
    assert fen_from_yuan(typed) == fen


@pytest.mark.parametrize("typed", [
    "12.345", "0.001", "-5", "+5", "0", "0.00", "", "abc", "1e3", "12.", ".5", "１２", "1 000",
    "123456789012",
])
def test_amounts_that_are_not_exact_positive_yuan_are_refused(typed: str) -> None:
    with pytest.raises(FormProblem) as refused:
        fen_from_yuan(typed)
    assert refused.value.key == "donation_amount_invalid"


class TreasurerPage:
    """A browser-like session on one fund's dashboard: reads the form, submits it."""

    def __init__(self, world: FundWorld, username: str = "treasurer-1") -> None:
        self.world = world
        self.client: TestClient = world.client
        self.path = f"/staff/funds/{world.fund_id}"
        staff_session(self.client, username, "correct-horse-1", self.path)

    def open(self, **params: str) -> Response:
        page = self.client.get(self.path, params=params)
        assert page.status_code == 200, page.text
        return page

    def form_fields(self) -> dict[str, str]:
        page = self.open()
        return {name: hidden(page, name) for name in ("csrf", "key")}

    def submit(self, lang: str = "zh", hidden_fields: dict[str, str] | None = None,
               **fields: str) -> Response:
        data = {**(hidden_fields or self.form_fields()), "donor_type": "enterprise",
                "amount": "1234.56", "donor_name": "爱心企业乙", **fields}
        return self.client.post(f"{self.path}/donations?lang={lang}", data=data,
                                follow_redirects=False)

    def donations(self) -> list[dict[str, Any]]:
        response = self.client.get(f"{API}/funds/{self.world.fund_id}/donations",
                                   headers=self.world.treasurer)
        assert response.status_code == 200, response.text
        return response.json()

    def events_stored(self) -> int:
        return self.client.app.state.runtime.app.recorder.max_notification_id() or 0


def hidden(page: Response, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', page.text)
    assert found, f"no hidden {name} on the page"
    return found.group(1)


@pytest.fixture
def treasurer(client: TestClient) -> TreasurerPage:
    return TreasurerPage(FundWorld(client))


def test_treasurer_records_a_donation_and_downloads_its_receipt(treasurer: TreasurerPage
                                                                ) -> None:
    assert 'id="donation-form"' in treasurer.open().text
    done = treasurer.submit(purpose="助学", received_on=shanghai_today().isoformat())
    assert done.status_code == 303, done.text
    (gift,) = treasurer.donations()
    assert done.headers["location"] == f"{treasurer.path}?donation={gift['donation_id']}"
    assert (gift["amount_fen"], gift["donor_type"], gift["donor_name"],
            gift["restricted_purpose"]) == (123456, "enterprise", "爱心企业乙", "助学")
    assert gift["receipt_no"] == f"{shanghai_today().year}-000001"
    statement = treasurer.world.statement()
    assert statement["balance_fen"] == 123456 and statement["restricted"] == {"助学": 123456}

    page = treasurer.client.get(done.headers["location"])
    assert "已登记捐赠，收据号" in page.text and gift["receipt_no"] in page.text
    # The income chart's bar, in yuan with fen.
    assert "¥1,234.56" in page.text and "企业: 1,234.56" in page.text
    receipt = treasurer.client.get(
        f"{treasurer.path}/donations/{gift['donation_id']}/receipt.pdf")
    assert receipt.status_code == 200
    assert receipt.headers["content-type"] == "application/pdf"
    assert receipt.content.startswith(b"%PDF")


def test_an_anonymous_gift_in_kind_of_an_earlier_day(treasurer: TreasurerPage) -> None:
    fields = treasurer.form_fields()
    yesterday = shanghai_today() - timedelta(days=1)
    # The fund opened today: a gift received before that is refused, and says so.
    refused = treasurer.submit(hidden_fields=fields, received_on=yesterday.isoformat())
    assert refused.status_code == 422
    assert "不能早于基金设立" in refused.text
    done = treasurer.submit(hidden_fields=fields, anonymous="on", in_kind="大米 50 袋",
                            donor_type="resident", amount="800")
    assert done.status_code == 303, done.text
    (gift,) = treasurer.donations()
    assert (gift["anonymous"], gift["donor_name"], gift["in_kind"], gift["amount_fen"]) == (
        True, None, "大米 50 袋", 80000)
    assert treasurer.world.statement()["balance_fen"] == 0  # goods are not cash


def test_a_double_submit_records_one_donation(treasurer: TreasurerPage) -> None:
    fields = treasurer.form_fields()
    first = treasurer.submit(hidden_fields=fields)
    again = treasurer.submit(hidden_fields=fields)
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    assert len(treasurer.donations()) == 1
    fresh = treasurer.submit()  # a new page, a new key: a second gift
    assert fresh.status_code == 303 and fresh.headers["location"] != first.headers["location"]
    assert len(treasurer.donations()) == 2


@pytest.mark.parametrize(("fields", "zh", "en"), [
    ({"amount": "12.345"}, "最多两位小数", "at most two decimals"),
    ({"amount": "-5"}, "大于 0", "above 0"),
    ({"amount": "0"}, "大于 0", "above 0"),
    ({"donor_type": "alien"}, "请选择捐赠人类型", "Choose the donor type"),
    ({"received_on": "2026-13-01"}, "不能晚于今天", "not after today"),
    ({"received_on": "tomorrow"}, "不能晚于今天", "not after today"),
])
def test_refused_input_changes_nothing_and_says_why_in_both_languages(
    treasurer: TreasurerPage, fields: dict[str, str], zh: str, en: str
) -> None:
    if fields.get("received_on") == "tomorrow":  # decided when it runs, not when collected
        fields = {"received_on": (shanghai_today() + timedelta(days=1)).isoformat()}
    before = treasurer.events_stored()
    for lang, words in (("zh", zh), ("en", en)):
        refused = treasurer.submit(lang=lang, **fields)
        assert refused.status_code == 422, refused.text
        assert words in refused.text
        assert 'value="爱心企业乙"' in refused.text  # what was typed stays in the form
    assert treasurer.events_stored() == before
    assert treasurer.donations() == []


def test_without_the_form_s_csrf_value_nothing_is_recorded(treasurer: TreasurerPage) -> None:
    before = treasurer.events_stored()
    refused = treasurer.submit(hidden_fields={"csrf": "x" * 43, "key": "k-1"})
    assert refused.status_code == 403
    assert treasurer.events_stored() == before and treasurer.donations() == []


def test_only_the_fund_s_treasurers_are_offered_the_form_or_may_use_it(
    client: TestClient,
) -> None:
    world = FundWorld(client)
    auditor = TreasurerPage(world, username="auditor-1")
    page = auditor.open()
    assert "¥0.00" in page.text and 'id="donation-form"' not in page.text
    before = auditor.events_stored()
    refused = auditor.submit(hidden_fields={"csrf": client.cookies["tb_csrf"], "key": "k-1"})
    assert refused.status_code == 403
    assert auditor.events_stored() == before and auditor.donations() == []
    staff_session(client, "coord-1", "correct-horse-1", auditor.path)
    before = auditor.events_stored()  # a login stores its session; the refusal stores nothing
    assert client.get(auditor.path).status_code == 403
    refused = auditor.submit(hidden_fields={"csrf": client.cookies["tb_csrf"], "key": "k-2"})
    assert refused.status_code == 403
    assert auditor.events_stored() == before and auditor.donations() == []


def test_the_dashboard_speaks_english_when_asked(treasurer: TreasurerPage) -> None:
    page = treasurer.open(lang="en")
    assert "Record a donation" in page.text and "Income by source" in page.text
    assert "登记捐赠" not in page.text
