"""Redemption kiosks (兑换终端 / 爱心超市): catalog items, kiosks and redemptions.

A redemption moves points out of a passbook and stock out of catalog items in one save;
its cancellation moves both back. Catalog items live for years, so they are snapshotted.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from timebank.domain.errors import DomainError
from timebank.domain.ids import NAMESPACE

MAX_PRICE = 1_000_000
MAX_STOCK = 1_000_000
MAX_QUANTITY = 99
MAX_LINES = 20
MAX_KEY_GRACE = timedelta(days=7)
MAX_RETIRED_KEYS = 3


def catalog_item_id_for(office_id: UUID, sku: str) -> UUID:
    return uuid5(NAMESPACE, f"catalog:{office_id}:{sku}")


def normalise_sku(raw: str) -> str:
    sku = (raw or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}", sku):
        raise DomainError(
            "invalid_input", "sku: 1 to 40 letters, digits, dots, dashes.", field="sku"
        )
    return sku


def _check_price(points: Any) -> int:
    if isinstance(points, bool) or not isinstance(points, int) or not 0 < points <= MAX_PRICE:
        raise DomainError(
            "invalid_input", "points: a whole number from 1 to 1000000.", field="points"
        )
    return points


def _check_stock(stock: Any) -> int:
    if isinstance(stock, bool) or not isinstance(stock, int) or not 0 <= stock <= MAX_STOCK:
        raise DomainError(
            "invalid_input", "stock: a whole number from 0 to 1000000.", field="stock"
        )
    return stock


class CatalogItem(Aggregate):
    @staticmethod
    def create_id(office_id: UUID, sku: str, **_: Any) -> UUID:
        return catalog_item_id_for(office_id, sku)

    class Listed(Aggregate.Created):
        office_id: UUID
        sku: str
        name: str
        points: int
        stock: int
        sponsor: str | None
        actor: dict[str, Any]

    @event(Listed)
    def __init__(
        self,
        office_id: UUID,
        sku: str,
        name: str,
        points: int,
        stock: int,
        sponsor: str | None,
        actor: dict[str, Any],
    ) -> None:
        self.office_id = office_id
        self.sku = sku
        self.name = name
        self.points = points
        self.stock = stock
        self.sponsor = sponsor
        self.active = True

    @classmethod
    def list_item(
        cls,
        office_id: UUID,
        sku: str,
        name: str,
        points: int,
        stock: int,
        sponsor: str | None,
        actor: dict[str, Any],
    ) -> CatalogItem:
        name = (name or "").strip()
        if not 1 <= len(name) <= 100:
            raise DomainError("invalid_input", "name must be 1 to 100 characters.", field="name")
        return cls(
            office_id=office_id,
            sku=normalise_sku(sku),
            name=name,
            points=_check_price(points),
            stock=_check_stock(stock),
            sponsor=(sponsor or "").strip() or None,
            actor=actor,
        )

    def restock(self, quantity: int, actor: dict[str, Any], reason: str = "") -> None:
        """Add (or, negative, write off) stock: an event with the change, never an overwrite."""
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity == 0:
            raise DomainError(
                "invalid_input", "a stock change is a non-zero whole number.", field="restock"
            )
        if not 0 <= self.stock + quantity <= MAX_STOCK:
            raise DomainError("invalid_input", "stock would leave 0 to 1000000.", field="restock")
        self._restocked(quantity=quantity, actor=actor, reason=reason)

    class Restocked(Aggregate.Event):
        quantity: int  # negative: written off
        actor: dict[str, Any]
        reason: str

    @event(Restocked)
    def _restocked(self, quantity: int, actor: dict[str, Any], reason: str) -> None:
        self.stock += quantity

    def reprice(self, points: int, actor: dict[str, Any]) -> None:
        points = _check_price(points)
        if points != self.points:
            self._repriced(points=points, actor=actor)

    class Repriced(Aggregate.Event):
        points: int
        actor: dict[str, Any]

    @event(Repriced)
    def _repriced(self, points: int, actor: dict[str, Any]) -> None:
        self.points = points

    def set_active(self, active: bool, actor: dict[str, Any]) -> None:
        if active != self.active:
            self._activity_changed(active=active, actor=actor)

    class ActivityChanged(Aggregate.Event):
        active: bool
        actor: dict[str, Any]

    @event(ActivityChanged)
    def _activity_changed(self, active: bool, actor: dict[str, Any]) -> None:
        self.active = active

    def take(self, quantity: int, redemption_id: UUID, actor: dict[str, Any]) -> None:
        if not self.active:
            raise DomainError("item_unavailable", f"{self.sku} is not on offer.")
        if quantity > self.stock:
            raise DomainError("out_of_stock", f"{self.sku}: {self.stock} left.")
        self._taken(quantity=quantity, redemption_id=redemption_id, actor=actor)

    class StockTaken(Aggregate.Event):
        quantity: int
        redemption_id: UUID
        actor: dict[str, Any]

    @event(StockTaken)
    def _taken(self, quantity: int, redemption_id: UUID, actor: dict[str, Any]) -> None:
        self.stock -= quantity

    def give_back(self, quantity: int, redemption_id: UUID, actor: dict[str, Any]) -> None:
        self._returned(quantity=quantity, redemption_id=redemption_id, actor=actor)

    class StockReturned(Aggregate.Event):
        quantity: int
        redemption_id: UUID
        actor: dict[str, Any]

    @event(StockReturned)
    def _returned(self, quantity: int, redemption_id: UUID, actor: dict[str, Any]) -> None:
        self.stock += quantity


class Kiosk(Aggregate):
    class Registered(Aggregate.Created):
        office_id: UUID
        name: str
        key_hash: str
        actor: dict[str, Any]

    @event(Registered)
    def __init__(
        self,
        id: UUID,  # chosen first: the API key names its kiosk
        office_id: UUID,
        name: str,
        key_hash: str,
        actor: dict[str, Any],
    ) -> None:
        self.office_id = office_id
        self.name = name
        self.key_hash = key_hash
        self.revoked = False
        # Keys replaced by a rotation, still accepted until their time: (hash, valid until).
        self.retired_keys: list[tuple[str, datetime]] = []

    def revoke(self, actor: dict[str, Any], reason: str) -> None:
        if self.revoked:
            raise DomainError("invalid_state", "The key is already revoked.")
        self._revoked(actor=actor, reason=reason)

    class KeyRevoked(Aggregate.Event):
        actor: dict[str, Any]
        reason: str

    @event(KeyRevoked)
    def _revoked(self, actor: dict[str, Any], reason: str) -> None:
        self.revoked = True
        self.retired_keys = []  # a revocation ends every key, replaced ones included

    def rotate_key(
        self,
        key_hash: str,
        rotated_at: datetime,
        grace: timedelta,
        actor: dict[str, Any],
        reason: str,
    ) -> None:
        """Give the kiosk a new key; the one it had stays accepted for `grace` (0: ends now).

        The grace lets a vendor deploy the new key without a gap in service; a key that
        leaked is rotated with no grace, or the kiosk revoked.
        """
        if self.revoked:
            raise DomainError("invalid_state", "A revoked kiosk's key cannot be rotated.")
        if not timedelta(0) <= grace <= MAX_KEY_GRACE:
            raise DomainError(
                "invalid_input",
                f"grace_hours: from 0 to {MAX_KEY_GRACE // timedelta(hours=1)}.",
                field="grace_hours",
            )
        self._key_rotated(
            key_hash=key_hash,
            rotated_at=rotated_at,
            replaced_valid_until=rotated_at + grace,
            actor=actor,
            reason=reason,
        )

    class KeyRotated(Aggregate.Event):
        key_hash: str
        rotated_at: datetime
        replaced_valid_until: datetime
        actor: dict[str, Any]
        reason: str

    @event(KeyRotated)
    def _key_rotated(
        self,
        key_hash: str,
        rotated_at: datetime,
        replaced_valid_until: datetime,
        actor: dict[str, Any],
        reason: str,
    ) -> None:
        kept = [(h, until) for h, until in self.retired_keys if until > rotated_at]
        if replaced_valid_until > rotated_at:
            kept.append((self.key_hash, replaced_valid_until))
        # Bounded: only the newest replaced keys stay accepted, whatever the grace asked.
        self.retired_keys = kept[-MAX_RETIRED_KEYS:]
        self.key_hash = key_hash

    def accepted_key_hashes(self, now: datetime) -> list[str]:
        """The hashes a request may present at `now`: the current key, then replaced ones."""
        if self.revoked:
            return []
        return [self.key_hash, *(h for h, until in self.retired_keys if until > now)]

    def replaced_keys_valid_until(self, now: datetime) -> datetime | None:
        """When the last replaced key still accepted at `now` stops working (None: none is)."""
        if self.revoked:
            return None
        return max((until for _, until in self.retired_keys if until > now), default=None)


MADE, CANCELLED = "completed", "cancelled"


class Redemption(Aggregate):
    class Made(Aggregate.Created):
        kiosk_id: UUID
        office_id: UUID
        passbook_id: UUID
        passbook_no: str
        lines: list[dict[str, Any]]  # {"sku", "name", "quantity", "points"} per item
        points_spent: int
        offline_sequence: int | None
        occurred_at: datetime | None
        actor: dict[str, Any]

    @event(Made)
    def __init__(
        self,
        id: UUID,  # chosen first: the stock and passbook events name it
        kiosk_id: UUID,
        office_id: UUID,
        passbook_id: UUID,
        passbook_no: str,
        lines: list[dict[str, Any]],
        points_spent: int,
        offline_sequence: int | None,
        occurred_at: datetime | None,
        actor: dict[str, Any],
    ) -> None:
        # occurred_at: when an offline kiosk handed the goods over, if before the recording.
        self.kiosk_id = kiosk_id
        self.office_id = office_id
        self.passbook_id = passbook_id
        self.passbook_no = passbook_no
        self.lines = lines
        self.points_spent = points_spent
        self.status = MADE

    def cancel(self, actor: dict[str, Any], reason: str) -> None:
        if self.status == CANCELLED:
            raise DomainError("already_cancelled")
        self._cancelled(actor=actor, reason=reason)

    class Cancelled(Aggregate.Event):
        actor: dict[str, Any]
        reason: str

    @event(Cancelled)
    def _cancelled(self, actor: dict[str, Any], reason: str) -> None:
        self.status = CANCELLED
