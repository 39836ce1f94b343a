"""Optimistic concurrency: on a conflicting save, reload and decide again."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from eventsourcing.persistence import OperationalError, RecordConflictError

from timebank.application.repository import unit_of_work
from timebank.domain.errors import DomainError

P = ParamSpec("P")
R = TypeVar("R")

MAX_ATTEMPTS = 30


def retry_on_conflict(func: Callable[P, R]) -> Callable[P, R]:
    """Run a load → decide → save command again when another writer got there first.

    Each attempt is a unit of work of its own (timebank/application/repository.py): it reads
    the aggregates again, so a retried decision sees the other writer's events: nothing is
    lost, nothing applied twice (the idempotency record is part of the same save).
    """

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(MAX_ATTEMPTS):
            try:
                with unit_of_work():
                    return func(*args, **kwargs)
            except (RecordConflictError, OperationalError):
                # OperationalError covers a lock wait that timed out (SQLite busy, PG lock_timeout).
                time.sleep(random.uniform(0, 0.002 * (attempt + 1)))  # noqa: S311
        raise DomainError("conflict")

    return wrapper
