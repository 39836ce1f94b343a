"""Value rules used everywhere: time zones, hours, points, phone, ID and passbook numbers."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from timebank.domain.errors import DomainError

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_SERVICE_MINUTES = 24 * 60


def utc_now() -> datetime:
    return datetime.now(UTC)


def require_aware(moment: datetime, field: str = "time") -> datetime:
    """Stored times are UTC; a naive time is ambiguous and refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise DomainError("invalid_input", f"{field} needs a UTC offset.", field=field)
    return moment.astimezone(UTC)


def shanghai_date(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def hours_text(minutes: int) -> str:
    """Hours with two decimals, from minutes, rounding half up: 150 -> "2.50"."""
    return str((Decimal(minutes) / Decimal(60)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def minutes_from_hours(hours: str | Decimal | int | float) -> int:
    try:
        value = Decimal(str(hours))
    except (InvalidOperation, ValueError) as exc:
        raise DomainError("invalid_hours") from exc
    if not value.is_finite() or value < 0 or value > 24:
        raise DomainError("invalid_hours")
    return int((value * 60).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def points_for(minutes: int, points_per_hour: int, multiplier: Decimal) -> int:
    """The one rounding rule for points: half up on the exact product."""
    exact = Decimal(minutes) * Decimal(points_per_hour) * multiplier / Decimal(60)
    return int(exact.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")


def normalise_mobile(raw: str) -> str:
    """Mainland China mobile numbers: 11 digits starting 13–19, optional +86/86 prefix."""
    digits = re.sub(r"[\s-]", "", raw or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not _MOBILE.match(digits):
        raise DomainError("invalid_phone")
    return digits


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def gb11643_check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def normalise_resident_id(raw: str) -> str:
    """An 18-character resident ID: region, birth date, sequence, GB 11643 check character."""
    value = (raw or "").strip().upper()
    if not re.fullmatch(r"[0-9]{17}[0-9X]", value):
        raise DomainError("invalid_id_number")
    try:
        birth = datetime.strptime(value[6:14], "%Y%m%d").date()
    except ValueError as exc:
        raise DomainError("invalid_id_number") from exc
    if birth.year < 1900 or birth > shanghai_date(utc_now()):
        raise DomainError("invalid_id_number")
    if gb11643_check_digit(value[:17]) != value[17]:
        raise DomainError("invalid_id_number")
    return value


def normalise_name(raw: str) -> str:
    name = (raw or "").strip()
    if not 1 <= len(name) <= 50:
        raise DomainError("invalid_name")
    return name


def mask_name(name: str) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧**娜: enough for a kiosk to confirm, not to identify."""
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def validate_pin(pin: str) -> str:
    if not re.fullmatch(r"[0-9]{6}", pin or ""):
        raise DomainError("invalid_pin")
    return pin


def luhn_check_digit(digits: str) -> str:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def new_passbook_no() -> str:
    """Twelve digits, the last a Luhn check digit so that a mistyped number is caught."""
    body = str(secrets.randbelow(9 * 10**10) + 10**10)
    return body + luhn_check_digit(body)


def mask_passbook_no(passbook_no: str) -> str:
    """Public pages show the last four digits: enough to match a card in hand, not to use
    it at a kiosk or to give points to."""
    if not passbook_no or not passbook_no.isascii() or not passbook_no.isdigit():
        return passbook_no
    return "*" * (len(passbook_no) - 4) + passbook_no[-4:]


def is_valid_passbook_no(value: str) -> bool:
    if not re.fullmatch(r"[0-9]{12}", value or ""):
        return False
    return luhn_check_digit(value[:-1]) == value[-1]
