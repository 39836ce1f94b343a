"""An office's seal (公章) as an image a bank administrator uploads: drawn on the certificates
the office issues. One aggregate per office, apart from the office itself, so that loading
an office (every scope check does) never carries the image; the image is in the log, hence in
the hash chain, like everything a certificate attests."""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from timebank.domain.errors import DomainError
from timebank.domain.ids import NAMESPACE

MAX_SEAL_BYTES = 256 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def seal_id_for(office_id: UUID) -> UUID:
    return uuid5(NAMESPACE, f"seal:{office_id}")


def check_png(data: bytes) -> bytes:
    if not data.startswith(PNG_SIGNATURE) or not 64 <= len(data) <= MAX_SEAL_BYTES:
        raise DomainError("invalid_input", "The seal is a PNG image of at most 256 KB.",
                          field="png_base64")
    return data


class Seal(Aggregate):
    @staticmethod
    def create_id(office_id: UUID, **_: Any) -> UUID:
        return seal_id_for(office_id)

    @event("Created")
    def __init__(self, office_id: UUID) -> None:
        self.office_id = office_id
        self.png_base64: str | None = None
        self.sha256: str | None = None

    def upload(self, png: bytes, actor: dict[str, Any]) -> None:
        data = check_png(png)
        self._uploaded(png_base64=base64.b64encode(data).decode(),
                       sha256=hashlib.sha256(data).hexdigest(), actor=actor)

    class Uploaded(Aggregate.Event):
        png_base64: str
        sha256: str
        actor: dict[str, Any]

    @event(Uploaded)
    def _uploaded(self, png_base64: str, sha256: str, actor: dict[str, Any]) -> None:
        self.png_base64 = png_base64
        self.sha256 = sha256

    @property
    def png(self) -> bytes | None:
        return base64.b64decode(self.png_base64) if self.png_base64 else None
