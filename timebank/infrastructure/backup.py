"""SQLite online backups (the sqlite3 backup API: consistent while the server writes)."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def backup_sqlite(database: Path | str, target: Path | str) -> int:
    """Copy the live database page by page into `target`; returns the pages copied."""
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    copied = 0

    def progress(_status: int, _remaining: int, total: int) -> None:
        nonlocal copied
        copied = total

    with sqlite3.connect(str(database)) as source, sqlite3.connect(str(target)) as copy:
        source.backup(copy, pages=1024, progress=progress)
    return copied


def restore_sqlite(source: Path | str, database: Path | str) -> None:
    """Write a backup over the database file (the server must be stopped)."""
    target = Path(database)
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in (target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
        stale.unlink(missing_ok=True)
    with sqlite3.connect(str(source)) as backup, sqlite3.connect(str(target)) as live:
        backup.backup(live)
