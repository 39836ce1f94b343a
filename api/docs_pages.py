"""The API documentation pages (/docs, /redoc) served offline and under a strict policy.

The Swagger UI and ReDoc files come from the fastapi-offline package (no CDN: kiosks'
integrators and offices may have no internet, and the pages' policy allows only this
site's files). Each page starts its viewer with one inline script; that page's
Content-Security-Policy allows exactly that script by its SHA-256 and nothing else inline.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_URL = "/static-offline-docs"
ASSETS = Path(fastapi_offline.__file__).parent / "static"
FAVICON_URL = "/static/favicon.svg"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def policy_for(html: str, *, workers: bool = False) -> str:
    """This page's policy: its own files, plus its inline start-up scripts by hash."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(html))
    return (f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; "
            + ("worker-src 'self' blob:; " if workers else "")
            + "frame-ancestors 'none'; form-action 'self'")


def _strict(response: HTMLResponse, *, workers: bool = False) -> HTMLResponse:
    response.headers["Content-Security-Policy"] = policy_for(response.body.decode(),
                                                             workers=workers)
    return response


REDIRECT_URL = "/docs/oauth2-redirect"


def install_docs(app: FastAPI, openapi_url: str = "/openapi.json") -> None:
    """For an app made with docs_url=None and redoc_url=None. The pages are plain functions
    that read the app from the request: a closure over `app` would be kept, with the app and
    everything it holds, by FastAPI's caches of endpoint callables for as long as the process
    lives (every app a test suite makes)."""
    app.state.docs_openapi_url = openapi_url
    app.mount(ASSETS_URL, StaticFiles(directory=str(ASSETS)), name="offline-docs")
    app.add_api_route("/docs", swagger_ui, methods=["GET"], include_in_schema=False)
    app.add_api_route(REDIRECT_URL, swagger_ui_redirect, methods=["GET"],
                      include_in_schema=False)
    app.add_api_route("/redoc", redoc, methods=["GET"], include_in_schema=False)


def swagger_ui(request: Request) -> HTMLResponse:
    app = request.app
    return _strict(get_swagger_ui_html(
        openapi_url=app.state.docs_openapi_url, title=f"{app.title} — API",
        swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=FAVICON_URL, oauth2_redirect_url=REDIRECT_URL))


def swagger_ui_redirect() -> HTMLResponse:
    return _strict(get_swagger_ui_oauth2_redirect_html())


def redoc(request: Request) -> HTMLResponse:
    app = request.app
    return _strict(get_redoc_html(
        openapi_url=app.state.docs_openapi_url, title=f"{app.title} — API",
        redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js", redoc_favicon_url=FAVICON_URL,
        with_google_fonts=False), workers=True)
