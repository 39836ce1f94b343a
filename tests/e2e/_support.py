"""What the browser flows share: screenshots and logging in the way people do."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from tests.e2e.world import STAFF_PASSWORD

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"


def screenshot(page: Any, name: str) -> Path:
    """The whole page as test-artifacts/e2e/<name>.png, for people to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def staff_login(page: Any, username: str, next_path: str) -> None:
    """/staff/login as a person fills it in; lands on `next_path`."""
    page.goto("/staff/login?" + urlencode({"next": next_path}))
    page.fill("#username", username)
    page.fill("#password", STAFF_PASSWORD)
    page.click("button[type=submit]")
    path = urlsplit(next_path).path
    page.wait_for_url(lambda url: urlsplit(url).path == path)


def overflow(page: Any) -> str | None:
    """None when the page is no wider than the screen; otherwise by how much it is."""
    scroll_width, inner_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]")
    if scroll_width <= inner_width:
        return None
    return f"{scroll_width} px wide on a {inner_width} px screen"
