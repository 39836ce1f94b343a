"""Links name the address being served: `timebank serve --port P` with no public base URL
set prints QR codes that open the scan page on port P (as a fresh clone's
`scripts/serve --port P` does), and TIMEBANK_PUBLIC_BASE_URL wins when it is set."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import zxingcpp
from PIL import Image

from api.cpu_pinning import allowed_cpus
from timebank.settings import DEFAULT_BASE_URL, Settings, served_url

TIMEBANK = Path(sys.executable).with_name("timebank")
ADMIN, PASSWORD = "port-admin", "port-admin-password"


def test_the_base_url_is_the_served_address_unless_one_is_set(tmp_path: Path) -> None:
    assert served_url("127.0.0.1", 8600) == "http://127.0.0.1:8600"
    assert served_url("0.0.0.0", 8600) == "http://127.0.0.1:8600"  # noqa: S104
    assert served_url("::", 8600) == "http://[::1]:8600"
    assert served_url("::1", 9000) == "http://[::1]:9000"
    base = {"var_dir": tmp_path}
    assert Settings(**base).public_base_url == DEFAULT_BASE_URL
    served = Settings(**base, served_url="http://127.0.0.1:8600")
    assert served.public_base_url == "http://127.0.0.1:8600" and not served.public_base_url_set
    named = Settings(**base, served_url="http://127.0.0.1:8600",
                     public_base_url="https://tb.example.org")
    assert named.public_base_url == "https://tb.example.org" and named.public_base_url_set


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_served_port_s_qr_code_opens_the_scan_page_on_that_port(tmp_path: Path) -> None:
    if not TIMEBANK.exists():
        pytest.skip(f"no installed timebank command beside {sys.executable}")
    port = _free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("TIMEBANK_PUBLIC_BASE_URL", "TIMEBANK_SERVED_URL",
                        "TIMEBANK_DATABASE_URL", "TIMEBANK_BANK_DATABASES")}
    env.update(TIMEBANK_VAR_DIR=str(tmp_path / "var"), TIMEBANK_SECRET_KEY="port-test-secret")
    subprocess.run([str(TIMEBANK), "users", "create-admin", "--username", ADMIN,
                    "--password", PASSWORD], env=env, check=True, capture_output=True,
                   timeout=120)
    server = subprocess.Popen([str(TIMEBANK), "serve", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=30) as http:
            deadline = time.monotonic() + 90
            while True:  # until the server answers (its start is not timed)
                try:
                    if http.get("/api/v1/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
            token = http.post("/api/v1/auth/token",
                              data={"username": ADMIN, "password": PASSWORD}).json()
            auth = {"Authorization": f"Bearer {token['access_token']}"}
            office = None
            for name, kind in (("港口区公益银行", "bank"), ("港口街道分行", "branch"),
                               ("港口社区储蓄所", "savings_office")):
                office = http.post("/api/v1/offices", json={
                    "name": name, "kind": kind, "parent_id": office}, headers=auth).json()["id"]
            now = datetime.now(UTC)
            activity = http.post("/api/v1/activities", json={
                "office_id": office, "title": "港口清洁", "category": "environment",
                "starts_at": (now - timedelta(hours=1)).isoformat(),
                "ends_at": (now + timedelta(hours=1)).isoformat(), "location": "码头"},
                headers=auth).json()["id"]
            png = http.get(f"/api/v1/activities/{activity}/qr.png", headers=auth).content
            (decoded,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
            assert decoded.text.startswith(f"{base}/scan?t=")
            scan_page = http.get(decoded.text)
            assert scan_page.status_code == 200 and "港口清洁" in scan_page.text
            # `serve` holds its process to one core (api/cpu_pinning.py): the first slot's.
            cores = allowed_cpus()
            if len(cores) > 1:
                assert os.sched_getaffinity(server.pid) == {cores[0]}
    finally:
        server.terminate()
        server.wait(timeout=30)
