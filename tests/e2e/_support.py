"""What the browser flows share: screenshots and logging in the way people do."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from api.web.i18n import TEXT
from tests.api._pages import codes_shown
from tests.e2e.world import STAFF_PASSWORD

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"


@dataclass(frozen=True)
class Display:
    """A screen width and a language a flow runs in."""

    kind: str  # "phone" or "desktop"
    width: int
    lang: str  # "zh" or "en"

    def __str__(self) -> str:
        return f"{self.kind}-{self.lang}"

    def t(self, zh: str, en: str) -> str:
        """What the page says in this display's language."""
        return zh if self.lang == "zh" else en

    def word(self, zh: str) -> str:
        """A page's fixed word (a button, a label, a notice) in this display's language,
        looked up by its Chinese in the pages' one table of words — so a flow written
        against the Chinese page also proves the English page has the word."""
        if self.lang == "zh":
            return zh
        words = {TEXT[self.lang][key] for key, text in TEXT["zh"].items() if text == zh}
        if len(words) != 1:
            raise KeyError(f"{len(words)} page words read {zh!r}: say which with t()")
        return words.pop()


PHONE_ZH = Display("phone", 390, "zh")
DESKTOP_ZH = Display("desktop", 1280, "zh")
DESKTOP_EN = Display("desktop", 1280, "en")
DISPLAYS = (PHONE_ZH, DESKTOP_ZH, DESKTOP_EN)
# A module whose flows run on every display: each display gets its own server and world.
ON_EVERY_DISPLAY = pytest.mark.parametrize("display", DISPLAYS, indirect=True, scope="module",
                                           ids=str)


def screenshot(page: Any, name: str) -> Path:
    """The whole page as test-artifacts/e2e/<name>.jpg, for people to look at (JPEG: a
    third of a PNG's time to take, and these are for eyes, not for comparing pixels)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.jpg"
    page.screenshot(path=str(path), full_page=True, type="jpeg", quality=80)
    return path


def staff_login(page: Any, username: str, next_path: str) -> None:
    """/staff/login as a person fills it in; lands on `next_path`."""
    page.goto("/staff/login?" + urlencode({"next": next_path}))
    page.fill("#username", username)
    page.fill("#password", STAFF_PASSWORD)
    page.click("button[type=submit]")
    path = urlsplit(next_path).path

    def arrived(url: str) -> bool:
        landed = urlsplit(url).path
        if path == "/staff":  # the start page, whichever the role's is
            return landed.startswith("/staff/") and not landed.startswith("/staff/login")
        return landed == path

    page.wait_for_url(arrived)


def overflow(page: Any) -> str | None:
    """None when the page is no wider than the screen; otherwise by how much it is."""
    scroll_width, inner_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]")
    if scroll_width <= inner_width:
        return None
    return f"{scroll_width} px wide on a {inner_width} px screen"


# Elements whose content is wider than their box (text cut or spilling), ignoring boxes that
# scroll or clip on purpose and inline elements (which have no box width of their own).
OVERFLOWING = """() => {
  const found = [];
  for (const el of document.querySelectorAll('body *')) {
    const style = getComputedStyle(el);
    if (style.display === 'inline' || style.display === 'none' || el.closest('svg')) continue;
    if (['auto', 'scroll', 'hidden', 'clip'].includes(style.overflowX)) continue;
    if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) {
      found.push(`${el.tagName.toLowerCase()}.${el.className}: ${el.scrollWidth} > ` +
                 `${el.clientWidth} px "${(el.innerText || '').slice(0, 40)}"`);
    }
  }
  return found;
}"""


def overflowing_elements(page: Any) -> list[str]:
    return page.evaluate(OVERFLOWING)


# Links, buttons, fields and the summaries that open folded parts of the page that lie (partly)
# outside the screen's width: on a phone they would need a sideways scroll of a table to be
# found, or could not be reached.
UNREACHABLE = """() => {
  const found = [];
  const width = window.innerWidth;
  const controls = 'main a, main button, main input, main select, main textarea, main summary';
  for (const el of document.querySelectorAll(controls)) {
    if (el.type === 'hidden') continue;
    // Inside a closed <details> a control is not shown; its <summary> is, and opens it.
    const closed = el.closest('details:not([open])');
    if (closed && !(el.tagName === 'SUMMARY' && el.parentElement === closed)) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.left < -1 || box.right > width + 1) {
      const what = (el.innerText || el.value || el.name || '').slice(0, 30);
      found.push(`${el.tagName.toLowerCase()} "${what}" ` +
                 `at ${Math.round(box.left)}–${Math.round(box.right)} px`);
    }
  }
  return found;
}"""

# Amounts and other decimal numbers whose characters are split over two lines.
CUT_NUMBERS = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.querySelector('main') || document.body,
                                           NodeFilter.SHOW_TEXT);
  const pattern = /[-−]?¥?\\d[\\d,]*\\.\\d+|[-−]?¥\\d[\\d,]*/g;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const match of node.data.matchAll(pattern)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const rects = [...range.getClientRects()].filter(r => r.width > 0);
      const lines = new Set(rects.map(r => Math.round(r.top)));
      if (lines.size > 1) found.push(`"${match[0]}" split over ${lines.size} lines`);
    }
  }
  return found;
}"""


def unreachable_controls(page: Any) -> list[str]:
    return page.evaluate(UNREACHABLE)


def cut_numbers(page: Any) -> list[str]:
    return page.evaluate(CUT_NUMBERS)


def page_problems(page: Any, display: Display) -> list[str]:
    """What is wrong with the page as it stands on this display: wider than the screen, text
    spilling out of its box, controls off screen, numbers cut, the other language's layout,
    or a known code where its label belongs."""
    found = []
    if (too_wide := overflow(page)) is not None:
        found.append(too_wide)
    found += [f"overflows: {what}" for what in overflowing_elements(page)]
    found += [f"off screen: {what}" for what in unreachable_controls(page)]
    found += [f"number cut: {what}" for what in cut_numbers(page)]
    if page.get_attribute("html", "lang") != ("zh-CN" if display.lang == "zh" else "en"):
        found.append(f"<html lang> is not {display.lang}")
    if codes := codes_shown(page.locator("body").inner_text(), display.lang):
        found.append(f"codes shown: {codes}")
    return found
