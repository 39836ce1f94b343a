"""Writing a benchmark's log in bulk: aggregates' new events straight into the event store.

`app.save(...)` encodes each event, sends the batch as one array parameter (which psycopg
dumps value by value in Python), and reloads an aggregate from the store to snapshot it
when its version is not the one to snapshot. A seeder that saves a million events does not
need any of that per save: here the events are encoded with the application's own mapper
(the same transcoder, and cipher or compressor when one is set), copied into the events
table by binary COPY under the table's lock, in one transaction per batch, their
notification ids drawn from the table's own sequence by one writer — gap-free, in the
order they were collected. Snapshots are taken from the aggregates in memory whenever an
aggregate of a snapshotting type has passed a multiple of its interval (at its version
then, not exactly at the multiple: a load reads the newest snapshot and the events after
it, wherever it stands).

A log written so is one the application, its repository and the projections read as any
other; it is for benchmarks only — nothing here checks optimistic concurrency against other
writers, which a benchmark's seeding does not have.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import sql

COLUMNS = ("originator_id", "originator_version", "topic", "state")
TYPES = ("uuid", "int8", "text", "bytea")


class BulkLog:
    """Writes aggregates' pending events (and due snapshots) to the app's PostgreSQL store."""

    def __init__(self, app: Any, url: str) -> None:
        recorder = app.recorder
        self.app = app
        self.mapper = app.mapper
        self.snapshot_mapper = app.snapshots.mapper if app.snapshots is not None else None
        schema = recorder.datastore.schema or "public"
        self.events = sql.Identifier(schema, recorder.events_table_name)
        self.snapshots = (sql.Identifier(schema, app.snapshots.recorder.events_table_name)
                          if app.snapshots is not None else None)
        self.channel = sql.Identifier(getattr(recorder, "channel_name", "") or "events")
        self.intervals: dict[type, int] = dict(getattr(app, "snapshotting_intervals", {}) or {})
        self.conn = psycopg.connect(url, autocommit=False)
        self.buffer: list[Any] = []
        self.snapshot_buffer: list[Any] = []
        self.written = 0

    def close(self) -> None:
        self.conn.close()

    def collect(self, aggregate: Any) -> int:
        """Takes this aggregate's pending events (encoded now, in the order collected: the
        order of the log) and, when due, a snapshot of it as it stands; returns how many
        events are waiting to be written."""
        pending = aggregate.collect_events()
        if pending:
            to_stored = self.mapper.to_stored_event
            self.buffer += [to_stored(event) for event in pending]
            interval = self.intervals.get(type(aggregate))
            if (interval and self.snapshot_mapper is not None
                    and aggregate.version // interval
                    > (aggregate.version - len(pending)) // interval):
                snapshot_class = getattr(type(aggregate), "Snapshot",
                                         type(self.app).snapshot_class)
                self.snapshot_buffer.append(
                    self.snapshot_mapper.to_stored_event(snapshot_class.take(aggregate)))
        return len(self.buffer)

    def flush(self) -> int:
        """Writes what was collected, in one transaction; returns how many events."""
        stored, snapshots = self.buffer, self.snapshot_buffer
        self.buffer, self.snapshot_buffer = [], []
        if not stored:
            return 0
        with self.conn.transaction():
            cursor = self.conn.cursor()
            # As the recorder does: writers take turns on the table, and no reader sees an
            # id before the ids below it are committed.
            cursor.execute(sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(self.events))
            self._copy(cursor, self.events, stored)
            if snapshots and self.snapshots is not None:
                self._copy(cursor, self.snapshots, snapshots)
            cursor.execute(sql.SQL("NOTIFY {}").format(self.channel))
        self.written += len(stored)
        return len(stored)

    @staticmethod
    def _copy(cursor: Any, table: sql.Identifier, stored: Sequence[Any]) -> None:
        statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
            table, sql.SQL(", ").join(map(sql.Identifier, COLUMNS)))
        with cursor.copy(statement) as copy:
            copy.set_types(TYPES)
            for event in stored:
                copy.write_row((event.originator_id, event.originator_version, event.topic,
                                event.state))
