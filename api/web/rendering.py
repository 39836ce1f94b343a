"""Rendering a page: the language, its words, the switch link, the CSRF value, safe caching."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from api.web.i18n import LANGUAGES, language_of, texts
from api.web.sessions import csrf_token, remember_csrf
from api.web.staff_nav import staff_nav

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def yuan(fen: int) -> str:
    """Fen shown as yuan: 123456 -> ¥1,234.56."""
    sign, whole, cents = "-" if fen < 0 else "", *divmod(abs(fen), 100)
    return f"{sign}¥{whole:,}.{cents:02d}"  # integer arithmetic: no float on a money path


def render(request: Request, template: str, status: int = 200, *,
           keep_query: dict[str, str] | None = None, **context: Any) -> HTMLResponse:
    lang = language_of(request)
    other = "en" if lang == "zh" else "zh"
    query = {k: v for k, v in request.query_params.items() if k != "lang"}
    query.update(keep_query or {})
    switch_url = f"{request.url.path}?" + urlencode({**query, "lang": other})
    response = templates.TemplateResponse(
        request, template,
        {"lang": lang, "t": texts(lang), "switch_url": switch_url,
         "csrf": csrf_token(request), "staff_nav": staff_nav(request), **context},
        status_code=status,
    )
    if request.query_params.get("lang") == lang:
        response.set_cookie("tb_lang", lang, samesite="lax", path="/")
    remember_csrf(request, response)
    response.headers["Cache-Control"] = "no-store"
    return response


def back_to_me(request: Request, outcome: dict[str, str], anchor: str = "") -> Response:
    """After a form on /me: back to the page, with the outcome as codes (never as text a
    link could plant) and in the language the form was sent in."""
    lang = request.query_params.get("lang")
    query = {**outcome, **({"lang": lang} if lang in LANGUAGES else {})}
    return RedirectResponse("/me?" + urlencode(query) + anchor, status_code=303)
