"""A log written by an earlier version (tests/fixtures/), installed into a fresh store.

Replay tests load it, project it and compare with the rows that version projected: event
shapes may change only in ways that keep old logs loading (upcasting, never renaming a
stored topic), and read models only in ways that keep what they showed (new columns and
tables are free).
"""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from sqlalchemy import Date, DateTime, insert

from timebank.infrastructure import tables as side_tables
from timebank.runtime import Runtime

FIXTURES = Path(__file__).parent / "fixtures"
LOG_01A9F90 = FIXTURES / "log-01a9f90.jsonl.gz"


@cache
def read_log(path: Path = LOG_01A9F90) -> dict[str, Any]:
    """The file's parts: meta, events (in log order), side-table rows, read-model rows."""
    parts: dict[str, Any] = {"events": [], "side": defaultdict(list), "rows": defaultdict(list)}
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            item = json.loads(line)
            if item["kind"] == "meta":
                parts["meta"] = item
            elif item["kind"] == "event":
                parts["events"].append(item)
            elif item["kind"] == "side":
                parts["side"][item["table"]].append(item["row"])
            else:
                parts["rows"][item["table"]].append(item["row"])
    return parts


def install_old_log(runtime: Runtime, path: Path = LOG_01A9F90) -> int:
    """Store the old events (same order, same bytes) and their personal-data keys; returns
    how many events were stored. The store must be empty and use the log's secret key."""
    parts = read_log(path)
    assert runtime.app.recorder.max_notification_id() in (None, 0), "the store is not empty"
    events = [
        StoredEvent(
            originator_id=UUID(item["originator_id"]),
            originator_version=item["originator_version"],
            topic=item["topic"],
            state=item["state"].encode("utf-8"),
        )
        for item in parts["events"]
    ]
    runtime.app.recorder.insert_events(events)
    with runtime.engine.begin() as conn:
        for table_name, rows in parts["side"].items():
            table = side_tables.metadata.tables[table_name]
            conn.execute(insert(table), [_typed(table, row) for row in rows])
    return len(events)


def _typed(table: Any, row: dict[str, Any]) -> dict[str, Any]:
    typed = {}
    for name, value in row.items():
        column_type = table.c[name].type
        impl = getattr(column_type, "impl", column_type)
        if isinstance(value, str) and isinstance(impl, DateTime):
            value = datetime.fromisoformat(value)
        elif isinstance(value, str) and isinstance(impl, Date):
            value = date.fromisoformat(value)
        typed[name] = value
    return typed


def old_rows(table: str, path: Path = LOG_01A9F90) -> list[dict[str, Any]]:
    """The rows the old version projected into `table` (values as `plain` gives them)."""
    return read_log(path)["rows"].get(table, [])


def old_tables(path: Path = LOG_01A9F90) -> list[str]:
    return sorted(read_log(path)["rows"])


def plain(value: Any) -> Any:
    """A value as the fixture file holds it (how make_old_log wrote it)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return value


def comparable(rows: list[dict[str, Any]], columns: list[str]) -> list[str]:
    """Rows reduced to the given columns, as sorted JSON texts (an order-free comparison)."""
    return sorted(
        json.dumps({c: plain(row[c]) for c in columns}, sort_keys=True, ensure_ascii=False)
        for row in rows
    )
