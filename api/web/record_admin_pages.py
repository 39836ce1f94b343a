"""Administration of volunteers' records from the pages, with the same commands (and so the
same permission rules) as the API:

- `/staff/admin/record-rules`: a bank's star thresholds (星级) and the days its offices have to
  answer a correction request — bank administrators, from now on, never retroactive;
- `/staff/admin/issuer`: what a certificate prints of its issuing office — the person in
  charge, the handling officer, the contact (branch or bank administrators) — and the
  office's seal, a PNG image (bank administrators).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.errors import STATUS_BY_CODE
from api.web.error_pages import error_page
from api.web.form_values import refusal_text
from api.web.people_pages import redirect_to_login, staff_actor, staff_posting
from api.web.rendering import render
from api.web.sessions import gathered, page_services, use_partition
from projections import page_queries
from timebank.application.authz import ADMINISTRATION
from timebank.domain.errors import DomainError
from timebank.domain.seals import MAX_SEAL_BYTES

router = APIRouter(include_in_schema=False)


def _offices(request: Request, actor: Any) -> list[dict[str, Any]]:
    """The open offices one administers (a system administrator's: every partition's)."""
    scope = page_services(request).read_scope(actor, ADMINISTRATION)
    return [o for o in gathered(request, actor,
                                lambda p: page_queries.office_tree(p.engine, scope))
            if not o["closed"]]


# -- a bank's rules of records ------------------------------------------------------------------
def _record_rules(request: Request, actor: Any, bank_id: str, *, status: int = 200,
                  error: str | None = None, done: str = "") -> Response:
    services = page_services(request)
    try:
        banks = [o for o in _offices(request, actor) if o["kind"] == "bank"]
        chosen = bank_id or (banks[0]["id"] if banks else "")
        if chosen and not bank_id:  # the first bank listed, wherever it lives
            services = use_partition(request, chosen).app
        if not chosen:  # a branch admin: the bank above, read only
            chosen = str(services.bank_of(services.read_office(actor, actor.office_id)).id)
        bank = services.record_rules(actor, chosen)
    except DomainError as exc:
        return error_page(request, exc)
    return render(request, "admin_record_rules.html", status, bank=bank, banks=banks,
                  thresholds=", ".join(str(h) for h in bank.star_thresholds_hours),
                  error=error, done=done == "record_rules_changed")


@router.get("/staff/admin/record-rules", response_class=HTMLResponse)
def record_rules_page(request: Request, bank_id: str = "", done: str = "") -> Response:
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    return _record_rules(request, actor, bank_id, done=done)


def _thresholds(text: str) -> list[int]:
    parts = [p.strip() for p in text.replace("，", ",").replace("、", ",").split(",")]
    try:
        return [int(p) for p in parts if p]
    except ValueError as exc:
        raise DomainError("invalid_input", "Star thresholds: whole hours, comma separated.",
                          field="star_thresholds_hours") from exc


@router.post("/staff/admin/record-rules", response_class=HTMLResponse)
def change_record_rules(
    request: Request,
    bank_id: Annotated[str, Form(max_length=64)] = "",
    star_thresholds_hours: Annotated[str, Form(max_length=120)] = "",
    correction_days: Annotated[str, Form(max_length=4)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    actor = staff_posting(request, csrf)
    services = page_services(request)
    try:
        days = correction_days.strip()
        if not days.isdigit():
            raise DomainError("invalid_input", "correction_days: whole days.",
                              field="correction_days")
        services.set_record_rules(actor, bank_id, _thresholds(star_thresholds_hours),
                                  int(days))
    except DomainError as exc:
        return _record_rules(request, actor, bank_id, status=STATUS_BY_CODE.get(exc.code, 400),
                             error=refusal_text(request, exc))
    return RedirectResponse("/staff/admin/record-rules?" + urlencode(
        {"bank_id": bank_id, "done": "record_rules_changed"}), status_code=303)


# -- the issuer of certificates: its profile and its seal ---------------------------------------
def _issuer(request: Request, actor: Any, office_id: str, *, status: int = 200,
            error: str | None = None, done: str = "") -> Response:
    services = page_services(request)
    try:
        offices = _offices(request, actor)
        chosen = office_id or str(actor.office_id or (offices[0]["id"] if offices else ""))
        if not chosen:
            raise DomainError("not_found", "office not found.")
        if not office_id and not actor.office_id:  # the first office listed, wherever it is
            services = use_partition(request, chosen).app
        office = services.read_office(actor, chosen)
    except DomainError as exc:
        return error_page(request, exc)
    seal = services.seal_of(office.id)
    return render(request, "admin_issuer.html", status, office=office, offices=offices,
                  profile=office.issuer_profile or {},
                  inherited=services.issuer_profile(office) if not office.issuer_profile
                  else None,
                  seal_sha256=seal.sha256 if seal is not None else None,
                  error=error, done=done if done in ("profile_saved", "seal_uploaded") else "")


@router.get("/staff/admin/issuer", response_class=HTMLResponse)
def issuer_page(request: Request, office_id: str = "", done: str = "") -> Response:
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    return _issuer(request, actor, office_id, done=done)


@router.post("/staff/admin/issuer/profile", response_class=HTMLResponse)
def save_issuer_profile(
    request: Request,
    office_id: Annotated[str, Form(max_length=64)] = "",
    person_in_charge: Annotated[str, Form(max_length=100)] = "",
    handling_officer: Annotated[str, Form(max_length=100)] = "",
    contact: Annotated[str, Form(max_length=100)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    actor = staff_posting(request, csrf)
    services = page_services(request)
    try:
        services.set_issuer_profile(actor, office_id, person_in_charge, handling_officer,
                                    contact)
    except DomainError as exc:
        return _issuer(request, actor, office_id, status=STATUS_BY_CODE.get(exc.code, 400),
                       error=refusal_text(request, exc))
    return RedirectResponse("/staff/admin/issuer?" + urlencode(
        {"office_id": office_id, "done": "profile_saved"}), status_code=303)


@router.post("/staff/admin/issuer/seal", response_class=HTMLResponse)
async def upload_seal(
    request: Request,
    seal: UploadFile,
    office_id: Annotated[str, Form(max_length=64)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    actor = staff_posting(request, csrf)
    services = page_services(request)
    try:
        png = await seal.read(MAX_SEAL_BYTES + 1)
        services.upload_seal(actor, office_id, png)
    except DomainError as exc:
        return _issuer(request, actor, office_id, status=STATUS_BY_CODE.get(exc.code, 400),
                       error=refusal_text(request, exc))
    return RedirectResponse("/staff/admin/issuer?" + urlencode(
        {"office_id": office_id, "done": "seal_uploaded"}), status_code=303)
