"""The export of volunteers' records as one ZIP archive: for each kind a JSON Lines file and a
CSV file (timebank/domain/export_format.py, docs/records-export.md), and `manifest.json`
saying what the archive holds. Shared by the API and the pages, so both give the same file."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date
from typing import Any

from projections import export_queries
from timebank.domain.actors import Actor
from timebank.domain.export_format import FORMAT, KINDS, VERSION, csv_bytes, jsonl
from timebank.domain.offices import Office
from timebank.domain.values import utc_now
from timebank.domain.volunteers import Volunteer

MEDIA_TYPE = "application/zip"
# The entries' own times say nothing (the manifest's `generated_at` does).
ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def export_rows(engine: Any, scope: Any, date_from: date | None,
                date_to: date | None) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {
        "service_records": export_queries.service_rows(engine, scope, date_from, date_to),
        "evaluations": export_queries.evaluation_rows(engine, scope, date_from, date_to),
        "trainings": export_queries.training_rows(engine, scope, date_from, date_to),
        "awards": export_queries.award_rows(engine, scope, date_from, date_to),
        "complaints": export_queries.complaint_rows(engine, scope, date_from, date_to),
        "certificates": export_queries.certificate_rows(engine, scope, date_from, date_to),
    }
    named = {row["volunteer_id"] for kind_rows in rows.values() for row in kind_rows}
    rows["volunteers"] = export_queries.volunteer_rows(engine, scope, named)
    return rows


def build_export(services: Any, engine: Any, actor: Actor, scope: Any, office: Office,
                 volunteer: Volunteer | None, date_from: date | None = None,
                 date_to: date | None = None) -> bytes:
    """The archive of `scope`'s records (in the period, if one is given); the export is
    recorded as an event before the archive is handed out."""
    rows = export_rows(engine, scope, date_from, date_to)
    services.complete_export(rows)
    counts = {kind: len(rows[kind]) for kind in KINDS}
    services.record_export(actor, office, volunteer, (date_from, date_to), counts)
    manifest = {
        "format": FORMAT, "version": VERSION, "generated_at": utc_now().isoformat(),
        "scope": {"kind": "volunteer" if volunteer is not None else "office",
                  "office_id": str(office.id), "office_name": office.name,
                  "volunteer_id": str(volunteer.id) if volunteer is not None else None,
                  "from": date_from.isoformat() if date_from else None,
                  "to": date_to.isoformat() if date_to else None},
        "files": {kind: {"rows": counts[kind], "jsonl": f"{kind}.jsonl", "csv": f"{kind}.csv"}
                  for kind in KINDS},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        _add(archive, "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2)
             .encode("utf-8"))
        for kind in KINDS:
            _add(archive, f"{kind}.jsonl", jsonl(kind, rows[kind]))
            _add(archive, f"{kind}.csv", csv_bytes(kind, rows[kind]))
    return buffer.getvalue()


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def filename(prefix: str, date_from: date | None = None, date_to: date | None = None) -> str:
    period = "".join(f"-{d.isoformat()}" for d in (date_from, date_to) if d)
    return f"records-{prefix}{period}.zip"
