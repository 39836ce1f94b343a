"""Alembic migrations of the read models and the write-side side tables."""
