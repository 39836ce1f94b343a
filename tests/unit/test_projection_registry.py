"""The read side's registry: every read-model table belongs to exactly one projection, each
projection writes only its own tables, and handlers name the explicit event classes they
read (typed like the library's own examples, never `event: Any`)."""

from __future__ import annotations

import ast
import inspect
import sys
import typing
from types import UnionType

from projections import tables
from projections.base import Projection
from projections.city import CityRollupProjection
from projections.runner import all_projections

# Projections whose handlers are not typed yet (none since the funds' books were rewritten).
NOT_YET_TYPED: frozenset[str] = frozenset()
WRITERS = ("Rows", "write_rows", "add_to_rows", "insert", "update", "delete")


def projection_classes() -> list[type[Projection]]:
    # The city rollup runs one instance per bank partition (named city:<partition>).
    return [type(p) for p in all_projections()] + [CityRollupProjection]


def test_every_read_model_table_is_written_by_exactly_one_projection() -> None:
    owners: dict[str, list[str]] = {}
    for cls in projection_classes():
        for table in cls.tables:
            owners.setdefault(table.name, []).append(cls.__name__)
    read_models = {name for name in tables.metadata.tables if name != "projection_positions"}
    assert set(owners) == read_models, {
        "tables no projection writes": sorted(read_models - set(owners)),
        "tables of projections that are not read models": sorted(set(owners) - read_models),
    }
    shared = {name: who for name, who in owners.items() if len(who) != 1}
    assert not shared, f"tables written by more than one projection: {shared}"
    names = [p.name for p in all_projections()]
    assert len(names) == len(set(names)), names


def tables_written_by(cls: type[Projection]) -> set[str]:
    """Table names a projection's module hands to a writer (Rows, write_rows, insert, …)."""
    module = sys.modules[cls.__module__]
    by_variable = {name: value.name for name, value in vars(module).items()
                   if isinstance(value, tables.Table)}
    written = set()
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if not isinstance(node, ast.Call):
            continue
        called = node.func.id if isinstance(node.func, ast.Name) else (
            node.func.attr if isinstance(node.func, ast.Attribute) else None)
        if called not in WRITERS:
            continue
        for arg in node.args:
            if isinstance(arg, ast.Name) and arg.id in by_variable:
                written.add(by_variable[arg.id])
    return written


def test_each_projection_writes_only_the_tables_it_declares() -> None:
    for cls in projection_classes():
        declared = {table.name for table in cls.tables}
        written = tables_written_by(cls) - {"projection_positions"}
        assert written, f"{cls.__name__}: no writes found (the scan is broken)"
        assert written <= declared, f"{cls.__name__} writes {sorted(written - declared)}"


def test_every_handler_names_the_event_classes_it_handles() -> None:
    checked = 0
    for cls in projection_classes():
        if getattr(cls, "name", None) in NOT_YET_TYPED:
            continue
        by_method: dict[str, set[type]] = {}
        for event_class, method in cls._handlers.items():
            by_method.setdefault(method, set()).add(event_class)
        for method, handled in by_method.items():
            hints = typing.get_type_hints(getattr(cls, method))
            annotated = hints.get("event")
            named = set(typing.get_args(annotated)) if isinstance(
                annotated, UnionType) else {annotated}
            assert named == handled, f"{cls.__name__}.{method}: event is {annotated}"
            checked += 1
    assert checked > 30


def test_the_events_projections_read_are_declared_explicitly_in_the_domain() -> None:
    """Not made up by `@event("Name")` from a method's parameters: a class in the aggregate's
    body, whose fields a reader can look up (and whose shape changes by class_version)."""
    for cls in projection_classes():
        if getattr(cls, "name", None) in NOT_YET_TYPED:
            continue
        for event_class in cls._handlers:
            aggregate_name, event_name = event_class.__qualname__.split(".")
            source = inspect.getsource(sys.modules[event_class.__module__])
            aggregate = next(node for node in ast.walk(ast.parse(source))
                             if isinstance(node, ast.ClassDef) and node.name == aggregate_name)
            declared = {node.name for node in aggregate.body if isinstance(node, ast.ClassDef)}
            assert event_name in declared, f"{event_class.__qualname__} is not declared"
