"""Every answer the API tests receive is checked against the served OpenAPI document: its
status is documented for that operation, and an error's code is one the operation lists.

The `client` fixture installs this on its test client, so the whole API suite records what
each operation really answers; an answer the document does not list fails the test that
produced it, naming the operation and what to add to `api/operations.py`.
"""

from __future__ import annotations

import atexit
import json
import os
import re
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

Route = tuple[re.Pattern[str], str, dict[str, Any]]
# Building the document takes FastAPI a second or two, and every app built from this code
# serves the same one: it is built once per test process, from the first app that answers.
_operations_of_the_code: list[Route] = []


class SpecConformance:
    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def _operations(self) -> list[Route]:
        if not _operations_of_the_code:
            spec = self.app.openapi()
            routes = []
            for path, item in spec["paths"].items():
                pattern = re.compile("^" + re.sub(r"\{[^}/]+\}", "[^/]+", path) + "$")
                for method, operation in item.items():
                    routes.append((pattern, method.upper(), operation, path.count("{")))
            # A literal segment wins over a parameter (`/redemptions/batch` before `/{id}`).
            routes.sort(key=lambda route: route[3])
            _operations_of_the_code.extend((pattern, method, op) for pattern, method, op, _ in
                                           routes)
        return _operations_of_the_code

    def operation(self, method: str, path: str) -> dict[str, Any] | None:
        for pattern, op_method, operation in self._operations():
            if op_method == method and pattern.match(path):
                return operation
        return None

    def check(self, response: httpx.Response) -> None:
        request = response.request
        operation = self.operation(request.method, request.url.path)
        if operation is None or response.status_code == 500:
            return  # not an API operation (a page, an unknown path), or a crash (own tests)
        status = str(response.status_code)
        name = operation["operationId"]
        documented = operation["responses"].get(status)
        assert documented is not None, (
            f"{name} ({request.method} {request.url.path}) answered {status}, which its "
            f"OpenAPI document does not list: add the error code to its entry in "
            f"api/operations.py. Body: {response.text[:300]}")
        if response.status_code >= 400:
            response.read()
            code = response.json().get("error", {}).get("code")
            listed = documented.get("x-error-codes", [])
            assert code in listed, (
                f"{name} ({request.method} {request.url.path}) answered {status} {code!r}, "
                f"not among its listed codes {listed}: add it to its entry in "
                f"api/operations.py.")


class ExampleRecorder:
    """With `TIMEBANK_RECORD_EXAMPLES` naming a folder, keeps the first successful JSON answer
    of each operation (and the JSON body that asked for it) and writes them there when the
    test process ends; `scripts/openapi --record-examples` turns them into the document's
    examples (api/openapi_recorded_examples.json)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.seen: dict[str, dict[str, Any]] = {}
        atexit.register(self.write)

    def keep(self, name: str, response: httpx.Response) -> None:
        if name in self.seen or not 200 <= response.status_code < 300:
            return
        if not response.headers.get("content-type", "").startswith("application/json"):
            return
        response.read()
        answer: dict[str, Any] = {str(response.status_code): response.json()}
        request = response.request
        if request.headers.get("content-type", "").startswith("application/json"):
            answer["request"] = json.loads(request.content)
        self.seen[name] = answer

    def write(self) -> None:
        if self.seen:
            self.folder.mkdir(parents=True, exist_ok=True)
            target = self.folder / f"examples-{os.getpid()}.json"
            target.write_text(json.dumps(self.seen, ensure_ascii=False), encoding="utf-8")


_recorder: ExampleRecorder | None = None


def recorder() -> ExampleRecorder | None:
    global _recorder
    folder = os.environ.get("TIMEBANK_RECORD_EXAMPLES")
    if folder and _recorder is None:
        _recorder = ExampleRecorder(Path(folder))
    return _recorder


def install(client: httpx.Client, app: FastAPI) -> None:
    conformance = SpecConformance(app)
    client.event_hooks["response"].append(conformance.check)
    keeping = recorder()
    if keeping is not None:
        def record(response: httpx.Response) -> None:
            operation = conformance.operation(response.request.method, response.request.url.path)
            if operation is not None:
                keeping.keep(operation["operationId"], response)

        client.event_hooks["response"].append(record)
