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


def volunteer_login(client: TestClient, phone: str, pin: str = "123456") -> None:
    client.cookies.clear()
    form = client.get("/me")
    done = client.post("/me/login", data={"phone": phone, "pin": pin,
                                          "csrf": csrf_of(form.text), "next": "/me"},
                       follow_redirects=False)
    assert done.status_code == 303, done.text
