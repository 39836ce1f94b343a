"""Kiosks (爱心超市): keys, catalog, redemptions with PIN checks, cancellations, offline queues."""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.persistence import RecordConflictError

from timebank.application.authz import OFFICE_FIGURES, OPERATORS, require_read, require_scope
from timebank.application.base import BaseServices
from timebank.application.idempotency import Idempotency
from timebank.application.ports import KioskUsageLog
from timebank.application.repository import unit_of_work
from timebank.application.retry import retry_on_conflict
from timebank.domain.actors import Actor
from timebank.domain.errors import DomainError
from timebank.domain.ids import idempotency_id_for, passbook_id_for
from timebank.domain.kiosks import (
    MAX_LINES,
    MAX_QUANTITY,
    CatalogItem,
    Kiosk,
    Redemption,
    catalog_item_id_for,
    normalise_sku,
)
from timebank.domain.offices import SAVINGS_OFFICE, Office
from timebank.domain.values import is_valid_passbook_no, mask_name, shanghai_date, utc_now
from timebank.domain.volunteers import REDEMPTION, REDEMPTION_CANCELLED, Passbook, Volunteer
from timebank.security.api_keys import ApiKeys
from timebank.security.cards import PREFIX as CARD_PREFIX
from timebank.security.cards import read_card_payload


class KioskServices(BaseServices):
    api_keys: ApiKeys
    kiosk_usage: KioskUsageLog

    # -- kiosks and their keys ---------------------------------------------------------------
    def register_kiosk(self, actor: Actor, office_id: UUID | str, name: str) -> tuple[Kiosk, str]:
        office = self._savings_office(actor, office_id)
        name = (name or "").strip()
        if not 1 <= len(name) <= 100:
            raise DomainError("invalid_input", "name must be 1 to 100 characters.", field="name")
        kiosk_id = uuid4()
        api_key = self.api_keys.new_key(kiosk_id)
        kiosk = Kiosk(
            id=kiosk_id,
            office_id=office.id,
            name=name,
            key_hash=self.api_keys.hash(api_key),
            actor=actor.record(),
        )
        self.save(kiosk)
        return kiosk, api_key

    @retry_on_conflict
    def revoke_kiosk(self, actor: Actor, kiosk_id: UUID | str, reason: str) -> Kiosk:
        kiosk = self.load(Kiosk, kiosk_id, "kiosk")
        require_scope(actor, self.load_office(kiosk.office_id), OPERATORS)
        kiosk.revoke(actor.record(), reason)
        self.save(kiosk)
        return kiosk

    @retry_on_conflict
    def rotate_kiosk_key(
        self, actor: Actor, kiosk_id: UUID | str, grace: timedelta, reason: str
    ) -> tuple[Kiosk, str]:
        """A new key for a kiosk, shown once; the replaced key stays accepted for `grace`.

        Not idempotent on purpose: replaying an answer would mean storing the key in clear.
        A caller who lost the answer rotates again while the replaced key still works.
        """
        kiosk = self.load(Kiosk, kiosk_id, "kiosk")
        require_scope(actor, self.load_office(kiosk.office_id), OPERATORS)
        api_key = self.api_keys.new_key(kiosk.id)
        kiosk.rotate_key(
            key_hash=self.api_keys.hash(api_key),
            rotated_at=utc_now(),
            grace=grace,
            actor=actor.record(),
            reason=(reason or "").strip(),
        )
        self.save(kiosk)
        return kiosk, api_key

    def authenticate_kiosk(self, api_key: str | None, request_id: str | None = None) -> Actor:
        with unit_of_work():
            return self._authenticate_kiosk(api_key, request_id)

    def _authenticate_kiosk(self, api_key: str | None, request_id: str | None) -> Actor:
        kiosk_id = ApiKeys.kiosk_id_of(api_key or "")
        kiosk = None
        if kiosk_id is not None:
            cached = self.peek(Kiosk, kiosk_id)
            # The kiosk and its offices in one round trip (the offices from the cache).
            self.prefetch(kiosk_id, *(self.office_chain(cached.office_id) if cached else ()))
            try:
                kiosk = self.view(Kiosk, kiosk_id, "kiosk")
            except DomainError:
                kiosk = None
        if kiosk is None or not self._key_accepted(kiosk, api_key or ""):
            raise DomainError("unauthenticated")
        try:
            self.ensure_open_path(self.view_office(kiosk.office_id))
        except DomainError as exc:
            raise DomainError("unauthenticated", "The kiosk's office is closed.") from exc
        self.kiosk_usage.touch(kiosk.id)
        return Actor(
            kind="kiosk",
            id=str(kiosk.id),
            role="kiosk",
            office_id=kiosk.office_id,
            request_id=request_id,
        )

    def _key_accepted(self, kiosk: Kiosk, api_key: str) -> bool:
        # Every accepted hash is compared (no early exit), so timing says nothing of which.
        hashes = kiosk.accepted_key_hashes(utc_now())
        return any([self.api_keys.verify(api_key, h) for h in hashes])

    def _savings_office(self, actor: Actor, office_id: UUID | str) -> Office:
        office = self.load_office(office_id)
        require_scope(actor, office, OPERATORS)
        if office.kind != SAVINGS_OFFICE:
            raise DomainError(
                "invalid_input",
                "Kiosks and catalogs belong to a savings office.",
                field="office_id",
            )
        self.ensure_open_path(office)
        return office

    # -- catalog -----------------------------------------------------------------------------
    def list_catalog_item(
        self,
        actor: Actor,
        office_id: UUID | str,
        sku: str,
        name: str,
        points: int,
        stock: int,
        sponsor: str | None = None,
    ) -> CatalogItem:
        office = self._savings_office(actor, office_id)
        item = CatalogItem.list_item(office.id, sku, name, points, stock, sponsor, actor.record())
        try:  # the item's id is made of office and SKU: the store refuses a second one
            self.save(item)
        except RecordConflictError as exc:
            raise DomainError("sku_taken") from exc
        return item

    def load_catalog_item(self, office_id: UUID, sku: str) -> CatalogItem:
        return self.load(
            CatalogItem, catalog_item_id_for(office_id, normalise_sku(sku)), f"catalog item {sku!r}"
        )

    @retry_on_conflict
    def update_catalog_item(
        self,
        actor: Actor,
        office_id: UUID | str,
        sku: str,
        points: int | None = None,
        stock: int | None = None,
        restock: int | None = None,
        active: bool | None = None,
        reason: str = "",
        idem: Idempotency | None = None,
    ) -> dict[str, Any]:
        """Reprice, restock (add), set the counted stock, or take off/put back on offer.

        A restock adds: a retried PATCH carries the same Idempotency-Key so it adds once."""
        if (replayed := self.replay(idem)) is not None:
            return replayed
        office = self.load_office(office_id)
        require_scope(actor, office, OPERATORS)
        item = self.load_catalog_item(office.id, sku)
        if stock is not None and restock is not None:
            raise DomainError(
                "invalid_input", "Give either stock or restock, not both.", field="stock"
            )
        if points is not None:
            item.reprice(points, actor.record())
        if restock is not None:
            item.restock(restock, actor.record(), reason)
        if stock is not None:
            if isinstance(stock, bool) or not isinstance(stock, int) or stock < 0:
                raise DomainError("invalid_input", "stock: a whole number from 0.", field="stock")
            if stock != item.stock:
                item.restock(stock - item.stock, actor.record(), reason or "stocktake")
        if active is not None:
            item.set_active(active, actor.record())
        body = catalog_item_body(item)
        self.save_with(item, idem=idem, status=200, body=body)
        return body

    # -- passbooks seen from a kiosk ---------------------------------------------------------
    def resolve_passbook_ref(self, reference: str) -> str:
        """A scanned card (signed) or a typed passbook number; a forged card is refused."""
        reference = (reference or "").strip()
        if reference.startswith(CARD_PREFIX + "."):
            number = read_card_payload(self.settings.resolved_secret_key, reference)
            if number is None:
                raise DomainError("invalid_card")
            return number
        if not is_valid_passbook_no(reference):
            raise DomainError("not_found", "passbook not found.")
        return reference

    def _kiosk_passbook(self, actor: Actor, reference: str) -> tuple[Passbook, Volunteer]:
        passbook = self.load(
            Passbook, passbook_id_for(self.resolve_passbook_ref(reference)), "passbook"
        )
        volunteer = self.view(Volunteer, passbook.volunteer_id, "volunteer")
        kiosk_office = self.view_office(actor.office_id)
        if volunteer.bank_id != kiosk_office.bank_id:
            # Points are a bank's currency: another district's passbook is unknown here.
            raise DomainError("not_found", "passbook not found.")
        if not volunteer.active:
            # An erased (or deactivated) volunteer's card spends nothing, whatever PIN is
            # typed — refused before the PIN is checked, so nothing is counted either.
            raise DomainError("volunteer_inactive")
        return passbook, volunteer

    def kiosk_passbook_view(self, actor: Actor, reference: str) -> dict[str, Any]:
        passbook, volunteer = self._kiosk_passbook(actor, reference)
        person = self.vault.open(volunteer.id, {"name": volunteer.name_sealed})
        return {
            "passbook_no": passbook.passbook_no,
            "name_masked": mask_name(person["name"] or ""),
            "balance_points": passbook.balance,
        }

    # -- redemptions -------------------------------------------------------------------------
    @retry_on_conflict
    def redeem(
        self,
        actor: Actor,
        passbook_ref: str,
        pin: str,
        items: list[dict[str, Any]],
        idem: Idempotency | None,
        offline_sequence: int | None = None,
        occurred_at: datetime | None = None,
    ) -> dict[str, Any]:
        self._prefetch_for_redemption(actor, passbook_ref, idem)
        if (replayed := self.replay(idem)) is not None:
            return replayed
        if actor.kind != "kiosk":
            raise DomainError("forbidden")
        wanted = _merge_lines(items)
        passbook, volunteer = self._kiosk_passbook(actor, passbook_ref)
        now = utc_now()
        passbook.ensure_unlocked(now)
        right, upgrade = self.pins.verify(volunteer.pin_hash, pin or "")
        if not right:
            passbook.record_wrong_pin(now, actor.record())
            self.save(passbook)
            raise passbook.wrong_pin_refusal()
        passbook.record_right_pin(actor.record())
        rehashed: list[Volunteer] = []
        if upgrade:  # a hash from before the pepper: stored anew with this redemption
            rehashed.append(self.load(Volunteer, volunteer.id, "volunteer"))
            rehashed[0].rehash_pin(self.pins.hash(pin))

        redemption_id = uuid4()
        self.prefetch(*(catalog_item_id_for(actor.office_id, sku) for sku in wanted))
        catalog = [
            (self.load_catalog_item(actor.office_id, sku), qty) for sku, qty in wanted.items()
        ]
        total = sum(item.points * quantity for item, quantity in catalog)
        # Stock first: "out of stock" is the more useful answer when both would fail.
        for item, quantity in catalog:
            item.take(quantity, redemption_id, actor.record())
        passbook.debit(total, REDEMPTION, str(redemption_id), actor.record())
        redemption = Redemption(
            id=redemption_id,
            kiosk_id=UUID(actor.id),
            office_id=actor.office_id,
            passbook_id=passbook.id,
            passbook_no=passbook.passbook_no,
            lines=[
                {"sku": item.sku, "name": item.name, "quantity": quantity, "points": item.points}
                for item, quantity in catalog
            ],
            points_spent=total,
            offline_sequence=offline_sequence,
            occurred_at=occurred_at,
            actor=actor.record(),
        )
        body = {
            "redemption_id": str(redemption_id),
            "points_spent": total,
            "balance_after": passbook.balance,
        }
        self.save_with(
            passbook, *(item for item, _ in catalog), redemption, *rehashed,
            idem=idem, status=201, body=body,
        )
        return body

    def _prefetch_for_redemption(
        self, actor: Actor, passbook_ref: str, idem: Idempotency | None
    ) -> None:
        """What a redemption reads first, in one round trip: the idempotency record, the
        passbook, and — from the cache, they never change — the volunteer and the kiosk's
        offices. Not the catalog items: every redemption at a kiosk takes from them, so
        they are read after the PIN check, just before the save, which keeps the time in
        which another redemption can change them (a conflict, and a retry) short."""
        try:
            passbook_id = passbook_id_for(self.resolve_passbook_ref(passbook_ref))
        except DomainError:
            return  # refused by the command itself, in its own order
        cached = self.peek(Passbook, passbook_id)
        self.prefetch(
            idempotency_id_for(idem.scope, idem.key) if idem is not None else None,
            passbook_id,
            cached.volunteer_id if cached is not None else None,
            *self.office_chain(actor.office_id),
        )

    @retry_on_conflict
    def cancel_redemption(
        self,
        actor: Actor,
        redemption_id: UUID | str,
        reason: str,
        idem: Idempotency | None = None,
    ) -> dict[str, Any]:
        """The kiosk that made it, the same (Shanghai) day; staff of the office, any time."""
        if (replayed := self.replay(idem)) is not None:
            return replayed
        redemption = self.load(Redemption, redemption_id, "redemption")
        if actor.kind == "kiosk":
            same_kiosk = actor.id == str(redemption.kiosk_id)
            same_day = shanghai_date(redemption.created_on) == shanghai_date(utc_now())
            if not (same_kiosk and same_day):
                raise DomainError("cancel_not_allowed")
        else:
            require_scope(actor, self.load_office(redemption.office_id), OPERATORS)
        redemption.cancel(actor.record(), reason)
        passbook = self.load(Passbook, redemption.passbook_id, "passbook")
        passbook.credit(
            redemption.points_spent, REDEMPTION_CANCELLED, str(redemption.id), actor.record()
        )
        items = []
        for line in redemption.lines:
            item = self.load_catalog_item(redemption.office_id, line["sku"])
            item.give_back(line["quantity"], redemption.id, actor.record())
            items.append(item)
        body = {
            "redemption_id": str(redemption.id),
            "status": redemption.status,
            "points_returned": redemption.points_spent,
            "balance_after": passbook.balance,
        }
        self.save_with(redemption, passbook, *items, idem=idem, status=200, body=body)
        return body

    def redeem_offline_batch(
        self, actor: Actor, entries: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Apply a reconnected kiosk's queue in its own order; each sequence number once."""
        results = []
        for entry in sorted(entries, key=lambda e: e["sequence"]):
            sequence = entry["sequence"]
            idem = self.idempotency(
                f"kiosk:{actor.id}:offline",
                str(sequence),
                {k: entry.get(k) for k in ("passbook_no", "pin", "items", "occurred_at")},
            )
            try:
                replayed = self.replay(idem)
                if replayed is not None:
                    if "error" in replayed:
                        results.append(
                            {"sequence": sequence, "status": "refused", "error": replayed["error"]}
                        )
                    else:
                        results.append(
                            {"sequence": sequence, "status": "already_applied", **replayed}
                        )
                    continue
                occurred_at = _check_offline_time(entry.get("occurred_at"))
                body = self.redeem(
                    actor,
                    entry["passbook_no"],
                    entry["pin"],
                    entry["items"],
                    idem,
                    offline_sequence=sequence,
                    occurred_at=occurred_at,
                )
                results.append({"sequence": sequence, "status": "applied", **body})
            except DomainError as exc:
                error = {"code": exc.code, "message": exc.message, "message_zh": exc.message_zh}
                if exc.code not in ("conflict", "idempotency_key_reused"):
                    # The refusal is the entry's answer for good: a resubmitted queue gets
                    # the same answer and does not count a wrong PIN twice.
                    self._record_refusal(idem, error)
                results.append({"sequence": sequence, "status": "refused", "error": error})
        return results

    def _record_refusal(self, idem: Idempotency, error: dict[str, str]) -> None:
        # Answered concurrently? Then the replay shows that answer.
        with contextlib.suppress(RecordConflictError):
            self.save_with(idem=idem, status=409, body={"error": error})

    def authorize_kiosk_read(self, actor: Actor, kiosk_id: UUID | str) -> Kiosk:
        kiosk = self.load(Kiosk, kiosk_id, "kiosk")
        require_read(actor, OFFICE_FIGURES, self.load_office(kiosk.office_id))
        return kiosk


OFFLINE_CLOCK_SKEW = timedelta(minutes=5)


def catalog_item_body(item: CatalogItem) -> dict[str, Any]:
    return {
        "sku": item.sku,
        "name": item.name,
        "points": item.points,
        "stock": item.stock,
        "active": item.active,
        "sponsor": item.sponsor,
    }


def _check_offline_time(occurred_at: datetime | None) -> datetime | None:
    if occurred_at is None:
        return None
    if occurred_at.tzinfo is None or occurred_at.utcoffset() is None:
        raise DomainError("invalid_input", "occurred_at needs a UTC offset.", field="occurred_at")
    if occurred_at > utc_now() + OFFLINE_CLOCK_SKEW:
        raise DomainError("invalid_input", "occurred_at lies in the future.", field="occurred_at")
    return occurred_at.astimezone(UTC)


def _merge_lines(items: list[dict[str, Any]]) -> OrderedDict[str, int]:
    if not items:
        raise DomainError("invalid_input", "items: at least one line.", field="items")
    if len(items) > MAX_LINES:
        raise DomainError("invalid_input", f"items: at most {MAX_LINES} lines.", field="items")
    merged: OrderedDict[str, int] = OrderedDict()
    for line in items:
        sku = normalise_sku(str(line.get("sku", "")))
        quantity = line.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise DomainError("invalid_input", "quantity: a whole number from 1.", field="quantity")
        merged[sku] = merged.get(sku, 0) + quantity
        if merged[sku] > MAX_QUANTITY:
            raise DomainError(
                "invalid_input", f"quantity: at most {MAX_QUANTITY} of one item.", field="quantity"
            )
    return merged
