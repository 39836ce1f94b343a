"""Ed25519 signatures with a key derived from the server secret: anyone can check them with
the published public key, only the server can make them."""

from __future__ import annotations

import base64

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from timebank.security.keys import derive_key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    def __init__(self, secret: str) -> None:
        self._private = Ed25519PrivateKey.from_private_bytes(derive_key(secret, "checkpoints"))

    @property
    def public_key(self) -> str:
        return _b64(self._private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))

    def sign(self, message: str) -> str:
        return _b64(self._private.sign(message.encode()))


def verify_signature(public_key: str, message: str, signature: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(_unb64(public_key)).verify(
            _unb64(signature), message.encode())
    except (InvalidSignature, ValueError):
        return False
    return True


def checkpoint_message(day: str, position: int, chain_hash: str) -> str:
    return f"timebank-checkpoint:{day}:{position}:{chain_hash}"
