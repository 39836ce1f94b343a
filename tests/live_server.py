"""The app as `timebank serve` runs it (uvicorn, the real HTTP stack), in a thread of the test
process on a free loopback port: for browser tests and for load that a TestClient would not
reproduce (connections, worker threads)."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn

from api.app import create_app
from timebank.settings import Settings


class LiveServer:
    """The app as `timebank serve` runs it, in a thread of this process on a free port."""

    def __init__(self, settings_for: Any) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.settings: Settings = settings_for(self.url)
        self.app = create_app(self.settings)
        config = uvicorn.Config(self.app, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run,
                                       kwargs={"sockets": [self.socket]}, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        while not self.server.started:  # set by uvicorn once it accepts connections
            if not self.thread.is_alive():
                raise RuntimeError("the server thread stopped before it started")
            time.sleep(0.02)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.socket.close()

    @property
    def services(self) -> Any:
        """The running server's own application: seeding and checks use its store."""
        return self.app.state.runtime.app
