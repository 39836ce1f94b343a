"""Audit commands: daily checkpoints of the hash chain, and erasure of a person's data."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import RecordConflictError

from timebank.application.authz import require_staff
from timebank.application.base import BaseServices
from timebank.application.retry import retry_on_conflict
from timebank.domain.actors import ADMIN_ROLE, Actor
from timebank.domain.checkpoints import Checkpoint, checkpoint_id_for
from timebank.domain.errors import DomainError
from timebank.domain.values import hours_text, require_aware
from timebank.domain.volunteers import CORRECTION, SERVICE, Passbook, Volunteer
from timebank.security.signing import Signer, checkpoint_message


class AuditServices(BaseServices):
    signer: Signer

    @property
    def trusted_checkpoint_keys(self) -> tuple[str, ...]:
        """This server's checkpoint key and the earlier ones it was configured to trust."""
        return (self.signer.public_key, *self.settings.trusted_checkpoint_keys)

    def record_checkpoint(self, day: date, position: int, chain_hash: str) -> Checkpoint | None:
        """The chain head of `day`, signed; None when that day already has one."""
        if self.exists(checkpoint_id_for(day)):
            return None
        checkpoint = Checkpoint(
            day=day.isoformat(), position=position, chain_hash=chain_hash,
            signature=self.signer.sign(checkpoint_message(day.isoformat(), position, chain_hash)),
            public_key=self.signer.public_key,
        )
        try:
            self.save(checkpoint)
        except RecordConflictError:
            return None  # another worker recorded the day's checkpoint first
        return checkpoint

    def checkpoint_of(self, day: date) -> Checkpoint | None:
        try:
            return self.load(Checkpoint, checkpoint_id_for(day))
        except DomainError:
            return None

    def passbook_at(self, volunteer: Volunteer, at: datetime) -> dict[str, Any]:
        """The passbook as recorded at `at`, and as corrected since: corrections recorded
        later to services already approved by then are added to the second figure."""
        at = require_aware(at, "at")
        recorded_points = recorded_minutes = 0
        refs_by_then: set[str] = set()
        corrections: list[dict[str, Any]] = []
        corrected_points = corrected_minutes = 0
        for event in self.events.get(volunteer.passbook_id):
            if not isinstance(event, Passbook.PointsCredited | Passbook.PointsDebited):
                continue
            signed = event.points if isinstance(event, Passbook.PointsCredited) else -event.points
            minutes = event.minutes if event.kind in (SERVICE, CORRECTION) else 0
            if event.timestamp <= at:
                recorded_points += signed
                recorded_minutes += minutes
                refs_by_then.add(event.ref)
            elif event.kind == CORRECTION and event.ref in refs_by_then:
                corrected_points += signed
                corrected_minutes += minutes
                corrections.append(_entry(event, signed, recorded_points + corrected_points))
        return {
            "passbook_no": volunteer.passbook_no,
            "at": at,
            "as_recorded": {"balance_points": recorded_points,
                            "total_hours": hours_text(recorded_minutes)},
            "as_corrected": {"balance_points": recorded_points + corrected_points,
                             "total_hours": hours_text(recorded_minutes + corrected_minutes)},
            "corrections_since": corrections,
        }

    @retry_on_conflict
    def erase_volunteer(self, actor: Actor, volunteer_id: UUID | str, reason: str) -> Volunteer:
        """个人信息删除: destroy the person's key; every figure and the chain stay intact."""
        require_staff(actor, (ADMIN_ROLE,))
        reason = (reason or "").strip()
        if not reason:
            raise DomainError("invalid_input", "Erasure needs a reason.", field="reason")
        volunteer = self.load(Volunteer, volunteer_id, "volunteer")
        if volunteer.erased:
            if self.vault.has_key(volunteer.id):
                # Recorded, but the key survived (an erasure before this order was kept):
                # the retry finishes it.
                self.destroy_personal_key(volunteer.id)
                return volunteer
            raise DomainError("invalid_state", "The volunteer's data is already erased.")
        claim = self.phone_claim_of(volunteer)
        # The key first: if it cannot be destroyed (disk full, read-only), nothing is
        # recorded and the data stays as it was; if it is, and the events then fail to
        # save, the retry finds the volunteer not erased and records it. Either way the
        # erasure completes or nothing is done, and a retry finishes it.
        self.destroy_personal_key(volunteer.id)
        volunteer.erase(actor.record(), reason)
        if claim is not None:
            claim.release(volunteer.id)
        self.save(volunteer, claim)
        return volunteer


def _entry(event: Any, signed: int, balance: int) -> dict[str, Any]:
    minutes = event.minutes if event.kind in (SERVICE, CORRECTION) else 0
    return {"at": event.timestamp, "kind": event.kind, "hours": hours_text(minutes),
            "points": signed, "balance_after": balance, "ref": event.ref}


def checkpoint_view(checkpoint: Checkpoint) -> dict[str, Any]:
    return {"day": checkpoint.day, "position": checkpoint.position,
            "chain_hash": checkpoint.chain_hash, "signature": checkpoint.signature,
            "public_key": checkpoint.public_key}
