"""Passbook cards: a QR code carrying the passbook number and a signature of it.

A kiosk scans the card; the server checks the signature, so a card made up by hand
(a number typed into a QR generator) is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io

import qrcode

from timebank.security.keys import derive_key

PREFIX = "TBPB1"


def _signature(secret: str, passbook_no: str) -> str:
    digest = hmac.new(derive_key(secret, "passbook-cards"), passbook_no.encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()[:12]).decode().rstrip("=")


def card_payload(secret: str, passbook_no: str) -> str:
    return f"{PREFIX}.{passbook_no}.{_signature(secret, passbook_no)}"


def read_card_payload(secret: str, payload: str) -> str | None:
    """The passbook number of a genuine card, or None."""
    parts = (payload or "").split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        return None
    expected = _signature(secret, parts[1])
    return parts[1] if hmac.compare_digest(expected, parts[2]) else None


def card_png(secret: str, passbook_no: str) -> bytes:
    image = qrcode.make(card_payload(secret, passbook_no), box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
