"""Alembic environment: the URL and schema come from timebank's settings, never from alembic.ini."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from projections.tables import metadata as read_models
from timebank.infrastructure.database import make_engine
from timebank.infrastructure.tables import metadata as write_side
from timebank.infrastructure.types import UtcDateTime
from timebank.settings import Settings

config = context.config
settings: Settings = config.attributes.get("settings") or Settings()
target_metadata = [read_models, write_side]


OWN_TABLES = {t for m in target_metadata for t in m.tables}


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, _compare: object
) -> bool:
    # The event store's tables belong to the eventsourcing library: never ours to migrate.
    if type_ == "table":
        return name in OWN_TABLES
    # PostgreSQL-only prefix-search indexes are made by hand in a migration.
    return not (type_ == "index" and reflected and name and name.endswith("_pattern"))


def render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    # UtcDateTime is a Python-side wrapper; the column itself is a plain timestamptz.
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_online() -> None:
    engine = make_engine(settings)
    with engine.connect() as connection:
        if settings.is_postgres:
            # Two processes starting at once must not both run the same migration.
            connection.execute(text("SELECT pg_advisory_xact_lock(7423001)"))
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=not settings.is_postgres,
            include_object=include_object,
            render_item=render_item,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline migrations are not supported; run `timebank migrate`.")
run_migrations_online()
