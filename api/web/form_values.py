"""Reading HTML form fields into command arguments, and a refusal as text for the form.

A form sends strings; the application commands take datetimes and numbers. A value that
cannot be read raises the same `invalid_input` the domain would, naming the field, so the
page shows every refusal one way.
"""

from __future__ import annotations

from datetime import date, datetime

from fastapi import Request

from api.web.i18n import language_of, texts
from timebank.domain.errors import MESSAGES, DomainError
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


def optional_int(text: str, field: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise DomainError("invalid_input", f"{field}: a whole number.", field=field)
    return int(text)


def optional_float(text: str, field: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError as exc:
        raise DomainError("invalid_input", f"{field}: a number.", field=field) from exc


def local_input(value: datetime | None) -> str:
    """The value a `datetime-local` input shows for an instant: Beijing time to the minute."""
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M") if value else ""


def refusal_text(request: Request, exc: DomainError) -> str:
    """The refusal in the page's language, naming the form field when the error names one."""
    lang = language_of(request)
    message = MESSAGES[exc.code][1] if lang == "zh" else exc.message
    label = texts(lang).get(f"field_{exc.context.get('field')}")
    if label:
        message = f"{message}（{label}）" if lang == "zh" else f"{message} ({label})"
    return message
