"""Personal data (name, phone, ID number) sealed per person, and blind indexes for look-ups.

Each person has a data key; the events hold only ciphertext. Erasure destroys the key,
which makes every copy of that person's data unreadable while the ledger stays intact.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from pathlib import Path
from uuid import UUID

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Engine, insert, select, update

from timebank.domain.values import utc_now
from timebank.infrastructure.tables import personal_data_keys
from timebank.security.keys import derive_key

ERASED = "［已删除］"
log = logging.getLogger(__name__)


class PersonalDataVault:
    """`erasure_log`: a file kept beside the secret, outside the database, listing every
    erased subject, so that restoring an older backup cannot bring a person back."""

    def __init__(self, engine: Engine, secret: str, erasure_log: Path | None = None) -> None:
        self._erasure_log = erasure_log
        self._engine = engine
        self._wrapper = Fernet(base64.urlsafe_b64encode(derive_key(secret, "personal-data-wrap")))
        self._index_key = derive_key(secret, "personal-data-index")

    def blind_index(self, value: str) -> str:
        """A keyed hash that finds a phone number without storing it in the clear."""
        return hmac.new(self._index_key, value.encode(), hashlib.sha256).hexdigest()

    def create_key(self, subject_id: UUID) -> None:
        wrapped = self._wrapper.encrypt(Fernet.generate_key()).decode()
        with self._engine.begin() as conn:
            conn.execute(
                insert(personal_data_keys).values(
                    subject_id=str(subject_id), wrapped_key=wrapped, created_at=utc_now()
                )
            )

    def _subject_fernet(self, subject_id: UUID) -> Fernet | None:
        with self._engine.connect() as conn:
            wrapped = conn.execute(
                select(personal_data_keys.c.wrapped_key).where(
                    personal_data_keys.c.subject_id == str(subject_id)
                )
            ).scalar_one_or_none()
        if not wrapped:
            return None
        try:
            return Fernet(self._wrapper.decrypt(wrapped.encode()))
        except InvalidToken:
            # Wrapped with another server key: unreadable here, as if erased.
            log.error("personal-data key of %s cannot be unwrapped with this server key",
                      subject_id)
            return None

    def seal(self, subject_id: UUID, values: dict[str, str | None]) -> dict[str, str | None]:
        fernet = self._subject_fernet(subject_id)
        if fernet is None:
            raise LookupError("no personal-data key for subject")
        return {
            name: fernet.encrypt(value.encode()).decode() if value is not None else None
            for name, value in values.items()
        }

    def open(self, subject_id: UUID, sealed: dict[str, str | None]) -> dict[str, str | None]:
        """Plain values, or ERASED where the person's key was destroyed."""
        fernet = self._subject_fernet(subject_id)
        opened: dict[str, str | None] = {}
        for name, value in sealed.items():
            if value is None:
                opened[name] = None
            elif fernet is None:
                opened[name] = ERASED
            else:
                try:
                    opened[name] = fernet.decrypt(value.encode()).decode()
                except InvalidToken:
                    opened[name] = ERASED
        return opened

    def has_key(self, subject_id: UUID) -> bool:
        """Whether the subject's data can still be opened (a key exists, not destroyed)."""
        with self._engine.connect() as conn:
            wrapped = conn.execute(
                select(personal_data_keys.c.wrapped_key).where(
                    personal_data_keys.c.subject_id == str(subject_id)
                )
            ).scalar_one_or_none()
        return bool(wrapped)

    def destroy_key(self, subject_id: UUID) -> bool:
        """Idempotent: destroying a destroyed (or never made) key changes nothing. Raises
        when the erasure list or the database cannot be written — then nothing changed in
        the database, and the caller records nothing either (erasure is key first)."""
        if self._erasure_log is not None:
            self._erasure_log.parent.mkdir(parents=True, exist_ok=True)
            with self._erasure_log.open("a", encoding="ascii") as log_file:
                log_file.write(f"{subject_id}\n")
        with self._engine.begin() as conn:
            result = conn.execute(
                update(personal_data_keys)
                .where(personal_data_keys.c.subject_id == str(subject_id))
                .where(personal_data_keys.c.wrapped_key.is_not(None))
                .values(wrapped_key=None, destroyed_at=utc_now())
            )
        return bool(result.rowcount)

    def reapply_erasures(self) -> int:
        """After a restore: destroy again every key erased since (returns how many)."""
        if self._erasure_log is None or not self._erasure_log.exists():
            return 0
        subjects = {line.strip() for line in self._erasure_log.read_text().splitlines()}
        with self._engine.begin() as conn:
            result = conn.execute(
                update(personal_data_keys)
                .where(personal_data_keys.c.subject_id.in_(sorted(s for s in subjects if s)))
                .where(personal_data_keys.c.wrapped_key.is_not(None))
                .values(wrapped_key=None, destroyed_at=utc_now())
            )
        return int(result.rowcount or 0)
