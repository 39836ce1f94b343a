"""What every projection is: a name, its tables, and handlers by event class."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from sqlalchemy import Connection, Table, insert, update

Handler = Callable[[Any, Connection, Any], None]


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
        if not hasattr(type(self), "_topics"):
            from eventsourcing.utils import get_topic

            type(self)._topics = frozenset(get_topic(cls) for cls in self._handlers)
        return topic in type(self)._topics

    def begin_batch(self, conn: Connection) -> None:
        """Called at the start of each batch's transaction (state kept only within it)."""

    def end_batch(self, conn: Connection) -> None:
        """Called before the batch's position is written, in the same transaction."""

    def apply(self, conn: Connection, event: Any, notification: Any = None) -> None:
        method = self._handlers.get(type(event))
        if method is not None:
            getattr(self, method)(conn, event)


def handles(*event_classes: type) -> Callable[[Handler], Handler]:
    def mark(func: Handler) -> Handler:
        func._handles = event_classes  # type: ignore[attr-defined]
        return func

    return mark


def add_to_row(
    conn: Connection, table: Table, key: dict[str, Any], increments: dict[str, int]
) -> None:
    """Add to counters of one row, creating it at zero first; projections have one writer."""
    where = [table.c[name] == value for name, value in key.items()]
    result = conn.execute(
        update(table)
        .where(*where)
        .values({name: table.c[name] + amount for name, amount in increments.items()})
    )
    if result.rowcount == 0:
        zeros = {
            column.name: 0
            for column in table.columns
            if column.name not in key and column.name not in increments
        }
        conn.execute(insert(table).values({**key, **zeros, **increments}))
