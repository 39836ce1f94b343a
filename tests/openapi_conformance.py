"""Every answer the API tests receive is checked against the served OpenAPI document: its
status is documented for that operation, and an error's code is one the operation lists.

The `client` fixture installs this on its test client, so the whole API suite records what
each operation really answers; an answer the document does not list fails the test that
produced it, naming the operation and what to add to `api/operations.py`.
"""

from __future__ import annotations

import re
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


def install(client: httpx.Client, app: FastAPI) -> None:
    conformance = SpecConformance(app)
    client.event_hooks["response"].append(conformance.check)
