"""Rebuilding projections without downtime: into shadow tables, swapped in at the end.

The live tables keep serving (and keep following the log) while the log is replayed into
shadow copies of them: on PostgreSQL tables of the same names in a schema beside the live
one, on SQLite in a database file attached beside the live one. The projections' own code
writes there unchanged — their connections translate the tables' schema
(`schema_translate_map`), and the shadow keeps its own `projection_positions`.

Then, in one transaction: the live projections' position rows are locked (followers and
reads' catch-ups wait or give way), the shadow catches up to the head of the log, and the
shadow tables replace the live ones — PostgreSQL drops the live tables and moves the
shadow ones into the live schema (their indexes, constraints and sequences move with
them, under their own names), SQLite copies the rows across inside the transaction — and
the live positions become the shadow's. A reader sees the old tables or the new ones,
never half of a replay. A rebuild that dies leaves the live tables as they were and a
shadow that the next rebuild throws away.

The replay runs in several processes when asked (one group of projections each, every
process reading the log for its own group); the shadow tables are unlogged while they
fill and get their secondary indexes only at the end (PostgreSQL), and rows go in by COPY.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import (
    Connection,
    Engine,
    MetaData,
    column,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy import table as sql_table
from sqlalchemy.exc import OperationalError
from sqlalchemy.schema import CreateTable

from projections.base import Projection
from projections.replay_decoding import ReplayMapper
from projections.tables import projection_positions

if TYPE_CHECKING:
    from projections.runner import ProjectionRunner

log = logging.getLogger(__name__)

# Pages of the log per shadow transaction: nobody waits on the shadow's locks.
SHADOW_BATCH_SIZE = 20_000
# A replaying child keeps up to this many rows per table in memory between pages (those
# it read or wrote), instead of reading them again each page.
KEEP_ROWS = 100_000
# Memory for sorting while a shadow table's indexes are built (per connection).
INDEX_MEMORY = "128MB"
# SQLite: the name the shadow file is attached under.
SQLITE_SHADOW = "rebuild"
# The swap waits this long for readers inside the live tables, then gives way and retries
# (below PostgreSQL's deadlock_timeout: a reader holding one table while waiting for
# another is never the one aborted); each retry waits longer, up to the last.
SWAP_LOCK_WAITS_MS = (200, 400, 800, 1600, 3200, 5000)
SWAP_ATTEMPTS = 60


class Shadow:
    """Where a rebuild writes, and the swap that brings it live."""

    def __init__(self, engine: Engine, projections: Sequence[Projection]) -> None:
        self.live = engine
        self.projections = list(projections)
        self.tables = [t for p in self.projections for t in p.tables]
        self.dialect = engine.dialect.name
        if self.dialect == "postgresql":
            with engine.connect() as conn:
                self.live_schema = str(conn.execute(text("SELECT current_schema()")).scalar_one())
            self.name = shadow_schema_name(self.live_schema)
            self._engine = engine
        else:
            database = engine.url.database
            if not database or database == ":memory:":
                raise ValueError("a rebuild beside the live tables needs a SQLite file")
            self.path = Path(database + ".rebuild")
            self.name = SQLITE_SHADOW
            self._engine = _attached_engine(engine, self.path)
        # Every table of the projections' code, and their positions, go to the shadow.
        self.engine = self._engine.execution_options(schema_translate_map={None: self.name})

    # -- making and dropping ---------------------------------------------------------------
    def create(self) -> None:
        """An empty shadow of the chosen projections' tables (any left over is dropped)."""
        self.drop()
        if self.dialect == "postgresql":
            with self.live.begin() as conn:
                conn.exec_driver_sql(f"CREATE SCHEMA {self._quote(self.name)}")
        with self.engine.begin() as conn:
            for table in (projection_positions, *self.tables):
                # Secondary indexes come after the replay (`finish`): cheaper built once.
                conn.execute(CreateTable(table, include_foreign_key_constraints=[]))

    def finish(self) -> None:
        """Before the swap (PostgreSQL): the live tables' secondary indexes — copied from
        the live tables, so that indexes a migration made beyond the code's definitions
        (`ix_offices_path_pattern`) survive a rebuild —, durability, planner statistics,
        and a check that the shadow has the live tables' columns and constraints. SQLite
        copies rows into the live tables, which keep their own. The tables are indexed and
        analysed a few at once (one connection per core), the largest first."""
        if self.dialect != "postgresql":
            return
        names = [t.name for t in self.tables]
        with self.live.connect() as conn:
            indexes = conn.execute(text(
                "SELECT t.relname, ci.relname, i.indisunique, pg_get_indexdef(i.indexrelid) "
                "FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid "
                "JOIN pg_class t ON t.oid = i.indrelid "
                "JOIN pg_namespace n ON n.oid = t.relnamespace "
                "WHERE n.nspname = :schema AND t.relname = ANY(:tables) AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
                "ORDER BY 1, 2"), {"schema": self.live_schema, "tables": names}).all()
            sizes = dict(conn.execute(text(
                "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = :schema AND c.relname = ANY(:tables)"),
                {"schema": self.name, "tables": names}).all())
        statements: dict[str, list[str]] = {name: [] for name in names}
        for table, index, unique, definition in indexes:
            method = definition.split(" USING ", 1)[1]
            statements[table].append(
                f"CREATE {'UNIQUE ' if unique else ''}INDEX {self._quote(index)} "
                f"ON {self._shadow(table)} USING {method}")

        def index_and_analyse(table: str) -> None:
            # The shadow is this rebuild's alone: each table in its own transaction.
            with self.live.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql(f"SET maintenance_work_mem = '{INDEX_MEMORY}'")
                for statement in statements[table]:
                    conn.exec_driver_sql(statement)
                conn.exec_driver_sql(f"ANALYZE {self._shadow(table)}")
                conn.exec_driver_sql("RESET maintenance_work_mem")

        largest_first = sorted(names, key=lambda name: sizes.get(name, 0), reverse=True)
        with ThreadPoolExecutor(max(1, min(os.cpu_count() or 1, len(names)))) as pool:
            list(pool.map(index_and_analyse, largest_first))  # the first error, if any
        with self.live.connect() as conn:
            live, shadow = (self._structure(conn, schema, names)
                            for schema in (self.live_schema, self.name))
        if live != shadow:
            raise RuntimeError(
                "the read-model tables in the database differ from the projections' "
                "definitions (run `timebank migrate`); the live tables are unchanged")

    @staticmethod
    def _structure(conn: Connection, schema: str, tables: list[str]) -> list[tuple[Any, ...]]:
        """Columns, constraints and indexes of these tables, by name (PostgreSQL)."""
        columns = conn.execute(text(
            "SELECT table_name, column_name, data_type, character_maximum_length, "
            "is_nullable FROM information_schema.columns "
            "WHERE table_schema = :schema AND table_name = ANY(:tables) ORDER BY 1, 2"),
            {"schema": schema, "tables": tables}).all()
        constraints = conn.execute(text(
            "SELECT t.relname, c.conname, c.contype, pg_get_constraintdef(c.oid) "
            "FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
            "JOIN pg_namespace n ON n.oid = t.relnamespace "
            "WHERE n.nspname = :schema AND t.relname = ANY(:tables) ORDER BY 1, 2"),
            {"schema": schema, "tables": tables}).all()
        indexes = conn.execute(text(
            "SELECT tablename, indexname FROM pg_indexes "
            "WHERE schemaname = :schema AND tablename = ANY(:tables) ORDER BY 1, 2"),
            {"schema": schema, "tables": tables}).all()
        return [tuple(row) for row in (*columns, *constraints, *indexes)]

    def drop(self) -> None:
        if self.dialect == "postgresql":
            with self.live.begin() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {self._quote(self.name)} CASCADE")
            return
        self._engine.dispose()  # detaches the file from every pooled connection
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(str(self.path) + suffix).unlink(missing_ok=True)

    def close(self) -> None:
        if self.dialect != "postgresql":
            self._engine.dispose()

    # -- the swap ----------------------------------------------------------------------------
    def swap(self, catch_up: Any) -> dict[str, int]:
        """Replace the live tables with the shadow's in one transaction; returns the
        positions the projections now have. `catch_up()` brings the shadow to the head
        of the log: it runs while the live positions are locked, so nothing moves the
        live projections between it and the swap."""
        names = [p.name for p in self.projections]
        for attempt in range(SWAP_ATTEMPTS):
            wait_ms = SWAP_LOCK_WAITS_MS[min(attempt, len(SWAP_LOCK_WAITS_MS) - 1)]
            try:
                if self.dialect == "postgresql":
                    return self._swap_postgres(names, catch_up, wait_ms)
                return self._swap_sqlite(names, catch_up)
            except OperationalError as exc:
                log.info("swap gave way to readers (%s); retrying", exc.orig)
                time.sleep(wait_ms / 1000)
        raise RuntimeError("the rebuilt tables could not be swapped in: the live tables "
                           "were never free for long enough; the live tables are unchanged")

    def _lock_live_positions(self, conn: Connection, names: list[str]) -> None:
        conn.execute(update(projection_positions)
                     .where(projection_positions.c.name.in_(sorted(names)))
                     .values(position=projection_positions.c.position))

    def _shadow_positions(self, names: list[str]) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(projection_positions)
                                .where(projection_positions.c.name.in_(names)))
            return {name: int(position) for name, position in rows}

    def _set_live_positions(self, conn: Connection, positions: dict[str, int]) -> None:
        for name, position in sorted(positions.items()):
            conn.execute(update(projection_positions)
                         .where(projection_positions.c.name == name).values(position=position))

    def _swap_postgres(self, names: list[str], catch_up: Any, wait_ms: int) -> dict[str, int]:
        with self.live.begin() as conn:
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(wait_ms)}ms'")
            self._lock_live_positions(conn, names)
            catch_up()
            positions = self._shadow_positions(names)
            live = [self._live(t.name) for t in self.tables]
            # All at once, in one order: the swap holds them only for a few statements.
            conn.exec_driver_sql(f"LOCK TABLE {', '.join(live)} IN ACCESS EXCLUSIVE MODE")
            for table in self.tables:
                conn.exec_driver_sql(f"DROP TABLE {self._live(table.name)}")
                conn.exec_driver_sql(f"ALTER TABLE {self._shadow(table.name)} "
                                     f"SET SCHEMA {self._quote(self.live_schema)}")
            self._set_live_positions(conn, positions)
        return positions

    def _swap_sqlite(self, names: list[str], catch_up: Any) -> dict[str, int]:
        # One writer per file: the copy runs under the main database's write lock, which
        # commands wait for; readers see the old rows until the commit (WAL).
        shadow = MetaData()
        with self._engine.connect() as conn, conn.begin():
            conn = conn.execution_options(schema_translate_map={None: "main"})
            self._lock_live_positions(conn, names)
            catch_up()
            positions = self._shadow_positions(names)
            for table in reversed(self.tables):
                conn.execute(delete(table))
            for table in self.tables:
                source = table.to_metadata(shadow, schema=SQLITE_SHADOW)
                conn.execute(insert(table).from_select([c.name for c in table.columns],
                                                       select(source)))
            self._set_live_positions(conn, positions)
        return positions

    # -- names -------------------------------------------------------------------------------
    def _quote(self, name: str) -> str:
        return self.live.dialect.identifier_preparer.quote_identifier(name)

    def _shadow(self, table: str) -> str:
        return f"{self._quote(self.name)}.{self._quote(table)}"

    def _live(self, table: str) -> str:
        return f"{self._quote(self.live_schema)}.{self._quote(table)}"


def shadow_schema_name(live_schema: str) -> str:
    name = f"{live_schema}_rebuild"
    if len(name.encode()) <= 63:
        return name
    return "rebuild_" + hashlib.sha256(live_schema.encode()).hexdigest()[:40]


def _attached_engine(live: Engine, path: Path) -> Engine:
    """SQLite: an engine on the live file whose every connection has the shadow attached."""
    from timebank.infrastructure.database import _sqlite_pragmas

    engine = create_engine(live.url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def attach(dbapi_connection: Any, record: Any) -> None:
        _sqlite_pragmas(dbapi_connection, record)
        cursor = dbapi_connection.cursor()
        cursor.execute(f"ATTACH DATABASE ? AS {SQLITE_SHADOW}", (str(path),))
        # Disposable until swapped in: no journal to keep.
        cursor.execute(f"PRAGMA {SQLITE_SHADOW}.synchronous = OFF")
        cursor.close()

    return engine


@contextmanager
def exclusive_rebuild(engine: Engine, name: str) -> Iterator[None]:
    """One rebuild of a store at a time (PostgreSQL: a session advisory lock)."""
    if engine.dialect.name != "postgresql":
        yield
        return
    key = int.from_bytes(hashlib.sha256(f"rebuild:{name}".encode()).digest()[:8], "big",
                         signed=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if not conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar():
            raise RuntimeError("another rebuild of these read models is running")
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})


# -- the replay --------------------------------------------------------------------------------
def groups_for(projections: Sequence[Projection], processes: int,
               topic_counts: dict[str, int] | None = None) -> list[list[Projection]]:
    """Projections in at most `processes` groups whose replays cost about the same. A
    group's process decodes once each event that any of its projections reads, and each
    projection applies the events it handles; costs are counted in events (from
    `topic_counts`, the log's events by topic; 1 each when unknown). The costliest
    projection first, each goes to the group where the dearest group ends up cheapest —
    so projections that read the same events share a process when that costs nothing,
    and are split (each process decoding those events) when one process would be the
    slowest by far: the work of the projections that read the busiest events (passbook
    credits, service records) is most of a replay's."""
    counts = topic_counts or {}
    everything = sum(counts.values()) or 1

    def events(topics: frozenset[str] | None) -> int:
        if topics is None:
            return everything
        return sum(counts.get(t, 1) for t in topics) if counts else len(topics)

    def cost(group: list[Projection]) -> float:
        if not group:
            return 0.0
        topics = [p.topics() for p in group]
        union = None if any(t is None for t in topics) else frozenset().union(*topics)
        return events(union) + sum(events(t) for t in topics)

    count = max(1, min(processes, len(projections)))
    groups: list[list[Projection]] = [[] for _ in range(count)]
    for projection in sorted(projections, key=lambda p: events(p.topics()), reverse=True):
        def outcome(i: int, projection: Projection = projection) -> tuple[float, float]:
            costs = [cost([*g, projection]) if j == i else cost(g)
                     for j, g in enumerate(groups)]
            return max(costs), costs[i]
        best = min(range(count), key=outcome)
        groups[best].append(projection)
    order = {id(p): i for i, p in enumerate(projections)}
    return [sorted(g, key=lambda p: order[id(p)]) for g in groups if g]


def topic_counts(app: Any, engine: Engine) -> dict[str, int]:
    """How many events of each kind the log holds (one scan; none on other stores)."""
    table = getattr(app.recorder, "events_table_name", None)
    if table is None:
        return {}
    events = sql_table(table, column("topic"))
    with engine.connect() as conn:
        return {topic: int(n) for topic, n in conn.execute(
            select(events.c.topic, func.count()).group_by(events.c.topic))}


def replay(runner: ProjectionRunner, shadow: Shadow, processes: int) -> None:
    """Fill the shadow from the log: in this process, or in `processes` processes."""
    settings = getattr(runner.app, "settings", None)
    events_table = getattr(runner.app.recorder, "events_table_name", None)
    if (shadow.dialect != "postgresql" or settings is None or events_table is None
            or "fork" not in multiprocessing.get_all_start_methods()):
        processes = 1  # SQLite: one writer per file, the shadow's too
    groups = groups_for(shadow.projections, processes,
                        topic_counts(runner.app, runner.engine) if processes > 1 else None)
    if len(groups) == 1:
        with _without_cyclic_gc():
            _shadow_runner(runner, shadow, shadow.projections, only_wanted=True).catch_up()
        return
    # Forked, the children start at once with what this process has imported and built
    # (the event mapper); each opens its own connections and never touches this one's.
    context = multiprocessing.get_context("fork")
    children = []
    for group in groups:
        receive, send = context.Pipe(duplex=False)
        child = context.Process(
            target=_replay_group, name="rebuild-replay", daemon=True,
            args=(settings, events_table, runner.app.mapper, [p.name for p in group],
                  os.getpid(), send))
        child.start()
        send.close()
        children.append((group, child, receive))
    failures = []
    for group, child, receive in children:
        names = ", ".join(p.name for p in group)
        outcome: Any = None
        while outcome is None and (child.is_alive() or receive.poll()):
            if receive.poll(0.5):
                outcome = receive.recv()
        child.join()
        if isinstance(outcome, tuple):
            replayed, cpu = outcome
            log.info("rebuild: %s replayed in %.1f s (%.1f s of CPU)", names, replayed, cpu)
        else:
            failures.append(f"{names}: {outcome or f'exit code {child.exitcode}'}")
    if failures:
        # A failed group fails the rebuild; the live tables stay as they are.
        raise RuntimeError("replaying the log failed: " + "; ".join(failures))


class LogReader:
    """The log as a replaying child reads it: its own connections, rows as plain tuples
    straight from the driver, only the kinds of events asked for (as the recorder's
    `select_notifications`), decoded by the faster replay decoder — and the next page read
    in a thread while this one is applied (the driver waits for the database without the
    GIL), so that reading the log overlaps with replaying it."""

    def __init__(self, engine: Engine, events_table: str, mapper: Any) -> None:
        self.engine = engine
        self.mapper = ReplayMapper(mapper)
        self.recorder = self
        self.table = sql_table(events_table, column("notification_id"),
                               column("originator_id"), column("originator_version"),
                               column("topic"), column("state"))
        self._reading = ThreadPoolExecutor(1, thread_name_prefix="rebuild-read-ahead")
        self._ahead: tuple[tuple[Any, ...], Future[list[Notice]]] | None = None

    def close(self) -> None:
        self._ahead = None
        self._reading.shutdown(wait=True, cancel_futures=True)

    def max_notification_id(self) -> int | None:
        with self.engine.connect() as conn:
            return conn.execute(select(func.max(self.table.c.notification_id))).scalar()

    def select_notifications(self, start: int | None, limit: int, stop: int | None = None,
                             topics: Sequence[str] = (), *, inclusive_of_start: bool = True,
                             ) -> list[Notice]:
        asked = (start, limit, stop, tuple(topics), inclusive_of_start)
        ahead, self._ahead = self._ahead, None
        page = ahead[1].result() if ahead is not None and ahead[0] == asked else None
        if page is None:
            page = self._select(*asked)
        if len(page) == limit:  # more to come, most likely from where this page ends
            following = (page[-1].id, limit, stop, tuple(topics), False)
            self._ahead = (following, self._reading.submit(self._select, *following))
        return page

    def _select(self, start: int | None, limit: int, stop: int | None,
                topics: tuple[str, ...], inclusive_of_start: bool) -> list[Notice]:
        t = self.table
        query = select(t.c.notification_id, t.c.originator_id, t.c.originator_version,
                       t.c.topic, t.c.state).order_by(t.c.notification_id).limit(limit)
        if start is not None:
            query = query.where(t.c.notification_id >= start if inclusive_of_start
                                else t.c.notification_id > start)
        if stop is not None:
            query = query.where(t.c.notification_id <= stop)
        if topics:
            query = query.where(t.c.topic.in_(list(topics)))
        with self.engine.connect() as conn:
            if conn.dialect.name != "postgresql":
                return list(map(Notice._make, conn.execute(query)))
            compiled = query.compile(dialect=conn.dialect,
                                     compile_kwargs={"render_postcompile": True})
            raw = conn.connection.dbapi_connection
            assert raw is not None
            with raw.cursor() as cursor:  # tuples, without a Row object each
                cursor.execute(str(compiled), compiled.params)
                return list(map(Notice._make, cursor.fetchall()))


class Notice(NamedTuple):
    """A stored event as the replay reads it (what the recorder's Notification holds)."""

    id: int
    originator_id: Any
    originator_version: int
    topic: str
    state: bytes


def _exit_with(parent: int) -> None:
    """A replaying child ends when the rebuild that started it is gone (killed, say):
    nothing will swap its work in, and the next rebuild drops that shadow."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="rebuild-parent-watch", daemon=True).start()


@contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """No cyclic garbage collection during a replay. A replay keeps pages of thousands of
    decoded events and rows alive, which each collection walks again and again (a third to
    a half of a replay's CPU time); what it allocates is freed by reference counting, and
    the few cycles it makes (connections, transactions) wait for the collection at its end."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.collect()


def _shadow_runner(runner: ProjectionRunner, shadow: Shadow,
                   projections: Sequence[Projection], only_wanted: bool = False,
                   ) -> ProjectionRunner:
    from projections.runner import ProjectionRunner

    return ProjectionRunner(runner.app, shadow.engine, projections,
                            batch_size=SHADOW_BATCH_SIZE, only_wanted=only_wanted)


def _replay_group(settings: Any, events_table: str, mapper: Any, names: list[str],
                  parent: int, report: Any) -> None:
    """In a forked child: the projections of `names` into the store's shadow; sends
    (seconds, CPU seconds) or what went wrong, then exits."""
    from projections.runner import ProjectionRunner, all_projections
    from timebank.infrastructure.database import make_engine

    _exit_with(parent)
    try:
        engine = make_engine(settings)  # never the parent's connections
        try:
            chosen = [p for p in all_projections() if p.name in names]
            for projection in chosen:  # this process alone writes their shadow tables
                projection.keep_rows(KEEP_ROWS)
            reader = LogReader(engine, events_table, mapper)
            shadow = Shadow(engine, chosen)
            started, cpu = time.perf_counter(), time.process_time()
            try:
                with _without_cyclic_gc():
                    ProjectionRunner(reader, shadow.engine, chosen,
                                     batch_size=SHADOW_BATCH_SIZE, only_wanted=True).catch_up()
            finally:
                reader.close()
            report.send((time.perf_counter() - started, time.process_time() - cpu))
        finally:
            engine.dispose()
    except BaseException as exc:
        report.send(f"{type(exc).__name__}: {exc}")
        raise


def rebuild(runner: ProjectionRunner, projections: Sequence[Projection],
            processes: int = 1) -> dict[str, int]:
    """Rebuild these projections of the runner's store into a shadow and swap it in."""
    shadow = Shadow(runner.engine, projections)
    started = time.perf_counter()

    def done(step: str) -> None:
        log.info("rebuild: %s after %.1f s", step, time.perf_counter() - started)

    with exclusive_rebuild(runner.engine, shadow.name):
        try:
            shadow.create()
            done("shadow created")
            replay(runner, shadow, processes)
            done("log replayed")
            shadow.finish()
            done("indexes built")
            shadow_runner = _shadow_runner(runner, shadow, projections)
            positions = shadow.swap(shadow_runner.catch_up)
            done("swapped in")
            return positions
        finally:
            shadow.drop()
            shadow.close()
