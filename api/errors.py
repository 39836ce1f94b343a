"""Every error in the contract's shape: {"error": {"code", "message", "message_zh"}}."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from timebank.domain.errors import MESSAGES, DomainError

log = logging.getLogger(__name__)

STATUS_BY_CODE: dict[str, int] = {
    "invalid_input": 422,
    "invalid_parent": 422,
    "not_found": 404,
    "request_taken": 409,
    "request_not_in_state": 409,
    "outside_take_area": 403,
    "not_time_bank_service": 422,
    "care_age_not_reached": 409,
    "care_not_offered": 422,
    "not_priority_elder": 409,
    "unauthenticated": 401,
    "invalid_credentials": 401,
    "wrong_phone_or_pin": 401,
    "forbidden": 403,
    "wrong_pin": 403,
    "wrong_password": 403,
    "password_change_required": 403,
    "own_account": 403,
    "identity_mismatch": 422,
    "passbook_locked": 423,
    "account_locked": 423,
    "insufficient_points": 409,
    "idempotency_key_required": 400,
    "idempotency_key_reused": 422,
    "office_closed": 409,
    "office_not_bank": 422,
    "invalid_point_rules": 422,
    "invalid_rules_effective_from": 422,
    "rules_already_in_force": 409,
    "phone_taken": 409,
    "username_taken": 409,
    "invalid_phone": 422,
    "invalid_id_number": 422,
    "invalid_pin": 422,
    "weak_pin": 422,
    "invalid_name": 422,
    "invalid_password": 422,
    "invalid_role": 422,
    "invalid_time_range": 422,
    "invalid_hours": 422,
    "invalid_points": 422,
    "same_passbook": 422,
    "not_pending": 409,
    "not_approved": 409,
    "activity_cancelled": 409,
    "office_mismatch": 422,
    "volunteer_inactive": 409,
    "out_of_stock": 409,
    "item_unavailable": 409,
    "already_cancelled": 409,
    "cancel_not_allowed": 403,
    "invalid_card": 400,
    "sku_taken": 409,
    "invalid_token": 400,
    "token_expired": 400,
    "already_checked_in": 409,
    "not_checked_in": 409,
    "overlapping_activity": 409,
    "activity_full": 409,
    "activity_not_open": 409,
    "outside_area": 403,
    "rate_limited": 429,
    "invalid_certificate": 404,
    "already_recorded": 409,
    "outside_window": 422,
    "invalid_state": 409,
    "volunteer_too_young": 422,
    "guardian_consent_required": 422,
    "minors_not_admitted": 403,
    "minors_group_only": 403,
    "training_required": 403,
    "insurance_required": 409,
    "several_issuers": 409,
    "invalid_fund_host": 422,
    "insufficient_funds": 409,
    "restricted_purpose_mismatch": 409,
    "exceeds_grant": 409,
    "grant_not_approved": 409,
    "grant_not_proposed": 409,
    "period_closed": 409,
    "decision_required": 409,
    "consent_required": 422,
    "same_bank": 422,
    "gift_limit_reached": 409,
    "insufficient_hours": 409,
    "invalid_time_rules": 422,
    "group_hours_donate_only": 409,
    "second_approver_required": 403,
    "conflict": 409,
    "read_models_behind": 503,
    "erasure_incomplete": 503,
    "payload_too_large": 413,
    "internal_error": 500,
}

# Validation refused by the domain: the contract answers these as 422 `invalid_input`,
# naming the field; the specific reason stays in `fields[].problem` and the message.
FIELD_OF_CODE: dict[str, str] = {
    "invalid_phone": "phone",
    "invalid_id_number": "id_number",
    "invalid_pin": "pin",
    "weak_pin": "pin",
    "identity_mismatch": "document_number",
    "invalid_name": "name",
    "invalid_password": "password",
    "invalid_role": "role",
    "invalid_time_range": "ends_at",
    "invalid_hours": "hours",
    "invalid_points": "points",
    "invalid_point_rules": "point_rules",
    "invalid_rules_effective_from": "effective_from",
    "outside_window": "started_at",
}

# Bad credentials of any kind are the contract's 401 `unauthenticated`.
PUBLIC_CODE: dict[str, str] = {
    "invalid_credentials": "unauthenticated",
    "wrong_phone_or_pin": "unauthenticated",
}

# Plain HTTP statuses raised by the framework itself (unknown route, wrong method...).
CODE_BY_STATUS = {
    400: "invalid_input",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "invalid_input",
    413: "payload_too_large",
    422: "invalid_input",
}


def error_body(code: str, message: str | None = None, **extra: Any) -> dict[str, Any]:
    english, chinese = MESSAGES.get(code, MESSAGES["internal_error"])
    public = PUBLIC_CODE.get(code, code)
    return {"error": {"code": public, "message": message or english, "message_zh": chinese,
                      **extra}}


def public_answer(code: str) -> tuple[int, str]:
    """The HTTP status and the public code a domain error code is answered with (the
    OpenAPI document lists each operation's errors through this too)."""
    if code in FIELD_OF_CODE:
        return 422, "invalid_input"
    return STATUS_BY_CODE.get(code, 400), PUBLIC_CODE.get(code, code)


def domain_error_response(exc: DomainError) -> JSONResponse:
    status, _ = public_answer(exc.code)
    if exc.code in FIELD_OF_CODE or (exc.code == "invalid_input" and "field" in exc.context):
        field = exc.context.get("field") or FIELD_OF_CODE[exc.code]
        body = error_body(exc.code, exc.message)
        body["error"]["message_zh"] = exc.message_zh
        body["error"]["code"] = "invalid_input"
        body["error"]["fields"] = [{"field": field, "problem": exc.code}]
        return JSONResponse(body, status_code=422)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    body = error_body(exc.code, exc.message)
    body["error"]["message_zh"] = exc.message_zh
    return JSONResponse(body, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        return domain_error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [
            {
                "field": ".".join(str(part) for part in err.get("loc", ()) if part != "body"),
                "problem": err.get("msg", ""),
            }
            for err in exc.errors()
        ]
        return JSONResponse(
            error_body("invalid_input", "The request is not valid.", fields=fields),
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = CODE_BY_STATUS.get(exc.status_code, "invalid_input")
        message = exc.detail if isinstance(exc.detail, str) else None
        response = JSONResponse(error_body(code, message), status_code=exc.status_code)
        if exc.status_code == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse(error_body("internal_error"), status_code=500)
