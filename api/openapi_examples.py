"""Request and response examples of the published document, by operationId and status.

Two sources, both bodies the API tests really sent or received:

- `EXAMPLES` below, the kiosk vendor's operations and a volunteer's scan, written out:
  `tests/api/test_openapi_examples.py` runs those flows and checks every example against the
  real body — the same fields, types and values, ids, times, numbers and tokens only in their
  form. Add an example here together with the step of that test that produces its body.
- every other operation's first successful answer in a run of the API tests, recorded by
  `scripts/openapi --record-examples` into `openapi_recorded_examples.json` (lists cut to
  their first two items); `tests/api/test_openapi_recorded_examples.py` checks that each
  conforms to the document. Written-out examples win over recorded ones.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

RECORDED_FILE = Path(__file__).resolve().parent / "openapi_recorded_examples.json"

EXAMPLES: dict[str, dict[str, Any]] = {
    "getKioskCatalog": {
        "200": [
            {
                "sku": "HAIRCUT",
                "name": "理发",
                "points": 15,
                "stock": 10,
                "active": True,
                "sponsor": None,
            },
            {
                "sku": "RICE-5KG",
                "name": "大米 5kg",
                "points": 30,
                "stock": 3,
                "active": True,
                "sponsor": None,
            },
        ]
    },
    "lookUpPassbook": {
        "200": {"passbook_no": "255773410584", "name_masked": "欧**娜", "balance_points": 100}
    },
    "redeemAtKiosk": {
        "request": {
            "passbook_no": "255773410584",
            "pin": "738294",
            "items": [{"sku": "RICE-5KG", "quantity": 1}, {"sku": "HAIRCUT", "quantity": 2}],
        },
        "201": {
            "redemption_id": "39b21ad0-f89b-4b42-bb4a-ebe98cb6bd97",
            "points_spent": 60,
            "balance_after": 40,
        },
    },
    "cancelRedemption": {
        "request": {"reason": "顾客退回"},
        "200": {
            "redemption_id": "39b21ad0-f89b-4b42-bb4a-ebe98cb6bd97",
            "status": "cancelled",
            "points_returned": 60,
            "balance_after": 100,
        },
    },
    "redeemOfflineBatch": {
        "request": {
            "redemptions": [
                {
                    "sequence": 41,
                    "passbook_no": "255773410584",
                    "pin": "738294",
                    "items": [{"sku": "HAIRCUT", "quantity": 1}],
                    "occurred_at": "2026-11-20T10:00:00+08:00",
                },
                {
                    "sequence": 42,
                    "passbook_no": "255773410584",
                    "pin": "738294",
                    "items": [{"sku": "RICE-5KG", "quantity": 9}],
                    "occurred_at": "2026-11-20T10:05:00+08:00",
                },
            ]
        },
        "200": {
            "results": [
                {
                    "sequence": 41,
                    "status": "applied",
                    "redemption_id": "76e00f70-21d0-482e-916c-3a3aeb9888aa",
                    "points_spent": 15,
                    "balance_after": 85,
                    "error": None,
                },
                {
                    "sequence": 42,
                    "status": "refused",
                    "redemption_id": None,
                    "points_spent": None,
                    "balance_after": None,
                    "error": {
                        "code": "out_of_stock",
                        "message": "Not enough stock for this item. RICE-5KG: 3 left.",
                        "message_zh": "该物品库存不足。",
                    },
                },
            ]
        },
    },
    "issueVolunteerToken": {
        "request": {"phone": "13800130002", "pin": "738294"},
        "200": {
            "access_token": (
                "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJ0aW1lYmFuayIsInN1YiI6I"
                "jJjODMxNDY3LWRjYTktNGRkNi04M2JmLWNjNWNjNjJiZDdjNCIsImtpbmQiOiJ2b2x1bnR"
                "lZXIiLCJpYXQiOjE3OTYxOTI2MTEsImV4cCI6MTc5NjIyMTQxMX0.BT_nob40kPjouugJs"
                "z1_Tyvq1ljl2vnyEawuf4wW8Uk"
            ),
            "token_type": "bearer",
            "expires_in": 28800,
        },
    },
    "scanActivityCode": {
        "request": {
            "token": "1.cc4fdba3a5ea4b32ad669f1aacc011d2.i.p.tpeu17.rv7LvIcTb_VMVsQbe7FYaw"
        },
        "200": {
            "service_record_id": "95879d4f-d301-5949-8431-9cad5beda580",
            "action": "check_in",
            "at": "2026-12-02T06:23:31.937012Z",
            "status": "checked_in",
            "hours": "0.00",
            "points": 0,
            "flags": [],
            "activity": {
                "id": "cc4fdba3-a5ea-4b32-ad66-9f1aacc011d2",
                "title": "社区助老",
                "location": "社区活动室",
            },
        },
    },
    "transferPoints": {
        "request": {
            "from_passbook": "560647012494",
            "to_passbook": "752205805811",
            "points": 5,
            "note": "谢谢邻居帮忙",
        },
        "201": {"transfer_id": "dda71b6d-90db-424e-8c98-3fdf30f1cdfc", "balance_after": 15},
    },
    "getPassbook": {
        "200": {
            "passbook_no": "560647012494",
            "balance_points": 15,
            "total_hours": "2.00",
            "entries": [
                {
                    "at": "2026-12-02T07:37:05.764867Z",
                    "kind": "service",
                    "hours": "2.00",
                    "points": 20,
                    "balance_after": 20,
                    "ref": "68848a08-c9c7-5c71-bdf7-52411d3b8883",
                },
                {
                    "at": "2026-12-02T07:37:05.810392Z",
                    "kind": "transfer_out",
                    "hours": "0.00",
                    "points": -5,
                    "balance_after": 15,
                    "ref": "dda71b6d-90db-424e-8c98-3fdf30f1cdfc",
                },
            ],
            "star_level": 0,
        }
    },
}


@cache
def recorded() -> dict[str, dict[str, Any]]:
    if not RECORDED_FILE.exists():
        return {}
    loaded: dict[str, dict[str, Any]] = json.loads(RECORDED_FILE.read_text(encoding="utf-8"))
    return loaded


def example(operation_id: str, part: str) -> Any:
    """The example of an operation's request body (`part` "request") or of its answer with
    that status, or None."""
    for source in (EXAMPLES, recorded()):
        found = source.get(operation_id, {}).get(part)
        if found is not None:
            return found
    return None
