"""Reading HTML form fields into command arguments, and a refusal as text for the form.

A form sends strings; the application commands take datetimes and numbers. A value that
cannot be read raises the same `invalid_input` the domain would, naming the field, so the
page shows every refusal one way.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime

from fastapi import Request

from api.web.i18n import language_of, texts
from timebank.domain.errors import DomainError
from timebank.domain.values import SHANGHAI


def local_datetime(text: str, field: str) -> datetime:
    """A `datetime-local` input ('2026-12-01T09:00') is Beijing time, whatever the browser's."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise DomainError("invalid_input", f"{field}: a date and time.", field=field) from exc
    return value if value.tzinfo is not None else value.replace(tzinfo=SHANGHAI)


def calendar_date(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise DomainError("invalid_input", f"{field}: a date YYYY-MM-DD.", field=field) from exc


# Numbers in forms are ASCII digits only. `str.isdigit()` accepts "²" (then `int()` raises),
# and `int()` / `float()` accept other scripts' digits ("١٢", "１２"): every numeric field of
# every form is read here, the same way, and anything else is `invalid_input`.
_WHOLE = re.compile(r"[0-9]{1,12}", re.ASCII)
_DECIMAL = re.compile(r"[+-]?[0-9]{1,12}(?:\.[0-9]{1,12})?", re.ASCII)


def whole_number(text: str, field: str) -> int:
    """A required whole number from 0, in ASCII digits."""
    text = (text or "").strip()
    if not _WHOLE.fullmatch(text):
        raise DomainError("invalid_input", f"{field}: a whole number.", field=field)
    return int(text)


def optional_int(text: str, field: str) -> int | None:
    if not (text or "").strip():
        return None
    return whole_number(text, field)


def optional_float(text: str, field: str) -> float | None:
    text = (text or "").strip()
    if not text:
        return None
    if not _DECIMAL.fullmatch(text):
        raise DomainError("invalid_input", f"{field}: a number.", field=field)
    value = float(text)
    if not math.isfinite(value):  # pragma: no cover - the pattern admits only finite numbers
        raise DomainError("invalid_input", f"{field}: a number.", field=field)
    return value


def local_input(value: datetime | None) -> str:
    """The value a `datetime-local` input shows for an instant: Beijing time to the minute."""
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M") if value else ""


def refusal_text(request: Request, exc: DomainError) -> str:
    """The refusal in the page's language, naming the form field when the error names one."""
    lang = language_of(request)
    message = exc.message_zh if lang == "zh" else exc.message
    label = texts(lang).get(f"field_{exc.context.get('field')}")
    if label:
        message = f"{message}（{label}）" if lang == "zh" else f"{message} ({label})"
    return message
