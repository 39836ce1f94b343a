"""Is a new OpenAPI document compatible with the published one? What it would break.

Clients are generated from the published document, so a change may add (operations,
optional parameters, request fields that are optional, response fields, statuses, error
codes, enum values of requests) but never remove or narrow what the published one had:
operations and their operationIds, parameters, request and response fields, content
types, statuses, request enum values, accepted types and limits, credentials accepted.
`breaking_changes(published, new)` lists each such change in words; empty means
compatible. `scripts/openapi` refuses to publish a document that breaks the last one, and
tests/api/test_openapi_spec.py checks the served document against docs/openapi.json.
"""

from __future__ import annotations

from typing import Any

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Limits a request may not tighten (a larger minimum or a smaller maximum refuses more).
LOWER_BOUNDS = ("minLength", "minimum", "exclusiveMinimum", "minItems")
UPPER_BOUNDS = ("maxLength", "maximum", "exclusiveMaximum", "maxItems")


def breaking_changes(published: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return _Comparison(published, new).run()


class _Comparison:
    def __init__(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.old, self.new = old, new
        self.problems: list[str] = []

    def run(self) -> list[str]:
        for path, old_item in self.old.get("paths", {}).items():
            new_item = self.new.get("paths", {}).get(path, {})
            for method, old_op in old_item.items():
                if method not in METHODS:
                    continue
                where = f"{method.upper()} {path}"
                new_op = new_item.get(method)
                if new_op is None:
                    self.problems.append(f"{where}: the operation was removed")
                    continue
                self._operation(where, old_op, new_op)
        return self.problems

    # -- operations ------------------------------------------------------------------------
    def _operation(self, where: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        if old.get("operationId") != new.get("operationId"):
            self.problems.append(
                f"{where}: operationId {old.get('operationId')!r} became "
                f"{new.get('operationId')!r} (generated clients' names)")
        self._security(where, old.get("security"), new.get("security"))
        self._parameters(where, old.get("parameters", []), new.get("parameters", []))
        self._request_body(where, old.get("requestBody"), new.get("requestBody"))
        for status, old_response in old.get("responses", {}).items():
            new_response = new.get("responses", {}).get(status)
            if new_response is None:
                self.problems.append(f"{where}: response {status} was removed")
                continue
            for media, old_content in old_response.get("content", {}).items():
                new_content = new_response.get("content", {}).get(media)
                if new_content is None:
                    self.problems.append(f"{where}: response {status} no longer offers {media}")
                    continue
                self._response_schema(f"{where} → {status} {media}",
                                      old_content.get("schema", {}), new_content.get("schema", {}),
                                      set())

    def _security(self, where: str, old: Any, new: Any) -> None:
        def ways(security: Any) -> list[tuple[str, ...]]:
            # No requirement (absent or []) means the operation takes no credential.
            return [tuple(sorted(r)) for r in security] if security else [()]

        for way in ways(old):
            if way not in ways(new):
                taken = " + ".join(way) or "requests without a credential"
                self.problems.append(f"{where}: no longer accepts {taken}")

    def _parameters(self, where: str, old: list[Any], new: list[Any]) -> None:
        new_by_key = {(p["in"], p["name"]): p for p in new}
        old_keys = {(p["in"], p["name"]) for p in old}
        for parameter in old:
            key = (parameter["in"], parameter["name"])
            label = f"{where}: {parameter['in']} parameter {parameter['name']!r}"
            found = new_by_key.get(key)
            if found is None:
                self.problems.append(f"{label} was removed")
                continue
            if found.get("required") and not parameter.get("required"):
                self.problems.append(f"{label} became required")
            self._request_schema(label, parameter.get("schema", {}), found.get("schema", {}), set())
        for key, parameter in new_by_key.items():
            if key not in old_keys and parameter.get("required"):
                self.problems.append(f"{where}: new required {key[0]} parameter {key[1]!r}")

    def _request_body(self, where: str, old: Any, new: Any) -> None:
        if new is None:
            if old is not None:
                self.problems.append(f"{where}: the request body was removed")
            return
        if new.get("required") and not (old or {}).get("required"):
            self.problems.append(f"{where}: a request body became required")
        for media, old_content in (old or {}).get("content", {}).items():
            new_content = new.get("content", {}).get(media)
            if new_content is None:
                self.problems.append(f"{where}: the request body no longer accepts {media}")
                continue
            self._request_schema(f"{where} body", old_content.get("schema", {}),
                                 new_content.get("schema", {}), set())

    # -- schemas ---------------------------------------------------------------------------
    def _resolve(self, document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            node: Any = document
            for part in schema["$ref"].removeprefix("#/").split("/"):
                node = node[part]
            schema = node
        return schema

    def _variants(self, document: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
        schema = self._resolve(document, schema)
        for combinator in ("anyOf", "oneOf"):
            if combinator in schema:
                options = schema[combinator]
                return [v for option in options for v in self._variants(document, option)]
        return [schema]

    def _types(self, variants: list[dict[str, Any]]) -> set[str]:
        types: set[str] = set()
        for variant in variants:
            kind = variant.get("type")
            if kind is None:
                types.add("any")
            else:
                types.update(kind if isinstance(kind, list) else [kind])
        if "integer" in types and "number" not in types:
            return types
        return types | ({"integer"} if "number" in types else set())

    def _merged_object(self, variants: list[dict[str, Any]]) -> tuple[dict[str, Any], set[str]]:
        properties: dict[str, Any] = {}
        required: set[str] = set()
        for variant in variants:
            properties.update(variant.get("properties", {}))
            required.update(variant.get("required", []))
        return properties, required

    def _items(self, variants: list[dict[str, Any]]) -> dict[str, Any] | None:
        for variant in variants:
            if "items" in variant:
                return variant["items"]
        return None

    def _request_schema(self, where: str, old: dict[str, Any], new: dict[str, Any],
                        seen: set[tuple[int, int]]) -> None:
        """What a client sends: the new schema must accept everything the old one did."""
        pair = (id(self._resolve(self.old, old)), id(self._resolve(self.new, new)))
        if pair in seen:
            return
        seen = seen | {pair}
        old_variants = self._variants(self.old, old)
        new_variants = self._variants(self.new, new)
        old_types, new_types = self._types(old_variants), self._types(new_variants)
        if "any" not in new_types and not old_types <= new_types:
            self.problems.append(f"{where}: no longer accepts {sorted(old_types - new_types)}")
        old_enum = {v for s in old_variants for v in s.get("enum", []) if v is not None}
        new_enum = {v for s in new_variants for v in s.get("enum", []) if v is not None}
        if old_enum and new_enum and not old_enum <= new_enum:
            self.problems.append(f"{where}: enum values removed {sorted(old_enum - new_enum)}")
        for old_variant in old_variants:
            for new_variant in new_variants:
                if old_variant.get("type") != new_variant.get("type"):
                    continue
                for bound in LOWER_BOUNDS:
                    if bound in new_variant and new_variant[bound] > old_variant.get(bound, -1e18):
                        self.problems.append(f"{where}: {bound} tightened to {new_variant[bound]}")
                for bound in UPPER_BOUNDS:
                    if bound in new_variant and new_variant[bound] < old_variant.get(bound, 1e18):
                        self.problems.append(f"{where}: {bound} tightened to {new_variant[bound]}")
        old_props, old_required = self._merged_object(old_variants)
        new_props, new_required = self._merged_object(new_variants)
        for name in sorted(new_required - old_required):
            self.problems.append(f"{where}: field {name!r} became required")
        for name, schema in old_props.items():
            if name not in new_props:
                self.problems.append(f"{where}: field {name!r} was removed")
            else:
                self._request_schema(f"{where}.{name}", schema, new_props[name], seen)
        old_items, new_items = self._items(old_variants), self._items(new_variants)
        if old_items is not None and new_items is not None:
            self._request_schema(f"{where}[]", old_items, new_items, seen)

    def _response_schema(self, where: str, old: dict[str, Any], new: dict[str, Any],
                         seen: set[tuple[int, int]]) -> None:
        """What a client reads: every field it could rely on is still there, as it was."""
        pair = (id(self._resolve(self.old, old)), id(self._resolve(self.new, new)))
        if pair in seen:
            return
        seen = seen | {pair}
        old_variants = self._variants(self.old, old)
        new_variants = self._variants(self.new, new)
        old_types, new_types = self._types(old_variants), self._types(new_variants)
        if "any" not in old_types and not new_types <= old_types:
            self.problems.append(f"{where}: may now be {sorted(new_types - old_types)}")
        old_props, old_required = self._merged_object(old_variants)
        new_props, new_required = self._merged_object(new_variants)
        for name in sorted(old_required - new_required):
            if name in new_props:
                self.problems.append(f"{where}: field {name!r} is no longer always present")
        for name, schema in old_props.items():
            if name not in new_props:
                self.problems.append(f"{where}: field {name!r} was removed")
            else:
                self._response_schema(f"{where}.{name}", schema, new_props[name], seen)
        old_items, new_items = self._items(old_variants), self._items(new_variants)
        if old_items is not None and new_items is not None:
            self._response_schema(f"{where}[]", old_items, new_items, seen)
