"""Records when a kiosk key was last used (at most once a minute per kiosk and process)."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from timebank.domain.values import utc_now
from timebank.infrastructure.tables import kiosk_key_usage

RESOLUTION = timedelta(minutes=1)
log = logging.getLogger(__name__)


class KioskUsage:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._seen: dict[UUID, datetime] = {}
        self._lock = threading.Lock()

    def touch(self, kiosk_id: UUID) -> None:
        now = utc_now()
        with self._lock:
            last = self._seen.get(kiosk_id)
            if last is not None and now - last < RESOLUTION:
                return
            self._seen[kiosk_id] = now
        try:
            with self._engine.begin() as conn:
                updated = conn.execute(
                    update(kiosk_key_usage)
                    .where(kiosk_key_usage.c.kiosk_id == str(kiosk_id))
                    .values(last_used_at=now)
                ).rowcount
                if not updated:
                    conn.execute(insert(kiosk_key_usage).values(kiosk_id=str(kiosk_id),
                                                                last_used_at=now))
        except SQLAlchemyError:
            # Best effort: a concurrent first use wrote the row; a redemption never fails
            # because its bookkeeping of "last used" did.
            log.info("kiosk last-use not recorded this time", exc_info=True)

    def last_used(self, kiosk_id: UUID) -> datetime | None:
        with self._engine.connect() as conn:
            return conn.execute(
                select(kiosk_key_usage.c.last_used_at).where(
                    kiosk_key_usage.c.kiosk_id == str(kiosk_id)
                )
            ).scalar_one_or_none()
