"""What every projection is: a name, its tables, and handlers by event class.

A batch is applied in one transaction. Projections keep the rows a batch touches in
memory (`Rows`), read those that already exist with one SELECT per table before the
batch (`prefetch`), and write them back at its end with one executemany per kind of
statement: a batch costs a few statements, not one or two per event.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from operator import itemgetter
from typing import Any, ClassVar, TypeAlias, TypeVar
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from psycopg import sql
from sqlalchemy import Connection, Table, delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from timebank.infrastructure.types import UtcDateTime

# Any stored event, as the log hands it over; handlers name the classes they read.
AnyEvent: TypeAlias = DomainEventProtocol[UUID]
Handler = TypeVar("Handler", bound=Callable[..., None])

# Keys per IN (...) list: well under SQLite's limit of bound parameters.
LOAD_CHUNK = 500


class Projection:
    name: ClassVar[str]
    tables: ClassVar[tuple[Table, ...]]
    # A projection that attests to the log (the audit chain) must not be rebuilt from it
    # without being asked by name: a rebuild would bless whatever the log now holds.
    rebuild_by_default: ClassVar[bool] = True
    # Filled by @handles: event class -> method name.
    _handlers: ClassVar[dict[type, str]]
    _topics: ClassVar[frozenset[str]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._handlers = {}
        for attr in cls.__dict__.values():
            for event_class in getattr(attr, "_handles", ()):
                cls._handlers[event_class] = attr.__name__

    def wants(self, topic: str) -> bool:
        """Whether a stored event of this topic matters here (checked before decoding it)."""
        topics = self.topics()
        return topics is None or topic in topics

    def topics(self) -> frozenset[str] | None:
        """The topics this projection handles (None: every stored event)."""
        if not hasattr(type(self), "_topics"):
            from eventsourcing.utils import get_topic

            type(self)._topics = frozenset(get_topic(cls) for cls in self._handlers)
        return type(self)._topics

    def apply_batch(self, conn: Connection, items: Sequence[tuple[AnyEvent, Any]]) -> None:
        """Apply (event, notification) pairs in log order, inside the batch's transaction."""
        self.begin_batch(conn)
        self.prefetch(conn, [event for event, _ in items])
        for event, notification in items:
            self.apply(conn, event, notification)
        self.end_batch(conn)

    def begin_batch(self, conn: Connection) -> None:
        """Called at the start of each batch's transaction (state kept only within it)."""

    def prefetch(self, conn: Connection, events: Sequence[AnyEvent]) -> None:
        """Read, in bulk, the existing rows the batch's events will change."""

    def end_batch(self, conn: Connection) -> None:
        """Called before the batch's position is written, in the same transaction."""

    def batch_committed(self) -> None:
        """Called once a batch's transaction has committed: rows kept between batches
        (`keep_rows`) are now the table's."""
        for value in vars(self).values():
            if isinstance(value, Rows):
                value.committed()

    def batch_failed(self) -> None:
        """Called when a batch's transaction did not commit: kept rows are forgotten."""
        for value in vars(self).values():
            if isinstance(value, Rows):
                value.forget()

    def keep_rows(self, limit: int) -> None:
        """A replay's own writer (nobody else writes its tables): the rows its batches
        read and write stay known between batches, up to `limit` rows per table, instead
        of being read again by the next batch."""
        for value in vars(self).values():
            if isinstance(value, Rows):
                value.keep = limit

    def apply(self, conn: Connection, event: AnyEvent, notification: Any = None) -> None:
        method = self._handlers.get(type(event))
        if method is not None:
            getattr(self, method)(conn, event)


def handles(*event_classes: type) -> Callable[[Handler], Handler]:
    """Marks a method as the handler of these event classes; its `event` parameter is
    annotated with them (tests/unit/test_projection_registry.py checks that it is)."""

    def mark(func: Handler) -> Handler:
        func._handles = event_classes  # type: ignore[attr-defined]
        return func

    return mark


class Rows:
    """A batch's working copy of one table's rows, by a unique key column.

    Rows that exist are read in bulk (`load`) or, failing that, one at a time when first
    asked for; new rows and changes stay in memory until `flush`, which inserts the new
    rows with one executemany and rewrites the changed ones with another. A change to a
    row that does not exist does nothing, as an UPDATE of no row would."""

    def __init__(self, table: Table, key: str | None = None) -> None:
        self.table = table
        self.key = key or next(iter(table.primary_key.columns)).name
        # Rows kept between batches, at most (0: none). Only for a table no one else
        # writes meanwhile (a replay into a shadow), and only once the batch that wrote
        # them has committed: a batch that failed or rolled back leaves nothing behind.
        self.keep = 0
        self._committed = False
        self.rows: dict[Any, dict[str, Any]] = {}
        self.absent: set[Any] = set()
        self.reset()

    def reset(self) -> None:
        if not (self.keep and self._committed
                and len(self.rows) + len(self.absent) <= self.keep):
            self.rows = {}
            self.absent = set()
        self._committed = False
        self.new: dict[Any, None] = {}  # insertion order
        self.changed: set[Any] = set()

    def forget(self) -> None:
        self._committed = False
        self.reset()

    def committed(self) -> None:
        self._committed = bool(self.keep) and not self.new and not self.changed

    def load(self, conn: Connection, keys: Iterable[Any], created: Iterable[Any] = ()) -> None:
        """Read the rows of these keys that exist, except those the batch itself creates
        (`created`: they cannot exist yet, and in a replay most keys are such)."""
        skip = set(created)
        wanted = sorted({k for k in keys
                         if k not in self.rows and k not in self.absent and k not in skip})
        column = self.table.c[self.key]
        for start in range(0, len(wanted), LOAD_CHUNK):
            chunk = wanted[start:start + LOAD_CHUNK]
            for row in conn.execute(select(self.table).where(column.in_(chunk))).mappings():
                self.rows[row[self.key]] = dict(row)
            self.absent.update(k for k in chunk if k not in self.rows)

    def get(self, conn: Connection, key: Any) -> dict[str, Any] | None:
        if key not in self.rows and key not in self.absent:
            self.load(conn, [key])
        return self.rows.get(key)

    def add(self, row: dict[str, Any]) -> None:
        key = row[self.key]
        self.rows[key] = row
        self.new[key] = None
        self.absent.discard(key)

    def change(self, conn: Connection, key: Any, **values: Any) -> dict[str, Any] | None:
        row = self.get(conn, key)
        if row is None:
            return None
        row.update(values)
        if key not in self.new:
            self.changed.add(key)
        return row

    def flush(self, conn: Connection) -> None:
        # A changed row is written again whole: deleting and inserting in bulk costs two
        # statements, where an UPDATE per row would cost a statement per row.
        changed = sorted(self.changed)
        column = self.table.c[self.key]
        for start in range(0, len(changed), LOAD_CHUNK):
            conn.execute(delete(self.table).where(column.in_(changed[start:start + LOAD_CHUNK])))
        write_rows(conn, self.table, [self.rows[k] for k in (*self.new, *changed)])
        if self.keep:  # known to be the table's once the transaction commits
            self.new, self.changed = {}, set()
        else:
            self.reset()


def write_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows in the connection's transaction: binary COPY on PostgreSQL (about
    a microsecond a row, where an executemany costs a statement per row and text COPY
    formats every value in Python), executemany on SQLite (already a loop in C)."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(insert(table), list(rows))
        return
    names, types, converted = _copy_layout(table, conn.dialect)
    as_tuple = itemgetter(*names)  # every row holds every column: a missing one is a bug
    # A rebuild's connection writes the same tables in a shadow schema (projections/rebuild.py).
    schema = (conn.get_execution_options().get("schema_translate_map") or {}).get(table.schema,
                                                                                 table.schema)
    target = sql.Identifier(schema, table.name) if schema else sql.Identifier(table.name)
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
        target, sql.SQL(", ").join(map(sql.Identifier, names)))
    raw = conn.connection.dbapi_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        copy.set_types(types)
        if not converted:
            for row in rows:
                copy.write_row(as_tuple(row))
            return
        for row in rows:
            values = list(as_tuple(row))
            for i, process in converted:
                if values[i] is not None:
                    values[i] = process(values[i])
            copy.write_row(values)


_layouts: dict[tuple[Table, str], tuple[list[str], list[str], list[tuple[int, Any]]]] = {}


def _copy_layout(table: Table, dialect: Any) -> tuple[list[str], list[str], list[tuple[int, Any]]]:
    """A table's columns for COPY: names, PostgreSQL type names, and the values to convert
    first. UtcDateTime needs no conversion here: the binary timestamptz writer converts an
    aware datetime to UTC and refuses a naive one, as the column type's own check does."""
    key = (table, dialect.name)
    if key not in _layouts:
        names = [c.name for c in table.columns]
        types = [re.sub(r"\(.*\)", "", c.type.compile(dialect=dialect)).lower()
                 for c in table.columns]
        converted = [(i, process) for i, c in enumerate(table.columns)
                     if not isinstance(c.type, UtcDateTime)
                     and (process := c.type.bind_processor(dialect)) is not None]
        _layouts[key] = (names, types, converted)
    return _layouts[key]


def add_to_rows(
    conn: Connection, table: Table, totals: dict[tuple[Any, ...], dict[str, int]]
) -> None:
    """Add to counters of many rows (keyed by the primary key, in its column order),
    creating missing rows from zero: one upsert executemany, on PostgreSQL and SQLite."""
    if not totals:
        return
    keys = [c.name for c in table.primary_key.columns]
    figures = [c.name for c in table.columns if c.name not in keys]
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=keys,
        set_={name: table.c[name] + statement.excluded[name] for name in figures},
    )
    conn.execute(statement, [
        {**dict(zip(keys, key, strict=True)), **{n: increments.get(n, 0) for n in figures}}
        for key, increments in sorted(totals.items())
    ])
