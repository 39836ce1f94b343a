"""The published OpenAPI document: FastAPI's, completed from the operation registry.

FastAPI knows the paths, parameters and shapes; `api/operations.py` knows what people call
each operation, whom it serves and which errors it answers. `published_spec` joins them:
operationIds, tags and summaries from the registry; the security schemes (bearer token,
kiosk key) applied per operation from the credentials its route depends on; every error
status with the contract's error schema, its codes and their messages taken from the one
catalogue; `Idempotency-Key` marked required where the server requires it; binary answers
typed; request and response examples from `api/openapi_examples.py`.

The result is published as docs/openapi.json (`scripts/openapi` regenerates it).
"""

from __future__ import annotations

import copy
from collections import defaultdict
from typing import Any

from fastapi import FastAPI
from pydantic import TypeAdapter

from api.errors import FIELD_OF_CODE, error_body, public_answer
from api.openapi_examples import EXAMPLES
from api.operations import OPERATIONS, TAGS, Operation
from api.schemas import ErrorResponse
from timebank.domain.errors import MESSAGES

SCHEMAS = "#/components/schemas/"
EXAMPLE_REFS = "#/components/examples/"
BEARER = "bearerAuth"
KIOSK_KEY = "kioskKey"
FASTAPI_BEARER = "OAuth2PasswordBearer"
KIOSK_HEADER = "X-Kiosk-Key"
IDEMPOTENCY_HEADER = "Idempotency-Key"
FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")
UNREGISTERED = "unregistered (add to api/operations.py)"

SECURITY_SCHEMES = {
    BEARER: {
        "type": "http",
        "scheme": "bearer",
        "description": (
            "Staff: `POST /api/v1/auth/token` (OAuth2 password form). Volunteers: "
            "`POST /api/v1/auth/volunteer-token` (phone and PIN). Send "
            "`Authorization: Bearer <access_token>` until `expires_in` seconds have passed."
        ),
    },
    KIOSK_KEY: {
        "type": "apiKey",
        "in": "header",
        "name": KIOSK_HEADER,
        "description": (
            "A kiosk's API key, shown once when staff register the kiosk "
            "(`POST /api/v1/kiosks`); it is stored hashed and revocable. See "
            "docs/kiosk-integration.md for rotation."
        ),
    },
}

DESCRIPTION = """\
Volunteer time bank (公益时间银行) and community-fund ledger — the published HTTP contract, v1.

* **Errors**: every 4xx/5xx body is `{"error": {"code", "message", "message_zh"}}`; each
  operation lists the codes it answers under each status (the list may grow: treat an unknown
  code by its status). 422 `invalid_input` names the offending `fields`.
* **Idempotency**: where `Idempotency-Key` is required, the same key with the same body
  answers the first response again and changes nothing; with a different body it is
  422 `idempotency_key_reused`. Keys are kept at least 24 hours.
* **Credentials**: staff and volunteers send `Authorization: Bearer <token>`; kiosks send
  `X-Kiosk-Key: <key>`. Operations marked with no security need none.
* **Bodies** larger than the server's ceiling (1 MiB unless configured) are refused with
  413 `payload_too_large` before they are read.
* **Money** is integer fen (`*_fen`); **points** are integers; **hours** are decimal strings
  with two places (`"2.50"`); **times** are ISO 8601 with an offset; dates are `YYYY-MM-DD`.

Guides: docs/kiosk-integration.md (kiosk vendors), docs/api-operations.md (developers).
"""

# Success bodies that are not JSON: what a generator should type them as.
TEXT_SCHEMA = {"type": "string"}
BINARY_SCHEMA = {"type": "string", "format": "binary"}


def install_openapi(app: FastAPI) -> None:
    """Serve the published document at /openapi.json (built once per set of routes)."""
    generate = app.openapi  # FastAPI's own, cached by FastAPI per set of routes
    built: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        base = generate()
        if built.get("base") is not base:
            built["spec"] = published_spec(base)
            built["base"] = base
        return built["spec"]

    app.openapi = openapi  # type: ignore[method-assign]


def registry_key(method: str, path: str) -> str:
    return f"{method.upper()} {path}"


def unregistered_operations(base: dict[str, Any]) -> list[str]:
    """Operations of FastAPI's document that have no registry entry."""
    return [
        registry_key(method, path)
        for path, item in base["paths"].items()
        for method in item
        if registry_key(method, path) not in OPERATIONS
    ]


def published_spec(base: dict[str, Any]) -> dict[str, Any]:
    spec = copy.deepcopy(base)
    spec["info"]["description"] = DESCRIPTION
    spec["tags"] = [{"name": name, "description": text} for name, text in TAGS]
    components = spec.setdefault("components", {})
    components["securitySchemes"] = copy.deepcopy(SECURITY_SCHEMES)
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            entry = OPERATIONS.get(registry_key(method, path)) or _unregistered(operation)
            _complete_operation(operation, entry)
    _install_error_schemas(components["schemas"])
    components["examples"] = error_examples(spec)
    for name in FASTAPI_VALIDATION:
        components["schemas"].pop(name, None)
    _rename_form_bodies(spec)
    return spec


def _unregistered(operation: dict[str, Any]) -> Operation:
    """A route without a registry entry (tests/api/test_openapi_spec.py fails on it) is still
    served in a valid document, under FastAPI's names, so that /docs keeps working."""
    return Operation(operation["operationId"], UNREGISTERED, operation.get("summary", ""))


def _complete_operation(operation: dict[str, Any], entry: Operation) -> None:
    operation["operationId"] = entry.operation_id
    operation["tags"] = [entry.tag]
    operation["summary"] = entry.summary
    parameters = operation.get("parameters", [])
    kiosk = any(p["in"] == "header" and p["name"] == KIOSK_HEADER for p in parameters)
    bearer = any(FASTAPI_BEARER in requirement for requirement in operation.get("security", []))
    # The kiosk key is a credential, declared as a security scheme, not a parameter.
    parameters = [p for p in parameters if not (p["in"] == "header" and p["name"] == KIOSK_HEADER)]
    takes_key = False
    for parameter in parameters:
        if parameter["in"] == "header" and parameter["name"] == IDEMPOTENCY_HEADER:
            takes_key = True
            _document_idempotency(parameter, entry.idempotency_required)
    if parameters:
        operation["parameters"] = parameters
    else:
        operation.pop("parameters", None)
    security = ([{KIOSK_KEY: []}] if kiosk else []) + ([{BEARER: []}] if bearer else [])
    operation["security"] = security  # [] marks a public operation: no credential
    codes = list(entry.errors)
    codes.append("invalid_input")
    if security:
        codes.append("unauthenticated")
    if takes_key:
        codes.append("idempotency_key_reused")
        if entry.idempotency_required:
            codes.append("idempotency_key_required")
    responses = operation.setdefault("responses", {})
    responses.pop("422", None)  # FastAPI's own shape, not the contract's
    for status, response in responses.items():
        _type_binary_content(response)
        _add_example(response, EXAMPLES.get(entry.operation_id, {}).get(status))
    # A body that cannot be parsed at all (not JSON, not a form) is refused before validation;
    # one larger than the server's ceiling (TIMEBANK_MAX_BODY_BYTES) before it is read.
    unparsable = (((400, "invalid_input"), (413, "payload_too_large"))
                  if "requestBody" in operation else ())
    responses.update(error_responses(codes, unparsable))
    operation["responses"] = dict(sorted(responses.items()))
    request_example = EXAMPLES.get(entry.operation_id, {}).get("request")
    if request_example is not None:
        _add_example(operation.get("requestBody", {}), request_example)


def _document_idempotency(parameter: dict[str, Any], required: bool) -> None:
    parameter["required"] = required
    parameter["schema"] = {"type": "string", "maxLength": 200}
    parameter["description"] = (
        ("Required. " if required else "Optional. ")
        + "A key you choose for this request (e.g. a UUID), at most 200 characters. A retry "
        "with the same key and body answers the first response again and changes nothing; "
        "the same key with a different body is 422 `idempotency_key_reused`. Kept at least "
        "24 hours."
    )


def _type_binary_content(response: dict[str, Any]) -> None:
    for media_type, content in response.get("content", {}).items():
        if "schema" not in content or not content["schema"]:
            if media_type == "application/json":
                continue
            content["schema"] = dict(TEXT_SCHEMA if media_type.startswith("text/")
                                     else BINARY_SCHEMA)


def _add_example(holder: dict[str, Any], example: Any) -> None:
    content = holder.get("content", {}).get("application/json")
    if example is not None and content is not None:
        content["example"] = example


def error_responses(
    domain_codes: list[str], framework_answers: tuple[tuple[int, str], ...] = ()
) -> dict[str, dict[str, Any]]:
    """Each status an operation's errors answer with: the contract's error schema, the codes
    (public ones, as the client sees them) and an example of each, from the catalogue.
    `framework_answers` are (status, code) pairs answered before the operation's own code."""
    by_status: dict[int, dict[str, list[str]]] = defaultdict(dict)
    for code in domain_codes:
        status, public = public_answer(code)
        problems = by_status[status].setdefault(public, [])
        if code != public and code in FIELD_OF_CODE:
            problems.append(code)
    for status, public in framework_answers:
        by_status[status].setdefault(public, [])
    responses = {}
    for status in sorted(by_status):
        listed = by_status[status]
        lines, examples = [], {}
        for public in sorted(listed):
            english, chinese = MESSAGES[public]
            line = f"`{public}` — {english} {chinese}"
            if listed[public]:
                line += " `fields[].problem`: " + ", ".join(
                    f"`{p}`" for p in sorted(listed[public]))
            lines.append(line)
            for name in (public, *sorted(listed[public])):
                examples[name] = {"$ref": f"{EXAMPLE_REFS}{name}"}
        responses[str(status)] = {
            "description": "\n\n".join(lines),
            "content": {"application/json": {
                "schema": {"$ref": f"{SCHEMAS}ErrorResponse"},
                "examples": examples,
            }},
            "x-error-codes": sorted(listed),
        }
    return responses


def error_examples(spec: dict[str, Any]) -> dict[str, Any]:
    """One example body per code the document's responses refer to, from the catalogue."""
    names = sorted({
        name
        for item in spec["paths"].values()
        for operation in item.values()
        for response in operation.get("responses", {}).values()
        for name in response.get("content", {}).get("application/json", {}).get("examples", {})
    })
    examples = {}
    for name in names:
        value = error_body(name)
        summary = value["error"]["code"]
        if name in FIELD_OF_CODE:
            value["error"]["fields"] = [{"field": FIELD_OF_CODE[name], "problem": name}]
            summary = f"invalid_input: {name}"
        examples[name] = {"summary": summary, "value": value}
    return examples


def _install_error_schemas(schemas: dict[str, Any]) -> None:
    generated = TypeAdapter(ErrorResponse).json_schema(
        ref_template=SCHEMAS + "{model}", mode="serialization")
    definitions = generated.pop("$defs", {})
    schemas.update(definitions)
    schemas["ErrorResponse"] = generated


def _rename_form_bodies(spec: dict[str, Any]) -> None:
    """FastAPI names a form body `Body_<generated route id>`; name it after the operation."""
    schemas = spec["components"]["schemas"]
    renames: dict[str, str] = {}
    for item in spec["paths"].values():
        for operation in item.values():
            for content in operation.get("requestBody", {}).get("content", {}).values():
                ref = content.get("schema", {}).get("$ref", "")
                name = ref.removeprefix(SCHEMAS)
                if name.startswith("Body_"):
                    pascal = operation["operationId"][0].upper() + operation["operationId"][1:]
                    renames[name] = f"{pascal}Form"
    for old, new in renames.items():
        schemas[new] = schemas.pop(old)
        schemas[new]["title"] = new
    _rewrite_refs(spec, {SCHEMAS + old: SCHEMAS + new for old, new in renames.items()})


def _rewrite_refs(node: Any, refs: dict[str, str]) -> None:
    if isinstance(node, dict):
        if node.get("$ref") in refs:
            node["$ref"] = refs[node["$ref"]]
        for value in node.values():
            _rewrite_refs(value, refs)
    elif isinstance(node, list):
        for value in node:
            _rewrite_refs(value, refs)
