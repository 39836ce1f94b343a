"""The export of volunteers' records (志愿服务记录导出), version 1: what another system imports.

No published schema of the national volunteer system was found (rules.md), so the export is
its own, documented field by field in docs/records-export.md: one file per kind, each in JSON
Lines and in CSV (UTF-8), with the field names below. The names are stable: a later version
only adds fields at the end of a kind (and raises `VERSION`), never renames or drops one.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from timebank.domain.vocabulary import RESIDENT_ID

FORMAT = "timebank.volunteer-records"
VERSION = 1

# Each kind's fields, in file order. docs/records-export.md describes every one.
FIELDS: dict[str, tuple[str, ...]] = {
    "volunteers": (
        "volunteer_id", "volunteer_no", "national_no", "name", "sex", "birth_date", "id_type",
        "id_number", "phone", "office_id", "office_name", "bank_id", "registered_at",
        "active", "erased", "age_band", "guardian_relation", "guardian_consented_on",
        "location_consent", "star_level", "service_hours", "training_hours"),
    "service_records": (
        "record_id", "volunteer_id", "volunteer_no", "national_no", "activity_id",
        "activity_name", "category", "content", "place", "service_date", "started_at",
        "ended_at", "hours", "status", "points", "source", "office_id", "office_name",
        "person_in_charge_id", "person_in_charge", "recorder_id", "recorder",
        "beneficiary_kind", "beneficiary_label", "organiser_rating", "beneficiary_confirmed",
        "beneficiary_rating", "corrections", "entered_at", "decided_at"),
    "evaluations": (
        "record_id", "volunteer_id", "sequence", "kind", "rating", "confirmed", "on_behalf",
        "comment", "by_kind", "by_id", "at"),
    "trainings": (
        "training_id", "volunteer_id", "volunteer_no", "name", "held_on", "hours",
        "provider", "office_id", "recorded_at", "recorded_by"),
    "awards": (
        "award_id", "volunteer_id", "volunteer_no", "title", "awarded_by", "awarded_on",
        "office_id", "recorded_at", "recorded_by"),
    "complaints": (
        "complaint_id", "service_record_id", "volunteer_id", "office_id",
        "complainant_kind", "summary", "received_on", "status", "outcome", "finding",
        "resolved_at"),
    "certificates": (
        "serial", "volunteer_id", "volunteer_no", "office_id", "issuer", "issued_on",
        "period_from", "period_to", "total_hours", "total_services", "status", "revoked_at",
        "revocation_reason"),
}
KINDS = tuple(FIELDS)

# ID types (证件类型) in the export: the format's own words, which a receiving system maps,
# for the vocabulary's codes (timebank.domain.vocabulary.IDENTITY_DOCUMENT).
EXPORT_ID_TYPE = {RESIDENT_ID: "resident_id_card"}  # 居民身份证


def sex_from_id(id_number: str | None) -> str | None:
    """GB 11643: the 17th character is odd for a man, even for a woman."""
    if not id_number or len(id_number) != 18 or not id_number[16].isdigit():
        return None
    return "male" if int(id_number[16]) % 2 else "female"


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _csv_value(value: Any) -> str:
    """CSV has only text: empty for null, true/false for booleans, ISO for times."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(_json_value(value))


def ordered(kind: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """The row with exactly the kind's fields, in order (a missing one is null)."""
    return {name: _json_value(row.get(name)) for name in FIELDS[kind]}


def jsonl(kind: str, rows: Iterable[Mapping[str, Any]]) -> bytes:
    return "".join(json.dumps(ordered(kind, row), ensure_ascii=False, sort_keys=False) + "\n"
                   for row in rows).encode("utf-8")


def csv_bytes(kind: str, rows: Iterable[Mapping[str, Any]]) -> bytes:
    """Header row of the field names, then one line per row; UTF-8 with a byte-order mark
    so that spreadsheet programs read the Chinese text (importers: read as `utf-8-sig`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FIELDS[kind])
    for row in rows:
        writer.writerow([_csv_value(row.get(name)) for name in FIELDS[kind]])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
