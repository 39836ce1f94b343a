"""Error pages in the site's layout: what happened and what to do next, in Chinese and English.

The API answers errors in the contract's JSON shape; everything else a browser opens — a page,
a form post, an address that does not exist — answers with a page that keeps the header, the
menu of whoever is logged in, and a way back (the home page, their start page, a login).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.errors import STATUS_BY_CODE
from api.web.i18n import language_of, texts
from api.web.rendering import render
from timebank.domain.errors import MESSAGES, DomainError

log = logging.getLogger(__name__)

# Paths whose errors are the contract's JSON, whoever asks.
MACHINE_PREFIXES = ("/api/", "/openapi.json", "/metrics")
TITLED = (400, 401, 403, 404, 409, 413, 422, 423, 429, 500, 503)


def is_page(request: Request) -> bool:
    return not request.url.path.startswith(MACHINE_PREFIXES)


def _titled(status: int) -> int:
    if status in TITLED:
        return status
    return 500 if status >= 500 else 400


def error_page(request: Request, exc: DomainError | None = None, *, status: int | None = None,
               message: str | None = None) -> HTMLResponse:
    """The page for a refusal (`exc`) or a bare status; `message` overrides the words."""
    lang = language_of(request)
    code = exc.code if exc is not None else None
    status = status or STATUS_BY_CODE.get(code or "", 400)
    if message is None and code in MESSAGES:
        message = exc.message_zh if lang == "zh" else exc.message  # type: ignore[union-attr]
    titled = _titled(status)
    context: dict[str, Any] = {
        "http_status": status, "title_key": f"error_title_{titled}",
        "todo_key": f"error_todo_{titled}",
        "message": message or texts(lang)["error_generic"],
        "request_id": getattr(request.state, "request_id", "") if status >= 500 else "",
    }
    try:
        return render(request, "error.html", status, **context)
    except Exception:  # the layout itself failed (a broken store): still say something
        log.exception("the error page could not be rendered in the layout")
        t = texts(lang)
        return HTMLResponse(
            f"<!doctype html><title>{t[context['title_key']]}</title>"
            f"<h1>{t[context['title_key']]}</h1><p>{t[context['todo_key']]}</p>"
            f'<p><a href="/">{t["go_home"]}</a></p>', status_code=status)


Handler = Callable[[Request, Any], Awaitable[Response]]


def _page_or(json_handler: Handler, page: Callable[[Request, Any], Response]) -> Handler:
    async def handle(request: Request, exc: Any) -> Response:
        if is_page(request):
            return page(request, exc)
        return await json_handler(request, exc)
    return handle


def _domain(request: Request, exc: DomainError) -> Response:
    return error_page(request, exc)


def _validation(request: Request, _exc: RequestValidationError) -> Response:
    return error_page(request, status=422, message=texts(language_of(request))[
        "error_form_invalid"])


def _http(request: Request, exc: StarletteHTTPException) -> Response:
    t = texts(language_of(request))
    message = t["error_page_missing"] if exc.status_code == 404 else t["error_generic"]
    return error_page(request, status=exc.status_code, message=message)


def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on a page", exc_info=exc)
    return error_page(request, status=500, message=texts(language_of(request))["error_generic"])


def install_page_errors(app: FastAPI) -> None:
    """After api/errors.py installed the JSON handlers: pages get pages, the API keeps JSON."""
    for exc_class, page in ((DomainError, _domain), (RequestValidationError, _validation),
                            (StarletteHTTPException, _http), (Exception, _unexpected)):
        app.add_exception_handler(exc_class, _page_or(app.exception_handlers[exc_class], page))
