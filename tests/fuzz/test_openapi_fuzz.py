"""Property-based fuzzing of the whole OpenAPI document (schemathesis), with and without
credentials: no answer is a 5xx, and every error has the contract's shape.

`TIMEBANK_FUZZ_EXAMPLES` sets the examples per operation (CI: a short run; see README).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from api.app import create_app
from tests.conftest import make_sqlite_settings
from tests.helpers import HttpDistrict

EXAMPLES = int(os.environ.get("TIMEBANK_FUZZ_EXAMPLES", "8"))

_app = create_app(make_sqlite_settings(Path(tempfile.mkdtemp(prefix="timebank-fuzz-"))),
                  follow_projections=False)
_client = TestClient(_app)
_client.__enter__()  # runs the lifespan: migrations, runtime, projections
_district = HttpDistrict.build(_client)
schema = schemathesis.openapi.from_asgi("/openapi.json", _app)


@schemathesis.check
def errors_have_the_contract_shape(ctx: Any, response: Any, case: Any) -> None:
    if response.status_code < 400:
        return
    if "json" not in response.headers.get("content-type", [""])[0]:
        raise AssertionError(f"{response.status_code} without a JSON error body")
    error = response.json().get("error")
    assert isinstance(error, dict), "error body lacks `error`"
    for key in ("code", "message", "message_zh"):
        assert isinstance(error.get(key), str) and error[key], f"error lacks {key}"


CHECKS = [not_a_server_error, errors_have_the_contract_shape]
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


@schema.parametrize()
@FUZZ
def test_fuzz_as_administrator(case: Any) -> None:
    case.call_and_validate(headers=_district.admin, checks=CHECKS)


@schema.parametrize()
@FUZZ
def test_fuzz_without_credentials(case: Any) -> None:
    case.call_and_validate(checks=CHECKS)
