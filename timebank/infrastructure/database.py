"""The SQLAlchemy engine on the same database as the events."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event

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
