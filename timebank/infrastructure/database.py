"""The SQLAlchemy engine on the same database as the events."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, text

from timebank.settings import Settings


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers work while one writer commits; the busy timeout makes writers wait
    # their turn instead of failing under concurrent requests.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(settings: Settings) -> Engine:
    if settings.is_postgres:
        return create_engine(
            settings.sqlalchemy_url(),
            connect_args=settings.sqlalchemy_connect_args(),
            pool_size=settings.pool_size,
            max_overflow=settings.pool_max_overflow,
            pool_pre_ping=True,
        )
    settings.sqlite_path().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        settings.sqlalchemy_url(), connect_args=settings.sqlalchemy_connect_args()
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


# Any fixed number: the key of the advisory lock that serialises schema set-up.
SETUP_LOCK_KEY = 0x7462_0001


@contextmanager
def exclusive_setup(engine: Engine) -> Iterator[None]:
    """One process at a time through schema set-up (migrations, the event store's tables).

    API workers and worker processes start together; PostgreSQL refuses concurrent
    `CREATE OR REPLACE FUNCTION` of the same function ("tuple concurrently updated"), which
    the event store runs at every start. A session advisory lock makes them take turns.
    SQLite needs none: its writers already take turns on the file."""
    if engine.dialect.name != "postgresql":
        yield
        return
    # Autocommit: the session holds the lock without sitting idle in a transaction (which
    # idle_in_transaction_session_timeout could end, and the lock with it).
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": SETUP_LOCK_KEY})
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SETUP_LOCK_KEY})
