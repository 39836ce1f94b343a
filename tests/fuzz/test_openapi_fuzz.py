"""Property-based fuzzing of the whole OpenAPI document (schemathesis), with and without
credentials: no answer is a 5xx; every answer's status is one its operation documents and its
body conforms to the documented schema; every error has the contract's shape and a code
its operation lists for that status.

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
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

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


@schemathesis.check
def error_codes_are_listed(ctx: Any, response: Any, case: Any) -> None:
    if response.status_code < 400 or case.method.upper() != case.operation.method.upper():
        return  # (schemathesis also probes methods an operation does not have: 405)
    documented = case.operation.definition.raw["responses"].get(str(response.status_code), {})
    code = response.json()["error"]["code"]
    listed = documented.get("x-error-codes", [])
    assert code in listed, (
        f"{case.operation.definition.raw['operationId']} answered {response.status_code} "
        f"{code!r}, not among {listed}: add it to api/operations.py")


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    errors_have_the_contract_shape,
    error_codes_are_listed,
]
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


@schema.parametrize()
@FUZZ
def test_fuzz_as_administrator(case: Any) -> None:
    case.call_and_validate(headers=_district.admin, checks=CHECKS)


@schema.parametrize()
@FUZZ
def test_fuzz_without_credentials(case: Any) -> None:
    case.call_and_validate(checks=CHECKS)
