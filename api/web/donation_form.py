"""The treasurer's "record a donation" form, read exactly: yuan as typed become integer fen
(never a float), or the form is refused naming the words to show (api/web/i18n.py)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from timebank.domain.funds import DONOR_TYPES

# Whole yuan, then at most two decimals: "12.34", "1,234.5", "¥20". Signs are not accepted.
_YUAN = re.compile(r"([0-9]{1,11})(?:\.([0-9]{1,2}))?")
# Which words explain the domain's refusal of a field (its DomainError `field`).
PROBLEM_OF_FIELD = {"amount_fen": "donation_amount_invalid", "booked_on": "donation_date_invalid",
                    "purpose": "donation_purpose_invalid", "donor_type": "donation_type_invalid"}


class FormProblem(Exception):
    """A field the form cannot take; `key` names its explanation in both languages."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def fen_from_yuan(text: str) -> int:
    """"12.34" -> 1234, "20" -> 2000; more than two decimals, negatives and zero are refused."""
    cleaned = text.strip().removeprefix("¥").replace(",", "").strip()
    match = _YUAN.fullmatch(cleaned)
    if match is None:
        raise FormProblem("donation_amount_invalid")
    whole, cents = match.group(1), (match.group(2) or "").ljust(2, "0")
    fen = int(whole) * 100 + int(cents)
    if fen <= 0:
        raise FormProblem("donation_amount_invalid")
    return fen


@dataclass(frozen=True)
class DonationForm:
    amount_fen: int
    donor_name: str | None
    donor_type: str
    restricted_purpose: str | None
    anonymous: bool
    in_kind: str | None
    booked_on: date | None

    def fingerprint_payload(self) -> dict[str, Any]:
        """What a repeated submission must match to be the same request (idempotency)."""
        return {**asdict(self), "booked_on": self.booked_on and self.booked_on.isoformat()}


def read_donation_form(fields: dict[str, str]) -> DonationForm:
    """The submitted strings, checked in the order they appear on the form."""
    donor_type = fields.get("donor_type", "")
    if donor_type not in DONOR_TYPES:
        raise FormProblem("donation_type_invalid")
    amount_fen = fen_from_yuan(fields.get("amount", ""))
    received = fields.get("received_on", "").strip()
    try:
        booked_on = date.fromisoformat(received) if received else None
    except ValueError as exc:
        raise FormProblem("donation_date_invalid") from exc
    return DonationForm(
        amount_fen=amount_fen,
        donor_name=fields.get("donor_name", "").strip() or None,
        donor_type=donor_type,
        restricted_purpose=fields.get("purpose", "").strip() or None,
        anonymous=fields.get("anonymous", "") == "on",
        in_kind=fields.get("in_kind", "").strip() or None,
        booked_on=booked_on,
    )
