"""The event store's PostgreSQL recorder, one round trip per save and per load.

**Saving.** The library's recorder inserts in an explicit transaction driven from the
client — BEGIN, `SET LOCAL lock_timeout`, `LOCK TABLE … IN EXCLUSIVE MODE`, NOTIFY, the
INSERT, COMMIT — which costs three round trips (its pipeline syncs twice besides the
commit). Here the same statements run inside one server-side function
(`timebank_insert_events`), called as one statement in autocommit: its implicit transaction
holds the table lock from before the first notification id is drawn until the commit, so
the guarantees are the library's own:
- notification ids are gap-free for readers (inserts are serialised behind the table lock,
  and commit in the order they drew their ids);
- optimistic concurrency: the primary key (originator id, version) refuses a stale save,
  answered as the library's IntegrityError (a RecordConflictError), nothing stored;
- the same `lock_timeout`, the same NOTIFY on the same channel, all or none of the events.
(The library's own `POSTGRES_ENABLE_DB_FUNCTIONS` function is one statement too, but it does
not lock the table, so a reader could pass over an id that commits later: not used.)

**Loading.** `select_latest` reads, for many aggregates at once, each one's newest snapshot
(when the caller holds no version of it) and its events after that version or after the
version the caller holds — one statement, where the library's repository makes two per
aggregate not in its cache and one per cached one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry
from psycopg.sql import SQL, Composed, Identifier

INSERT_FUNCTION = "timebank_insert_events"
# The aggregates a load wants, (id, version held or NULL), from two comma-separated text
# parameters: psycopg adapts a Python list by looking at its elements at every call, which
# was about a tenth of a scan's CPU in the serving process; a string it passes as it is.
# (`unnest` pads the shorter array with NULLs: '' for one aggregate held at no version.)
WANTED = SQL("SELECT u.id::uuid AS id, NULLIF(u.held, '')::bigint AS held "
          "FROM unnest(string_to_array(%s::text, ','), string_to_array(%s::text, ',')) "
          "AS u(id, held)")


class OneTripPostgresRecorder(PostgresApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schema = Identifier(self.datastore.schema)
        # Statements as bytes, composed once: psycopg turns a composed statement into bytes
        # at every execution (about 7 µs each), but caches what it parses from bytes.
        self._latest_statements: dict[str | None, bytes] = {}
        self._insert_bytes: bytes | None = None
        # %b: the events' array goes in binary; psycopg's text form of a composite array
        # (escaping every bytea) cost about 80 µs of client CPU per save more.
        self._insert_function = SQL("SELECT {schema}.{function}(%b) AS notification_id").format(
            schema=schema, function=Identifier(INSERT_FUNCTION))
        # Created with the library's own statements (tables, type, its function), at every
        # start, under the same set-up lock (timebank/infrastructure/database.exclusive_setup).
        self.sql_create_statements.append(SQL(
            "CREATE OR REPLACE FUNCTION {schema}.{function}(events {schema}.{event}[]) "
            "RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$ "
            "BEGIN "
            "  SET LOCAL lock_timeout = '{lock_timeout}s'; "
            "  LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; "
            "  NOTIFY {channel}; "
            "  RETURN QUERY "
            "  INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state) "
            "  SELECT originator_id, originator_version, topic, state FROM unnest(events) "
            "  RETURNING notification_id; "
            "END; $BODY$"
        ).format(
            schema=schema,
            function=Identifier(INSERT_FUNCTION),
            event=Identifier(self.stored_event_type_name),
            lock_timeout=self.datastore.lock_timeout,
            table=Identifier(self.events_table_name),
            channel=Identifier(self.channel_name),
        ))

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # Tracked inserts (a process application's) keep the library's transaction.
        if kwargs.get("tracking") is not None or set(kwargs) - {"tracking"}:
            return super().insert_events(stored_events, **kwargs)
        if not stored_events:
            return []
        rows = [
            self.construct_pg_stored_event(
                e.originator_id, e.originator_version, e.topic, e.state)
            for e in stored_events
        ]
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            if self._insert_bytes is None:
                self._insert_bytes = self._insert_function.as_bytes(conn)
            # autocommit: the statement is its own transaction.
            curs.execute(self._insert_bytes, (rows,), prepare=True, binary=True)
            return [row["notification_id"] for row in curs.fetchall()]

    def _latest_statement(self, snapshots_table: str | None) -> Composed:
        schema, events = Identifier(self.datastore.schema), Identifier(self.events_table_name)
        # Each aggregate's rows are found through the primary key, one probe per wanted id
        # (LATERAL; OFFSET 0 and LIMIT keep the planner from flattening it into a join): the
        # statement is prepared, and PostgreSQL's generic plan for a plain join with
        # `unnest` was seen to choose a hash join over a sequential scan of the whole events
        # table (a log of about a thousand events, `EXPLAIN EXECUTE` under
        # `plan_cache_mode = force_generic_plan`): every load read the entire log.
        if snapshots_table:
            statement = SQL(
                "WITH w AS ({wanted}), "
                "s AS (SELECT x.originator_id, x.originator_version, x.topic, x.state "
                "      FROM w CROSS JOIN LATERAL (SELECT * FROM {schema}.{snapshots} y "
                "        WHERE y.originator_id = w.id AND w.held IS NULL "
                "        ORDER BY y.originator_version DESC LIMIT 1) x) "
                "SELECT 0 AS kind, originator_id, originator_version, topic, state FROM s "
                "UNION ALL "
                "SELECT 1, e.originator_id, e.originator_version, e.topic, e.state "
                "FROM w CROSS JOIN LATERAL (SELECT * FROM {schema}.{events} x "
                "  WHERE x.originator_id = w.id AND x.originator_version > COALESCE(w.held, "
                "    (SELECT s.originator_version FROM s WHERE s.originator_id = w.id), 0) "
                "  OFFSET 0) e "
                "ORDER BY 1, 2, 3"
            ).format(schema=schema, events=events, snapshots=Identifier(snapshots_table),
                     wanted=WANTED)
        else:
            statement = SQL(
                "SELECT 1 AS kind, e.originator_id, e.originator_version, e.topic, e.state "
                "FROM ({wanted}) AS w "
                "CROSS JOIN LATERAL (SELECT * FROM {schema}.{events} x "
                "  WHERE x.originator_id = w.id AND x.originator_version > COALESCE(w.held, 0) "
                "  OFFSET 0) e ORDER BY 1, 2, 3"
            ).format(schema=schema, events=events, wanted=WANTED)
        return statement

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_latest(
        self, wanted: Sequence[tuple[UUID, int | None]], snapshots_table: str | None
    ) -> tuple[dict[UUID, StoredEvent], dict[UUID, list[StoredEvent]]]:
        """For each (id, version held or None): its newest snapshot when no version is held
        (and a snapshot table is given), and its events after the snapshot or the version
        held, in version order. One statement."""
        ids = ",".join(str(aggregate_id) for aggregate_id, _ in wanted)
        held = ",".join("" if version is None else str(version) for _, version in wanted)
        found_snapshots: dict[UUID, StoredEvent] = {}
        found_events: dict[UUID, list[StoredEvent]] = {}
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            statement = self._latest_statements.get(snapshots_table)
            if statement is None:  # composed once per snapshot table, not at every load
                statement = self._latest_statements[snapshots_table] = (
                    self._latest_statement(snapshots_table).as_bytes(conn))
            curs.execute(statement, (ids, held), prepare=True)
            for row in curs.fetchall():
                stored = StoredEvent(
                    originator_id=row["originator_id"],
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                )
                if row["kind"] == 0:
                    found_snapshots[stored.originator_id] = stored
                else:
                    found_events.setdefault(stored.originator_id, []).append(stored)
        return found_snapshots, found_events
