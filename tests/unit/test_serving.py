"""`timebank serve` answers on keep-alive connections without Nagle's delay, whoever bound
the listening socket (uvicorn binds it with protocol 0 for --workers N)."""

from __future__ import annotations

import http.client
import socket
import threading
from typing import Any

import uvicorn

from api.serving import NO_DELAY_HTTP, NoDelayHTTPProtocol


async def tiny_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    assert scope["type"] == "http"
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


def test_connections_accepted_on_a_protocol_0_listener_have_no_delay() -> None:
    # The listener as uvicorn's supervisor makes it: no protocol number, so asyncio alone
    # would leave Nagle's algorithm on for what it accepts.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    assert listener.proto == 0
    config = uvicorn.Config(tiny_app, http=NoDelayHTTPProtocol, lifespan="off",
                            log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        started = threading.Event()
        while not started.wait(0.02):  # until the server listens (no time is asserted)
            if server.started:
                started.set()
            assert thread.is_alive()
        client = http.client.HTTPConnection("127.0.0.1", listener.getsockname()[1], timeout=10)
        client.request("GET", "/")
        answer = client.getresponse()
        assert answer.status == 200 and answer.read() == b"ok"
        # Keep-alive: the server still holds the connection it answered on.
        (connection,) = list(server.server_state.connections)
        accepted = connection.transport.get_extra_info("socket")
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        client.close()
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listener.close()


def test_serve_names_the_protocol_by_an_import_string_each_worker_can_resolve() -> None:
    config = uvicorn.Config("api.app:create_app", factory=True, http=NO_DELAY_HTTP)
    config.load()
    assert config.http_protocol_class is NoDelayHTTPProtocol


def test_serve_warns_when_postgresql_runs_on_the_generated_key(monkeypatch, tmp_path) -> None:
    """PINs are peppered with the server key: beside the database it guards nothing."""
    from typer.testing import CliRunner

    import timebank.infrastructure.migrations as migrations
    from timebank.cli import app

    monkeypatch.setattr(migrations, "upgrade", lambda _settings: None)
    monkeypatch.setattr(uvicorn, "run", lambda *_args, **_kwargs: None)
    monkeypatch.chdir(tmp_path)  # no .env
    env = {"TIMEBANK_VAR_DIR": str(tmp_path), "TIMEBANK_SECRET_KEY": ""}
    runner = CliRunner()
    warned = runner.invoke(app, ["serve"], env={
        **env, "TIMEBANK_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/none"})
    assert warned.exit_code == 0, warned.output
    assert "TIMEBANK_SECRET_KEY" in warned.output
    for quiet_env in ({**env, "TIMEBANK_DATABASE_URL": "postgresql://postgres@127.0.0.1/x",
                       "TIMEBANK_SECRET_KEY": "a-key-from-the-environment-0123456789"},
                      {**env, "TIMEBANK_DATABASE_URL": ""}):
        quiet = runner.invoke(app, ["serve"], env=quiet_env)
        assert quiet.exit_code == 0, quiet.output
        assert "WARNING" not in quiet.output
