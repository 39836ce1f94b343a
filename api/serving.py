"""The HTTP protocol `timebank serve` runs uvicorn with: its own, with Nagle's algorithm off.

uvicorn binds the listening socket itself for `--workers N` (N > 1) and leaves its protocol
number at 0; the connections it accepts inherit that, and asyncio turns TCP_NODELAY on only
for sockets that say IPPROTO_TCP (uvicorn issue #3149). Nagle's algorithm then holds the
body of every answer on a keep-alive connection until the client's delayed ACK — about
40 ms a request on Linux. A single worker is not affected (asyncio binds that socket); the
option is set on every connection anyway, which is harmless where it is already on.
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.auto import AutoHTTPProtocol

# The import string uvicorn is given (it is resolved again in each worker process).
NO_DELAY_HTTP = "api.serving:NoDelayHTTPProtocol"


def set_no_delay(transport: asyncio.BaseTransport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayHTTPProtocol(AutoHTTPProtocol):  # type: ignore[misc, valid-type]
    """uvicorn's own HTTP protocol (httptools when installed, else h11), without Nagle."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        set_no_delay(transport)
        super().connection_made(transport)
