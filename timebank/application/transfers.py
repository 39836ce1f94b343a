"""转赠: points from one passbook to another, in one atomic save."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from timebank.application.base import BaseServices
from timebank.application.idempotency import Idempotency
from timebank.application.retry import retry_on_conflict
from timebank.domain.actors import Actor
from timebank.domain.errors import DomainError
from timebank.domain.ids import passbook_id_for
from timebank.domain.values import is_valid_passbook_no, mask_name
from timebank.domain.volunteers import TRANSFER_IN, TRANSFER_OUT, Passbook, Volunteer

MAX_NOTE = 200


class TransferServices(BaseServices):
    @retry_on_conflict
    def transfer_points(
        self,
        actor: Actor,
        from_passbook: str,
        to_passbook: str,
        points: int,
        note: str,
        idem: Idempotency | None,
    ) -> dict[str, Any]:
        if (replayed := self.replay(idem)) is not None:
            return replayed
        if isinstance(points, bool) or not isinstance(points, int) or points <= 0:
            raise DomainError("invalid_points")
        if len(note or "") > MAX_NOTE:
            raise DomainError(
                "invalid_input", f"note is at most {MAX_NOTE} characters.", field="note"
            )
        source, target, _recipient = self._gift_parties(actor, from_passbook, to_passbook)
        transfer_id = str(uuid4())
        source.debit(points, TRANSFER_OUT, transfer_id, actor.record())
        target.credit(points, TRANSFER_IN, transfer_id, actor.record())
        body = {"transfer_id": transfer_id, "balance_after": source.balance}
        self.save_with(source, target, idem=idem, status=201, body=body)
        return body

    def _gift_parties(self, actor: Actor, from_passbook: str, to_passbook: str
                      ) -> tuple[Passbook, Passbook, Volunteer]:
        """Who gives to whom, refused as the gift itself would be (points aside)."""
        for number in (from_passbook, to_passbook):
            if not is_valid_passbook_no(number):
                raise DomainError("not_found", f"Passbook {number!r} not found.")
        if from_passbook == to_passbook:
            raise DomainError("same_passbook")
        source = self.load(Passbook, passbook_id_for(from_passbook), "passbook")
        target = self.load(Passbook, passbook_id_for(to_passbook), "passbook")
        owner = self.load(Volunteer, source.volunteer_id, "volunteer")
        # 转赠 is the owner's gift: staff cannot move a volunteer's points on their behalf.
        if actor.kind != "system" and not (actor.kind == "volunteer" and actor.id == str(owner.id)):
            raise DomainError("forbidden", "Only the passbook's owner can give its points.")
        recipient = self.load(Volunteer, target.volunteer_id, "volunteer")
        if not recipient.active:
            raise DomainError("volunteer_inactive")
        if recipient.bank_id != owner.bank_id:
            # Points are one bank's currency (each bank has its own rules and, at scale, its
            # own database): a gift stays within the bank.
            raise DomainError("office_mismatch", "Points can be given within one bank only.")
        return source, target, recipient

    def gift_recipient(self, actor: Actor, from_passbook: str, to_passbook: str
                       ) -> dict[str, str]:
        """Whom a gift would go to, masked, for the giver to confirm before sending; the
        same refusals as the gift (an unknown, foreign or closed passbook)."""
        _source, target, recipient = self._gift_parties(actor, from_passbook, to_passbook)
        name = self.vault.open(recipient.id, {"name": recipient.name_sealed})["name"] or ""
        return {"passbook_no": target.passbook_no, "name_masked": mask_name(name)}
