"""Rendering a page: the language, its words, the switch link, the CSRF value, safe caching."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context

from api.web.i18n import LANGUAGES, language_of, texts
from api.web.sessions import csrf_token, page_actor, remember_csrf
from api.web.staff_nav import staff_nav, start_path
from timebank.domain import vocabulary

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


@pass_context
def term(context: Any, vocabulary_name: str, code: str | None) -> str:
    """A code's label in the page's language (timebank/domain/vocabulary.py): the one way
    a page shows a category, a status, a donor type… Unlisted codes are marked as such."""
    return vocabulary.label(vocabulary_name, code, context.get("lang", "zh"))


@pass_context
def event_term(context: Any, stored_type: str) -> str:
    return vocabulary.event_label(stored_type, context.get("lang", "zh"))


@pass_context
def choices(context: Any, vocabulary_name: str) -> list[tuple[str, str]]:
    """(code, label) pairs of a vocabulary, for a form's <select>."""
    return vocabulary.BY_NAME[vocabulary_name].choices(context.get("lang", "zh"))


templates.env.globals.update(term=term, event_term=event_term, choices=choices)


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
    actor = page_actor(request)
    response = templates.TemplateResponse(
        request, template,
        {"lang": lang, "t": texts(lang), "switch_url": switch_url,
         "csrf": csrf_token(request), "staff_nav": staff_nav(request),
         "start_url": start_path(actor) if actor is not None else None, **context},
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
