"""The document's recorded examples (api/openapi_recorded_examples.json, written by
`scripts/openapi --record-examples` from a run of the API tests) are answers and requests of
the operations they are attached to: each validates against its operation's schema in the
published document, and names an operation and a status the document has."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openapi_schema_validator import OAS31Validator

from api.openapi_examples import example, recorded

PUBLISHED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {operation["operationId"]: operation
            for item in document["paths"].values() for operation in item.values()}


def problems_of(document: dict[str, Any], examples: dict[str, dict[str, Any]]) -> list[str]:
    by_id = operations(document)
    found = []
    for operation_id, parts in examples.items():
        operation = by_id.get(operation_id)
        if operation is None:
            found.append(f"{operation_id}: no such operation in the document")
            continue
        for part, body in parts.items():
            holder = (operation.get("requestBody") if part == "request"
                      else operation["responses"].get(part))
            if holder is None:
                found.append(f"{operation_id} {part}: the document has no such {part}")
                continue
            schema = holder["content"]["application/json"]["schema"]
            validator = OAS31Validator({**schema, "components": document["components"]})
            found += [f"{operation_id} {part}: {error.message}"
                      for error in validator.iter_errors(body)]
    return found


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(PUBLISHED.read_text(encoding="utf-8"))
    return loaded


def test_recorded_examples_conform_to_the_document(document: dict[str, Any]) -> None:
    examples = recorded()
    assert len(examples) >= 40, "run scripts/openapi --record-examples"
    assert problems_of(document, examples) == []


def test_a_wrong_example_is_found(document: dict[str, Any]) -> None:
    """The check fails on an example that does not match (a field of the wrong type, a
    status the operation does not answer, an operation that does not exist)."""
    wrong = {
        "lookUpPassbook": {"200": {"passbook_no": 12, "name_masked": "欧**娜",
                                   "balance_points": 1}, "299": {}},
        "noSuchOperation": {"200": {}},
    }
    found = problems_of(document, wrong)
    assert any("lookUpPassbook 200" in p and "12" in p for p in found), found
    assert "lookUpPassbook 299: the document has no such 299" in found
    assert "noSuchOperation: no such operation in the document" in found


def test_each_operation_publishes_its_example(document: dict[str, Any]) -> None:
    """The document carries each example (written-out ones winning over recorded ones)."""
    by_id = operations(document)
    for operation_id, parts in recorded().items():
        for part in parts:
            holder = (by_id[operation_id]["requestBody"] if part == "request"
                      else by_id[operation_id]["responses"][part])
            published = holder["content"]["application/json"].get("example")
            assert published == example(operation_id, part), (operation_id, part)
