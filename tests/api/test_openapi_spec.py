"""The served OpenAPI document: complete, valid, published, and never narrowed.

- every route has an entry in the operation registry (api/operations.py), and no entry is stale;
- the document validates (openapi-spec-validator) and says what the API does: error statuses
  in the contract's shape with codes from the catalogue, credentials per operation,
  `Idempotency-Key` required exactly where the routers require it, binary answers typed,
  no FastAPI-generated names;
- it equals docs/openapi.json (drift), and nothing the file has is removed or narrowed
  (compatibility) — both shown failing on deliberately modified copies.
"""

from __future__ import annotations

import ast
import copy
import importlib
import inspect
import json
import pkgutil
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from openapi_spec_validator import validate

import api.routers
from api.app import API_PREFIX, create_app
from api.openapi_compat import breaking_changes
from api.openapi_publish import PUBLISHED, render
from api.operations import OPERATIONS, TAG_NAMES
from tests.conftest import make_sqlite_settings
from timebank.domain.errors import MESSAGES

METHODS = ("get", "put", "post", "delete", "patch")


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What /openapi.json serves (the document needs no database: no lifespan is run)."""
    app = create_app(make_sqlite_settings(tmp_path_factory.mktemp("spec")), migrate=False,
                     follow_projections=False)
    response = TestClient(app).get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(f"{method.upper()} {path}", operation)
            for path, item in document["paths"].items()
            for method, operation in item.items() if method in METHODS]


# -- the registry ---------------------------------------------------------------------------
def registry_problems(document: dict[str, Any]) -> list[str]:
    """Routes without an entry (with the stanza to add) and entries without a route."""
    served = {key for key, _ in operations(document)}
    problems = [
        f"{key} has no entry in api/operations.py; add one, e.g.\n"
        f'    "{key}": op("verbNoun", "<{"|".join(TAG_NAMES)}>", "Summary (中文)", '
        f"*the_error_codes_it_answers),\nthen run scripts/openapi (docs/api-operations.md)."
        for key in sorted(served - OPERATIONS.keys())]
    problems += [f"api/operations.py has an entry for {key}, which is no route"
                 for key in sorted(OPERATIONS.keys() - served)]
    return problems


def test_every_route_has_an_entry_in_the_operation_registry(spec: dict[str, Any]) -> None:
    problems = registry_problems(spec)
    assert not problems, "\n".join(problems)


def test_a_route_without_an_entry_is_named_and_still_served_validly(tmp_path: Path) -> None:
    app = create_app(make_sqlite_settings(tmp_path), migrate=False, follow_projections=False)
    extra = APIRouter()

    @extra.post("/api/v1/kiosk/heartbeat", status_code=204)
    def heartbeat(note: str = "") -> None:
        return None

    app.include_router(extra)
    document = TestClient(app).get("/openapi.json").json()
    validate(document)  # /docs keeps working while the entry is missing
    problems = registry_problems(document)
    assert len(problems) == 1
    assert problems[0].startswith("POST /api/v1/kiosk/heartbeat has no entry in api/operations.py")
    assert '"POST /api/v1/kiosk/heartbeat": op("verbNoun"' in problems[0]


def test_operation_names_are_for_people(spec: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _, operation in operations(spec)]
    assert len(ids) == len(set(ids)), "operationIds repeat"
    for key, operation in operations(spec):
        assert re.fullmatch(r"[a-z][a-zA-Z0-9]{2,40}", operation["operationId"]), key
        assert operation["tags"] == [OPERATIONS[key].tag] and operation["tags"][0] in TAG_NAMES
        assert re.search(r"[\u4e00-\u9fff]", operation["summary"]), f"{key}: no Chinese term"
    assert [tag["name"] for tag in spec["tags"]] == list(TAG_NAMES)


def test_every_listed_error_code_is_in_the_catalogue() -> None:
    for key, entry in OPERATIONS.items():
        unknown = [code for code in entry.errors if code not in MESSAGES]
        assert not unknown, f"{key}: codes not in timebank/domain/errors.py: {unknown}"


# -- what the document says ------------------------------------------------------------------
def test_the_document_is_valid_openapi(spec: dict[str, Any]) -> None:
    validate(spec)  # raises with the offending path


def test_errors_are_in_the_contracts_shape_with_their_codes(spec: dict[str, Any]) -> None:
    text = json.dumps(spec)
    assert "HTTPValidationError" not in text and '"detail"' not in text
    error_body = spec["components"]["schemas"]["ErrorResponse"]
    assert error_body["required"] == ["error"]
    for key, operation in operations(spec):
        responses = operation["responses"]
        assert "422" in responses, f"{key}: any request may be invalid"
        for status, response in responses.items():
            if int(status) < 400:
                assert "x-error-codes" not in response
                continue
            content = response["content"]["application/json"]
            assert content["schema"] == {"$ref": "#/components/schemas/ErrorResponse"}, key
            codes = response["x-error-codes"]
            assert codes and all(code in MESSAGES for code in codes), (key, status)
            for code in codes:
                assert f"`{code}`" in response["description"], (key, status, code)
                example = spec["components"]["examples"][code]["value"]["error"]
                assert example["code"] == code and example["message_zh"] == MESSAGES[code][1]
    redeem = spec["paths"]["/api/v1/kiosk/redemptions"]["post"]["responses"]
    assert redeem["403"]["x-error-codes"] == ["forbidden", "wrong_pin"]
    assert redeem["409"]["x-error-codes"] == [
        "conflict", "insufficient_points", "item_unavailable", "out_of_stock",
        "volunteer_inactive"]
    assert redeem["423"]["x-error-codes"] == ["passbook_locked"]
    # A code is a documented string, not a closed enum: codes may be added later.
    assert spec["components"]["schemas"]["ErrorBody"]["properties"]["code"]["type"] == "string"
    assert "enum" not in spec["components"]["schemas"]["ErrorBody"]["properties"]["code"]


def test_credentials_are_security_schemes_applied_per_operation(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert schemes["kioskKey"] == {
        **schemes["kioskKey"], "type": "apiKey", "in": "header", "name": "X-Kiosk-Key"}
    public = {key for key, operation in operations(spec) if operation["security"] == []}
    assert public == {
        "GET /api/v1/health", "POST /api/v1/auth/token", "POST /api/v1/auth/volunteer-token",
        "GET /api/v1/certificates/{serial}/verify", "GET /api/v1/audit/checkpoints/{day}",
        "POST /api/v1/auth/password"}  # the step after a password reset: no token yet
    for key, operation in operations(spec):
        names = [p["name"] for p in operation.get("parameters", [])]
        assert "X-Kiosk-Key" not in names, f"{key}: the kiosk key is a credential"
        if key not in public:
            assert operation["responses"]["401"]["x-error-codes"] == ["unauthenticated"], key
        if key.startswith("GET /api/v1/kiosk/") or key == "POST /api/v1/kiosk/redemptions":
            assert operation["security"] == [{"kioskKey": []}], key
    cancel = spec["paths"]["/api/v1/kiosk/redemptions/{redemption_id}/cancel"]["post"]
    assert cancel["security"] == [{"kioskKey": []}, {"bearerAuth": []}]  # either


def routes_by_key() -> dict[str, Any]:
    """Every router's endpoints, by "METHOD /path" (the routers are all under /api/v1)."""
    found = {}
    for module_info in pkgutil.iter_modules(api.routers.__path__):
        module = importlib.import_module(f"api.routers.{module_info.name}")
        for router in vars(module).values():
            if isinstance(router, APIRouter):
                for route in router.routes:
                    for method in getattr(route, "methods", ()):
                        found[f"{method} {API_PREFIX}{route.path}"] = route.endpoint
    return found


def requires_idempotency_key(endpoint: Any) -> bool | None:
    """From the endpoint's code: None without `idempotency_for`, else whether it requires one."""
    for node in ast.walk(ast.parse(inspect.getsource(endpoint).lstrip())):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "idempotency_for":
            required = next((k.value for k in node.keywords if k.arg == "required"), None)
            return not (isinstance(required, ast.Constant) and required.value is False)
    return None


def test_idempotency_key_is_required_exactly_where_the_routers_require_it(
    spec: dict[str, Any],
) -> None:
    endpoints = routes_by_key()
    required_by_code = set()
    for key, operation in operations(spec):
        if key not in endpoints:
            continue  # public routers outside /api/v1 are not in the document
        header = [p for p in operation.get("parameters", []) if p["name"] == "Idempotency-Key"]
        in_code = requires_idempotency_key(endpoints[key])
        assert bool(header) == (in_code is not None), key
        if header:
            assert header[0]["required"] is in_code, key
            assert header[0]["schema"] == {"type": "string", "maxLength": 200}
            codes = operation["responses"]["422"]["x-error-codes"]
            assert "idempotency_key_reused" in codes, key
            if in_code:
                required_by_code.add(key)
                assert "idempotency_key_required" in operation["responses"]["400"][
                    "x-error-codes"]
    assert required_by_code == {
        "POST /api/v1/transfers", "POST /api/v1/kiosk/redemptions",
        "POST /api/v1/funds/{fund_id}/donations", "POST /api/v1/funds/{fund_id}/expenses",
        "POST /api/v1/funds/{fund_id}/reclassifications",
        "POST /api/v1/funds/{fund_id}/purpose-changes",
        "POST /api/v1/grants/{grant_id}/disbursements", "POST /api/v1/interbank-transfers",
        "POST /api/v1/time-gifts", "POST /api/v1/time-donations",
        "POST /api/v1/funds/{fund_id}/custodial-receipts",
        "POST /api/v1/funds/{fund_id}/custodial-payments",
        "POST /api/v1/funds/{fund_id}/in-kind-distributions",
        "POST /api/v1/service-requests", "POST /api/v1/service-requests/{request_id}/confirm",
        "POST /api/v1/service-requests/{request_id}/resolve",
        "POST /api/v1/group-accounts/{account_id}/services",
        "POST /api/v1/group-accounts/{account_id}/donations",
        "POST /api/v1/hours-pool-grants"}


def test_binary_answers_are_typed(spec: dict[str, Any]) -> None:
    seen = set()
    for key, operation in operations(spec):
        for media, content in operation["responses"]["200" if "200" in operation["responses"]
                                                     else next(iter(operation["responses"]))
                                                     ].get("content", {}).items():
            if media == "application/json":
                continue
            seen.add(media)
            expected = {"type": "string"} if media.startswith("text/") else {
                "type": "string", "format": "binary"}
            assert content["schema"] == expected, key
    assert seen == {"image/png", "image/svg+xml", "application/pdf", "text/csv", "application/zip",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def test_schema_names_are_single_and_chosen(spec: dict[str, Any]) -> None:
    names = list(spec["components"]["schemas"])
    assert not [n for n in names if n.endswith(("-Input", "-Output")) or n.startswith("Body_")]
    titles = [schema.get("title", name) for name, schema in spec["components"]["schemas"].items()]
    assert len(titles) == len(set(titles)), "two models share a name"


# -- published, drift and compatibility ------------------------------------------------------
def test_the_served_document_is_the_published_file(spec: dict[str, Any]) -> None:
    assert PUBLISHED.exists(), "docs/openapi.json is missing: run scripts/openapi"
    published = json.loads(PUBLISHED.read_text(encoding="utf-8"))
    assert published == spec, (
        "The served OpenAPI document differs from docs/openapi.json: run scripts/openapi "
        "and commit the file (it refuses changes that break the published contract).")
    assert render(spec) == PUBLISHED.read_text(encoding="utf-8")


def test_the_served_document_keeps_everything_the_published_file_has(
    spec: dict[str, Any],
) -> None:
    published = json.loads(PUBLISHED.read_text(encoding="utf-8"))
    assert breaking_changes(published, spec) == []


def drifted(published: dict[str, Any], served: dict[str, Any]) -> bool:
    return published != served


def test_a_modified_copy_fails_drift_and_compatibility_and_additions_pass(
    spec: dict[str, Any],
) -> None:
    """The two checks above, shown failing on deliberate breaks of a copy of the document."""
    assert breaking_changes(spec, spec) == [] and not drifted(spec, copy.deepcopy(spec))

    def changed(edit: Any) -> dict[str, Any]:
        copied = copy.deepcopy(spec)
        edit(copied)
        return copied

    paths = "paths"
    schemas = ("components", "schemas")

    def schema(document: dict[str, Any], name: str) -> dict[str, Any]:
        return document[schemas[0]][schemas[1]][name]

    breaks = {
        "the operation was removed":
            lambda d: d[paths]["/api/v1/kiosk/catalog"].pop("get"),
        "operationId 'redeemAtKiosk' became 'redeem'":
            lambda d: d[paths]["/api/v1/kiosk/redemptions"]["post"].update(operationId="redeem"),
        "field 'balance_after' was removed":
            lambda d: schema(d, "RedemptionOut")["properties"].pop("balance_after"),
        "field 'points_spent' is no longer always present":
            lambda d: schema(d, "RedemptionOut")["required"].remove("points_spent"),
        "field 'note' was removed":
            lambda d: schema(d, "TransferCreate")["properties"].pop("note"),
        "field 'channel' became required":
            lambda d: schema(d, "RedemptionCreate")["required"].append("channel")
            or schema(d, "RedemptionCreate")["properties"].update(channel={"type": "string"}),
        "enum values removed ['bazaar']":
            lambda d: schema(d, "DonationCreate")["properties"]["donor_type"]["enum"]
            .remove("bazaar"),
        "header parameter 'Idempotency-Key' became required":
            lambda d: d[paths]["/api/v1/kiosk/redemptions/{redemption_id}/cancel"]["post"][
                "parameters"][-1].update(required=True),
        "maxLength tightened to 100":
            lambda d: d[paths]["/api/v1/kiosk/redemptions"]["post"]["parameters"][0][
                "schema"].update(maxLength=100),
        "response 423 was removed":
            lambda d: d[paths]["/api/v1/kiosk/redemptions"]["post"]["responses"].pop("423"),
        "no longer accepts requests without a credential":
            lambda d: d[paths]["/api/v1/health"]["get"].update(security=[{"bearerAuth": []}]),
    }
    for expected, edit in breaks.items():
        broken = changed(edit)
        assert drifted(spec, broken), expected
        problems = breaking_changes(spec, broken)
        assert any(expected in problem for problem in problems), (expected, problems)

    additions = [
        lambda d: d[paths].update({"/api/v1/kiosk/heartbeat": {"post": {
            "operationId": "sendKioskHeartbeat", "responses": {"204": {"description": "ok"}}}}}),
        lambda d: schema(d, "RedemptionOut")["properties"].update(receipt_no={"type": "string"}),
        lambda d: schema(d, "RedemptionCreate")["properties"].update(note={"type": "string"}),
        lambda d: schema(d, "DonationCreate")["properties"]["donor_type"]["enum"].append("trust"),
        lambda d: d[paths]["/api/v1/kiosk/redemptions"]["post"]["responses"]["409"][
            "x-error-codes"].append("kiosk_paused"),
        lambda d: d[paths]["/api/v1/kiosk/catalog"]["get"].setdefault("parameters", []).append(
            {"name": "category", "in": "query", "required": False, "schema": {"type": "string"}}),
        lambda d: d[paths]["/api/v1/kiosk/redemptions"]["post"]["responses"].update(
            {"429": {"description": "rate_limited"}}),
    ]
    for edit in additions:
        extended = changed(edit)
        assert drifted(spec, extended)  # the file must be regenerated...
        assert breaking_changes(spec, extended) == []  # ...and it may be


def test_publishing_refuses_a_breaking_change(
    tmp_path: Path, spec: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from api import openapi_publish

    monkeypatch.setattr(openapi_publish, "served_spec", lambda: spec)  # built once, above
    wider = copy.deepcopy(spec)
    wider["paths"]["/api/v1/kiosk/retired"] = {"get": {"operationId": "retired", "responses": {
        "200": {"description": "ok"}}}}
    target = tmp_path / "openapi.json"
    target.write_text(render(wider), encoding="utf-8")
    assert openapi_publish.main(["--output", str(target)]) == 1
    assert json.loads(target.read_text(encoding="utf-8")) == wider  # left as it was
    assert openapi_publish.main(["--check", "--output", str(target)]) == 1
    target.write_text("{}", encoding="utf-8")
    assert openapi_publish.main(["--output", str(target)]) == 0
    assert json.loads(target.read_text(encoding="utf-8")) == spec
    assert openapi_publish.main(["--check", "--output", str(target)]) == 0


def test_examples_are_in_the_document(spec: dict[str, Any]) -> None:
    from api.openapi_examples import EXAMPLES

    by_id = {operation["operationId"]: operation for _, operation in operations(spec)}
    for operation_id, parts in EXAMPLES.items():
        operation = by_id[operation_id]
        for part, example in parts.items():
            holder = operation["requestBody"] if part == "request" else operation["responses"][
                part]
            assert holder["content"]["application/json"]["example"] == example, (
                operation_id, part)


def test_the_kiosk_guide_tables_every_code_the_kiosk_operations_answer(
    spec: dict[str, Any],
) -> None:
    guide = (Path(__file__).resolve().parents[2] / "docs" / "kiosk-integration.md").read_text(
        encoding="utf-8")
    table = {row.split("|")[1].strip().strip("`") for row in guide.splitlines()
             if row.startswith("| `")}
    for key, operation in operations(spec):
        if operation["tags"] == ["kiosk"]:
            assert f"`{operation['operationId']}`" in guide, key
            for response in operation["responses"].values():
                missing = set(response.get("x-error-codes", [])) - table
                assert not missing, f"docs/kiosk-integration.md lacks {missing} ({key})"
