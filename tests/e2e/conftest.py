"""Browser tests: Debian's chromium, driven by Playwright, against the real app served by
uvicorn on a loopback port (one browser per session, one server per test module).

Chromium: `TIMEBANK_CHROMIUM` (default /usr/bin/chromium; scripts/bootstrap.sh installs it).
With CI=true a missing browser fails these tests loudly; elsewhere they skip, saying why.
Screenshots go to test-artifacts/e2e/ (git-ignored; see _support.py)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from argon2 import PasswordHasher

from tests.conftest import (
    IN_CI,
    PG_URL,
    make_postgres_settings,
    make_sqlite_settings,
    require_postgres,
)
from tests.e2e._support import PHONE_ZH, Display
from tests.e2e.world import World, build_world
from tests.live_server import LiveServer
from timebank.security import passwords

CHROMIUM = Path(os.environ.get("TIMEBANK_CHROMIUM", "/usr/bin/chromium"))
# Everything Chromium might reach for on its own is off: CI has no network but the mirrors.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def _browser_problem() -> str | None:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        return (f"no chromium at {CHROMIUM} (scripts/bootstrap.sh installs it; "
                "or set TIMEBANK_CHROMIUM)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing (scripts/bootstrap.sh installs the dev extras)"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    problem = _browser_problem()
    if problem is not None:
        if IN_CI:
            pytest.fail(f"CI requires the browser tests' chromium and it is missing: {problem}",
                        pytrace=False)
        pytest.skip(f"{problem} (CI never skips these)")
    from playwright.sync_api import expect, sync_playwright

    # Auto-waiting, not timing: a page still counts as right if a busy CI box is slow.
    expect.set_options(timeout=20_000)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing_for_servers() -> Iterator[None]:
    # tests/conftest.py makes argon2 cheap per test; the servers here live for a module and
    # are seeded before any test's own patch applies, so they need it for longer.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher",
                      PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        yield


@pytest.fixture(scope="module", params=[PHONE_ZH], ids=str)
def display(request: pytest.FixtureRequest) -> Display:
    """The screen and language of a module's flows: Chinese on a phone unless the module
    asks for every display (`pytestmark = ON_EVERY_DISPLAY`), each then with a server and a
    world of its own, so a flow's changes on one display leave the next one's untouched."""
    return request.param


@pytest.fixture(scope="module", params=["sqlite"])
def store(request: pytest.FixtureRequest) -> str:
    """SQLite by default; a module may parametrize this to run on PostgreSQL too."""
    return request.param


@pytest.fixture(scope="module")
def server(store: str, display: Display, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[LiveServer]:
    directory = tmp_path_factory.mktemp("e2e")
    if store == "sqlite":
        with LiveServer(lambda url: make_sqlite_settings(directory, public_base_url=url)) as live:
            yield live
        return
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        with LiveServer(lambda url: make_postgres_settings(directory, schema,
                                                           public_base_url=url)) as live:
            yield live
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(scope="module")
def world(server: LiveServer) -> World:
    return build_world(server.services)


class Tabs:
    """One browser tab per screen width and language, kept for a module's tests on one
    server. A tab's first page load starts a renderer process and costs several later loads;
    each test still starts logged out (cookies cleared), in the language its cookie asks."""

    def __init__(self, browser: Any, server: LiveServer) -> None:
        self._browser, self._server = browser, server
        self._open: dict[tuple[int, str, str], Any] = {}

    def get(self, width: int, lang: str, holder: str = "") -> Any:
        """The tab at that width and language; `holder` names another person's device, a
        browser of its own beside the first (a volunteer's phone beside the door's screen)."""
        tab = self._open.get((width, lang, holder))
        if tab is None:
            context = self._browser.new_context(
                base_url=self._server.url, viewport={"width": width, "height": 800},
                locale="zh-CN" if lang == "zh" else "en-GB")
            tab = self._open[(width, lang, holder)] = context.new_page()
        tab.context.clear_cookies()
        tab.context.add_cookies([{"name": "tb_lang", "value": lang, "url": self._server.url}])
        return tab

    def close(self) -> None:
        for tab in self._open.values():
            tab.context.close()


@pytest.fixture(scope="module")
def tabs(browser: Any, server: LiveServer) -> Iterator[Tabs]:
    opened = Tabs(browser, server)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def page(tabs: Tabs, display: Display) -> Any:
    """A browser tab at the display's width, logged out, its language chosen by the cookie
    the language switch sets."""
    return tabs.get(display.width, display.lang)
