"""A bank's rules of volunteers' records: star thresholds (星级) and the days its offices have
to answer a volunteer's correction request. Changed by event, never retroactive."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import CurrentActor, Services
from api.schemas_records import RecordRules, RecordRulesOut
from timebank.domain.offices import Office

router = APIRouter(prefix="/offices", tags=["offices"])


def rules_out(bank: Office) -> dict[str, Any]:
    return {"bank_id": str(bank.id), "star_thresholds_hours": list(bank.star_thresholds_hours),
            "correction_days": bank.correction_days}


@router.put("/{bank_id}/record-rules", response_model=RecordRulesOut)
def set_record_rules(bank_id: str, body: RecordRules, actor: CurrentActor,
                     services: Services) -> dict[str, Any]:
    return rules_out(services.set_record_rules(actor, bank_id, body.star_thresholds_hours,
                                               body.correction_days))


@router.get("/{bank_id}/record-rules", response_model=RecordRulesOut)
def get_record_rules(bank_id: str, actor: CurrentActor, services: Services) -> dict[str, Any]:
    return rules_out(services.record_rules(actor, bank_id))
