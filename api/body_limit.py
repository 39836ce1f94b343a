"""The request-body ceiling's answer in the contract's shape.

The ceiling itself is FastAPI's (`FastAPI(max_body_size=…)`, from
`TIMEBANK_MAX_BODY_BYTES`): a declared length above it is refused without reading, a
chunked body as soon as it passes it. Where that answer does not come through the app's own
error handlers (Starlette's limiter sends a plain-text 413 itself), this wrapper gives it the
contract's error body, 413 `payload_too_large`.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_body


class ContractShaped413:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.body = json.dumps(error_body(
            "payload_too_large", f"The request body is larger than {max_bytes} bytes."),
            ensure_ascii=False).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        replacing = False

        async def shaped(message: Message) -> None:
            nonlocal replacing
            if message["type"] == "http.response.start" and message["status"] == 413:
                content_type = dict(message.get("headers") or []).get(b"content-type", b"")
                if not content_type.startswith(b"application/json"):
                    replacing = True
                    await send({**message, "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(self.body)).encode()),
                        (b"connection", b"close")]})
                    return
            if replacing and message["type"] == "http.response.body":
                if not message.get("more_body"):
                    await send({"type": "http.response.body", "body": self.body})
                return
            await send(message)

        await self.app(scope, receive, shaped)
