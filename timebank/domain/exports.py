"""That volunteers' records were exported (记录导出): who took a copy of whose data, when.

An export carries personal data out of the product, so each one is an event of its own (a
new aggregate per export: taking a copy never conflicts with work on the volunteers or the
office) and reaches the audit trail like every other fact. What was in it is described by
counts, never by the data itself."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

VOLUNTEER_SCOPE, OFFICE_SCOPE = "volunteer", "office"


class RecordExport(Aggregate):
    class Made(Aggregate.Created):
        scope: str  # volunteer: one volunteer's record; office: an office subtree's
        office_id: UUID  # the volunteer's office, or the office exported
        volunteer_id: UUID | None
        period_from: str | None  # YYYY-MM-DD, office exports
        period_to: str | None
        format_version: int
        rows: dict[str, int]  # rows per kind
        actor: dict[str, Any]

    @event(Made)
    def __init__(self, scope: str, office_id: UUID, volunteer_id: UUID | None,
                 period_from: str | None, period_to: str | None, format_version: int,
                 rows: dict[str, int], actor: dict[str, Any]) -> None:
        self.scope = scope
        self.office_id = office_id
        self.volunteer_id = volunteer_id
        self.rows = dict(rows)
