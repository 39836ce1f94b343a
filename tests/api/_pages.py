"""Helpers for the page tests: the form's CSRF value and logins through the pages."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF field in the page"
    return match.group(1)


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden {name!r} in the page"
    return match.group(1)


def staff_login(client: TestClient, username: str, password: str) -> None:
    client.cookies.clear()
    form = client.get("/staff/login")
    done = client.post("/staff/login", data={"username": username, "password": password,
                                             "csrf": csrf_of(form.text), "next": "/staff/"},
                       follow_redirects=False)
    assert done.status_code == 303, done.text


def volunteer_login(client: TestClient, phone: str, pin: str = "738294") -> None:
    client.cookies.clear()
    form = client.get("/me")
    done = client.post("/me/login", data={"phone": phone, "pin": pin,
                                          "csrf": csrf_of(form.text), "next": "/me"},
                       follow_redirects=False)
    assert done.status_code == 303, done.text


# -- codes where labels belong --------------------------------------------------------------
def visible_text(html: str) -> str:
    """What a reader sees of a page: its text, without tags, attributes, scripts or styles."""
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.parts: list[str] = []
            self.hidden = 0

        def handle_starttag(self, tag: str, attrs: list) -> None:
            if tag in ("script", "style"):
                self.hidden += 1

        def handle_endtag(self, tag: str) -> None:
            if tag in ("script", "style"):
                self.hidden -= 1

        def handle_data(self, data: str) -> None:
            if not self.hidden:
                self.parts.append(data)

    parser = Text()
    parser.feed(html)
    return " ".join(parser.parts)


def codes_shown(text: str, lang: str) -> list[str]:
    """Known codes of the vocabulary in a page's visible text. A Chinese page shows none at
    all; an English one none with an underscore (single words like "approved" are English)."""
    from timebank.domain import vocabulary

    found = []
    for vocab in vocabulary.ALL:
        if vocab in (vocabulary.AGGREGATE, vocabulary.EVENT):
            continue  # CamelCase stored names, checked by their own pages
        for code in vocab.codes:
            if lang != "zh" and "_" not in code:
                continue
            if re.search(rf"(?<![A-Za-z0-9_.-]){re.escape(code)}(?![A-Za-z0-9_-])", text):
                found.append(f"{vocab.name}:{code}")
    return sorted(set(found))
