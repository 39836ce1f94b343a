"""A bell that rings when the event log grows: PostgreSQL LISTEN/NOTIFY, per schema.

Every insert into a store's events table notifies that store's own channel (a statement
trigger, so it holds whichever recorder writes the rows: the library's, the group
committer, any other). The library's recorder notifies too, but on a channel named after
the table alone, which every schema of a database shares — with one schema per bank
partition (or per test), each follower would be woken by every other's writes.

A follower takes `bell.mark()` before it catches up and then `bell.wait(mark, timeout)`:
a write committed while it was catching up rings the bell and the wait returns at once,
so nothing is left waiting for the next write. SQLite has no notifications: there, as
when the listening connection is lost, followers fall back to their polling interval.
"""

from __future__ import annotations

import hashlib
import logging
import threading

import psycopg
from psycopg import sql
from sqlalchemy import Engine, text

log = logging.getLogger(__name__)

TRIGGER = "timebank_notify_log"
# How long the listening thread waits on the socket before it looks at its stop flag.
LISTEN_SLICE_SECONDS = 0.5
RECONNECT_SECONDS = 1.0


def channel_for(schema: str) -> str:
    """The notification channel of one schema's event log (a name of at most 63 bytes)."""
    name = f"timebank_log_{schema}"
    if len(name.encode()) <= 63:
        return name
    return "timebank_log_" + hashlib.sha256(schema.encode()).hexdigest()[:40]


def current_schema(engine: Engine) -> str:
    with engine.connect() as conn:
        return str(conn.execute(text("SELECT current_schema()")).scalar_one())


def install_trigger(engine: Engine, events_table: str) -> None:
    """Make every insert into the events table notify the schema's channel (idempotent;
    created only where missing, so a starting process does not lock the table otherwise)."""
    if engine.dialect.name != "postgresql":
        return
    schema = current_schema(engine)
    with engine.begin() as conn:
        exists = conn.execute(text(
            "SELECT 1 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = :schema AND c.relname = :table AND t.tgname = :trigger"),
            {"schema": schema, "table": events_table, "trigger": TRIGGER}).first()
        if exists:
            return
        raw = conn.connection.dbapi_connection
        assert raw is not None
        with raw.cursor() as cursor:
            cursor.execute(sql.SQL(
                "CREATE OR REPLACE FUNCTION {schema}.{function}() RETURNS trigger "
                "LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify(TG_ARGV[0], ''); "
                "RETURN NULL; END $$").format(
                    schema=sql.Identifier(schema), function=sql.Identifier(TRIGGER)))
            cursor.execute(sql.SQL(
                "CREATE TRIGGER {trigger} AFTER INSERT ON {schema}.{table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION {schema}.{function}({channel})").format(
                    trigger=sql.Identifier(TRIGGER), schema=sql.Identifier(schema),
                    table=sql.Identifier(events_table), function=sql.Identifier(TRIGGER),
                    channel=sql.Literal(channel_for(schema))))


class LogBell:
    """Rung by listening threads, one per watched PostgreSQL store; waited on by followers."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._rings = 0
        self._stopped = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def listening(self) -> bool:
        return bool(self._threads)

    def listen(self, database_url: str, schema: str) -> None:
        """Start listening to one store's channel. Returns once LISTEN is in place, so
        that a catch-up started afterwards misses no write."""
        ready = threading.Event()
        thread = threading.Thread(target=self._listen, args=(database_url, channel_for(schema),
                                                             ready),
                                  name=f"log-bell-{schema}", daemon=True)
        self._threads.append(thread)
        thread.start()
        ready.wait(timeout=10)

    def listen_to_store(self, database_url: str, engine: Engine, schema: str | None) -> None:
        """Listen to a store's log if it is on PostgreSQL (SQLite: nothing to listen to)."""
        if engine.dialect.name == "postgresql":
            self.listen(database_url, schema or current_schema(engine))

    def ring(self) -> None:
        with self._condition:
            self._rings += 1
            self._condition.notify_all()

    def mark(self) -> int:
        with self._condition:
            return self._rings

    def wait(self, mark: int, timeout: float) -> bool:
        """Until the bell rang after `mark`, or `timeout` seconds; whether it rang."""
        with self._condition:
            return self._condition.wait_for(lambda: self._rings != mark, timeout)

    def close(self) -> None:
        self._stopped.set()
        self.ring()  # wakes waiting followers
        for thread in self._threads:
            thread.join(timeout=5)

    def _listen(self, database_url: str, channel: str, ready: threading.Event) -> None:
        while not self._stopped.is_set():
            try:
                with psycopg.connect(database_url, autocommit=True, connect_timeout=10) as conn:
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
                    # Listening (again): whatever was written meanwhile is caught up now.
                    self.ring()
                    ready.set()
                    while not self._stopped.is_set():
                        if any(True for _ in conn.notifies(timeout=LISTEN_SLICE_SECONDS,
                                                          stop_after=1)):
                            self.ring()
            except psycopg.Error:
                log.warning("listening for new events on %s failed; retrying", channel,
                            exc_info=True)
                ready.set()  # the follower polls meanwhile
                self._stopped.wait(RECONNECT_SECONDS)
