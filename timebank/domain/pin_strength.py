"""Which six-digit PINs are refused as too easy to guess (issue 17, item 5).

A PIN has a million values, but people pick a few hundred of them: one digit six times,
runs (123456, 987654), short patterns repeated (121212, 123123), a handful of favourites,
and numbers that are theirs (the phone's last six digits, the ID number's, the birth
date). A guesser tries those first, so they are refused whenever a PIN is set —
registration, a change, a reset at the office. PINs already set are never re-judged: a
volunteer whose PIN was accepted before keeps logging in with it.
"""

from __future__ import annotations

from datetime import date
from itertools import pairwise

from timebank.domain.errors import DomainError

# Favourites that no rule below catches (mirrored runs, pairs, "我爱你" numbers, keypad lines).
COMMON = frozenset({
    "112233", "111222", "123321", "654456", "521521", "520131", "131420", "147258",
    "147369", "159357", "159753", "258369", "369258", "789456", "456123", "321654",
    "741852", "852963",
})

WEAK_PIN_ZH = "密码过于简单（重复或连续的数字、手机号或身份证号后六位、生日），请换一个。"


def _is_run(pin: str) -> bool:
    """Every digit one more (or one less) than the one before, wrapping 9 to 0."""
    steps = {(int(b) - int(a)) % 10 for a, b in pairwise(pin)}
    return steps in ({1}, {9})


def _repeats(pin: str) -> bool:
    """Made of one, two or three digits repeated (000000, 121212, 123123)."""
    return any(pin == pin[:n] * (len(pin) // n) for n in (1, 2, 3))


def _birth_date_forms(birth: date) -> set[str]:
    yy, mm, dd = f"{birth.year % 100:02d}", f"{birth.month:02d}", f"{birth.day:02d}"
    return {yy + mm + dd, mm + dd + yy, dd + mm + yy}


def weak_pin_reason(pin: str, phone: str | None = None, id_number: str | None = None,
                    birth_date: date | None = None) -> str | None:
    """Why `pin` is too easy to guess, or None when it is not."""
    if _repeats(pin):
        return "repeated digits"
    if _is_run(pin):
        return "a run of digits"
    if pin in COMMON:
        return "a common PIN"
    if phone and phone.endswith(pin):
        return "the phone number's last six digits"
    if id_number and (id_number.upper().endswith(pin) or pin in id_number[6:14]):
        return "taken from the ID number"
    if birth_date is not None and pin in _birth_date_forms(birth_date):
        return "the birth date"
    return None


def refuse_weak_pin(pin: str, phone: str | None = None, id_number: str | None = None,
                    birth_date: date | None = None, field: str = "pin") -> None:
    """Raise `weak_pin` (answered 422, naming `field`) for a PIN `weak_pin_reason` refuses."""
    reason = weak_pin_reason(pin, phone, id_number, birth_date)
    if reason is not None:
        raise DomainError("weak_pin", f"This one is {reason}.", field=field, zh=WEAK_PIN_ZH)
