"""Counting round trips to PostgreSQL: a loopback proxy that sees every byte both ways.

A round trip is one flight of client messages answered by the server: the client sends
(one message, or a pipeline of them), then waits for what the server sends back. The proxy
counts each time the client starts sending after the server last spoke (or on a new
connection), so a pipeline of five statements with one sync is one round trip, and five
statements each waiting for its answer are five. Library-independent: it counts the event
store's psycopg pool and SQLAlchemy's connections alike.

Used by tests/integration/test_round_trips.py and the benchmarks; not by the application.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit


class RoundTripProxy:
    """`with RoundTripProxy(url) as proxy:` then connect to `proxy.url`; `proxy.count`."""

    def __init__(self, upstream_url: str) -> None:
        parts = urlsplit(upstream_url)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 5432)
        self._parts = parts
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(128)
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._count = 0
        self._closed = False
        self._sockets: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        netloc = self._parts.netloc.rsplit("@", 1)
        host = f"127.0.0.1:{self.port}"
        return self._parts._replace(
            netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host).geturl()

    @property
    def count(self) -> int:
        with self._lock:
            return self._count

    @contextmanager
    def counting(self) -> Iterator[list[int]]:
        """`with proxy.counting() as trips:` … `trips[0]` is the round trips made inside."""
        box = [0]
        before = self.count
        try:
            yield box
        finally:
            box[0] = self.count - before

    def __enter__(self) -> RoundTripProxy:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._closed = True
        for sock in [self._listener, *self._sockets]:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    # -- plumbing ----------------------------------------------------------------------------
    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self._upstream)
            for sock in (client, server):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sockets += [client, server]
            # Who spoke last on this connection: a client flight after the server spoke is
            # a new round trip.
            state = {"last": "server"}
            threading.Thread(target=self._pump, args=(client, server, state, True),
                             daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, state, False),
                             daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, state: dict[str, str],
              from_client: bool) -> None:
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            if not data:
                for sock in (source, target):
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
                return
            with self._lock:
                if from_client and state["last"] == "server":
                    self._count += 1
                state["last"] = "client" if from_client else "server"
            try:
                target.sendall(data)
            except OSError:
                return
