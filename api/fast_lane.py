"""`POST /api/v1/scans` answered without FastAPI's router: the busiest request, made lean.

A scan is the request volunteers make most (every check-in and check-out, in bursts at an
activity's start and end). Profiled over HTTP, FastAPI's per-request machinery — matching
the path through the nested routers, solving the dependencies, validating and serialising
through the response model — cost more server CPU than the scan command itself
(docs/benchmarks.md). This pure-ASGI lane does for that one path what the declared route in
`api/routers/scans.py` does, with the same pieces: the bearer token's check, the body
through the same request model (`ScanRequest`, validated from Python objects as FastAPI
validates a body), the partition the token names, one hop to the command threads
(api/command_threads.py) for the account's check and the command, the answer through
`ScanResult`, and a `DomainError` answered by the application's own handler.

Only the ordinary case takes the lane. A request without a JSON body or a bearer token, a
body that does not parse or validate, or a token that does not verify is handed to FastAPI
with its body replayed, so every refusal keeps the exact answer of the declared route (which
also remains the OpenAPI description). The lane sits inside the request-id, metrics, body
ceiling and server-error middleware, so the answer carries the same headers and is counted
and logged under the same route.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import FastAPI
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.command_threads import run_command
from api.deps import request_partition
from api.routers import scans
from api.schemas import ScanRequest, ScanResult
from timebank.domain.errors import DomainError

SCAN_PATH = "/api/v1/scans"


class ScanFastLane:
    def __init__(self, app: ASGIApp, owner: FastAPI) -> None:
        self.app = app
        self.owner = owner
        self._route: Any = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != SCAN_PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        token, json_body = _bearer_and_json(scope["headers"])
        if token is None or not json_body:
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        replay = _replaying(body, receive)
        signer = self.owner.state.runtime.signer
        try:
            scan = ScanRequest.model_validate(orjson.loads(body))
        except (orjson.JSONDecodeError, ValidationError):
            scan = None
        claims = signer.verify(token) if scan is not None else None
        if scan is None or claims is None:
            await self.app(scope, replay, send)
            return
        scope["route"] = self.route
        scope["path_params"] = {}
        request = Request(scope, replay)
        try:
            partition = await request_partition(request)
            result = await run_command(request, scans.scan_for, request, claims,
                                       partition.app, scan)
            response: Response = Response(
                ScanResult.model_validate(result).model_dump_json(by_alias=True),
                media_type="application/json")
        except DomainError as exc:
            response = await self._handler(exc)(request, exc)
        await response(scope, replay, send)

    @property
    def route(self) -> Any:
        """The declared route, which the middleware outside reads from the scope."""
        if self._route is None:
            self._route = next(route for route in scans.router.routes
                               if "POST" in getattr(route, "methods", ()))
        return self._route

    def _handler(self, exc: DomainError) -> Any:
        handlers = self.owner.exception_handlers
        return next(handlers[kind] for kind in type(exc).__mro__ if kind in handlers)


def _bearer_and_json(headers: list[tuple[bytes, bytes]]) -> tuple[str | None, bool]:
    token: str | None = None
    json_body = False
    for name, value in headers:
        if name == b"authorization":
            scheme, _, rest = value.decode("latin-1").partition(" ")
            token = rest.strip() or None if scheme.lower() == "bearer" else None
        elif name == b"content-type":
            json_body = value.split(b";", 1)[0].strip().lower() == b"application/json"
    return token, json_body


async def _read_body(receive: Receive) -> bytes:
    """The whole body, through `receive` as the ceiling outside wraps it (413 past it)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the body once more, then waits on the real one (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
