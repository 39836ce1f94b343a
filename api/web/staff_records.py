"""Staff pages of volunteers' records (志愿服务记录): find a volunteer, see their whole record
(basic data, services with evaluations, training, awards, complaints) and add to it; the
complaints of an office and their decisions. The same services and gates as the API."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import catch_up_for_read
from api.web.coordinator_pages import operated_office
from api.web.form_values import refusal_text
from api.web.i18n import LANGUAGES
from api.web.people_pages import (
    coded_message,
    error_page,
    redirect_to_login,
    staff_actor,
    staff_posting,
)
from api.web.rendering import render
from api.web.sessions import page_engine, page_runner, page_services, spans_partitions
from api.web.staff_forms import find_volunteer
from projections import queries, record_queries
from timebank.application.authz import (
    ADMINISTRATION,
    RECORD_EXPORTS,
    SERVICE_RECORDS,
    VOLUNTEER_RECORDS,
    VOLUNTEERS,
    may_read,
)
from timebank.application.service_records import BeneficiaryGiven
from timebank.application.volunteers import Guardian
from timebank.domain.errors import DomainError
from timebank.domain.ids import passbook_id_for
from timebank.domain.values import SHANGHAI, is_valid_passbook_no, shanghai_date, utc_now

router = APIRouter(include_in_schema=False)


def _back(request: Request, path: str, outcome: dict[str, str], anchor: str = "") -> Response:
    lang = request.query_params.get("lang")
    query = {**outcome, **({"lang": lang} if lang in LANGUAGES else {})}
    return RedirectResponse(f"{path}?{urlencode(query)}{anchor}", status_code=303)


def _day(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise DomainError("invalid_input", f"{field}: a date.", field=field) from exc


@router.get("/staff/records", response_class=HTMLResponse)
def find_record(request: Request, q: str = "", error: str = "") -> Response:
    """Find a volunteer by passbook number or phone, then open their record."""
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    services = page_services(request)
    if q:
        if spans_partitions(request, actor):  # the partition holding the passbook or phone
            partitions, value = request.app.state.runtime.partitions, q.strip().replace(" ", "")
            services = (partitions.locate(passbook_id_for(value))
                        if is_valid_passbook_no(value) else partitions.for_phone(value)).app
        try:
            volunteer = find_volunteer(services, q)
            services.read_volunteer_records(actor, volunteer.id)
            return RedirectResponse(f"/staff/volunteers/{volunteer.id}/record", status_code=303)
        except DomainError as exc:
            return render(request, "staff_records_find.html", 404, q=q,
                          error=refusal_text(request, exc),
                          may_export=may_read(actor, RECORD_EXPORTS))
    return render(request, "staff_records_find.html", q="", error=None,
                  may_export=may_read(actor, RECORD_EXPORTS))


@router.get("/staff/volunteers/{volunteer_id}/record", response_class=HTMLResponse)
def volunteer_record(request: Request, volunteer_id: str, done: str = "", error: str = "",
                     field: str = "") -> Response:
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    services = page_services(request)
    try:
        volunteer = services.read_volunteer_records(actor, volunteer_id)
    except DomainError as exc:
        return error_page(request, exc)
    catch_up_for_read(page_runner(request))
    person = services.personal_data(volunteer)
    engine = page_engine(request)
    scope = services.read_scope(actor, SERVICE_RECORDS, volunteer.office_id)
    records = queries.records_with_titles(engine, scope, volunteer_id=str(volunteer.id),
                                          limit=200)
    complaints = record_queries.list_complaints(
        engine, services.read_scope(actor, VOLUNTEER_RECORDS, volunteer.office_id),
        volunteer_id=str(volunteer.id))
    return render(request, "staff_record.html", volunteer=volunteer, person=person,
                  age=person.age_on(shanghai_date(utc_now())),
                  guardian=services.guardian_of(volunteer),
                  national_no=services.national_number(volunteer), records=records,
                  trainings=record_queries.trainings_of(engine, str(volunteer.id)),
                  awards=record_queries.awards_of(engine, str(volunteer.id)),
                  complaints=complaints, tz=SHANGHAI, done=done,
                  staff_names=services.usernames(
                      [r["person_in_charge_id"] for r in records]
                      + [r["recorder_id"] for r in records]),
                  may_export=may_read(actor, RECORD_EXPORTS),
                  error=coded_message(request, error, field) if error else None,
                  today=shanghai_date(utc_now()).isoformat())


@router.post("/staff/volunteers/{volunteer_id}/record/{step}")
async def record_step(request: Request, volunteer_id: str, step: str) -> Response:
    """One form of the record page: evaluate, confirm (for the beneficiary), training, award,
    complaint, national number, birth date, guardian."""
    form = {key: str(value)[:1000] for key, value in (await request.form()).items()}
    actor = staff_posting(request, form.get("csrf", ""))
    services = page_services(request)
    path = f"/staff/volunteers/{volunteer_id}/record"
    try:
        anchor = _apply(services, actor, volunteer_id, step, form)
    except DomainError as exc:
        return _back(request, path, {"error": exc.code,
                                     "field": str(exc.context.get("field", ""))})
    return _back(request, path, {"done": step}, anchor)


def _apply(services: Any, actor: Any, volunteer_id: str, step: str,
           form: dict[str, str]) -> str:
    rating = form.get("rating", "")
    if step == "evaluate":
        services.evaluate_service_record(actor, form.get("record_id", ""),
                                         int(rating) if rating.isdigit() else 0,
                                         form.get("comment", ""))
        return "#services"
    if step == "confirm":
        services.confirm_service_record(actor, form.get("record_id", ""),
                                        form.get("confirmed") != "no",
                                        int(rating) if rating.isdigit() else None,
                                        form.get("comment", ""))
        return "#services"
    if step == "beneficiary":
        services.name_beneficiary(actor, form.get("record_id", ""), BeneficiaryGiven(
            kind=form.get("kind", "group"), label=form.get("label", ""),
            name=form.get("name", "")))
        return "#services"
    if step == "training":
        services.record_training(actor, volunteer_id, form.get("name", ""),
                                 _day(form.get("held_on", ""), "held_on"),
                                 form.get("hours", ""), form.get("provider", ""))
        return "#trainings"
    if step == "award":
        services.record_award(actor, volunteer_id, form.get("title", ""),
                              form.get("awarded_by", ""),
                              _day(form.get("awarded_on", ""), "awarded_on"))
        return "#awards"
    if step == "complaint":
        services.receive_complaint(actor, form.get("record_id", ""),
                                   form.get("complainant_kind", "other"),
                                   form.get("complainant", ""), form.get("summary", ""),
                                   _day(form.get("received_on", ""), "received_on"))
        return "#complaints"
    if step == "national-number":
        services.record_national_number(actor, volunteer_id, form.get("national_no", ""))
        return "#basic"
    if step == "birth-date":
        services.record_birth_date(actor, volunteer_id,
                                   _day(form.get("birth_date", ""), "birth_date"))
        return "#basic"
    if step == "guardian":
        services.record_guardian_consent(actor, volunteer_id, Guardian(
            name=form.get("name", ""), relation=form.get("relation", ""),
            consented_on=_day(form.get("consented_on", ""), "consented_on"),
            phone=form.get("phone", "")))
        return "#basic"
    raise DomainError("not_found", "No such form.")


# -- complaints of an office ----------------------------------------------------------------
@router.get("/staff/complaints", response_class=HTMLResponse)
def complaints_page(request: Request, office_id: str = "", status: str = "",
                    done: str = "", error: str = "") -> Response:
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    try:
        office = operated_office(request, actor, office_id)
        services = page_services(request)  # the office's partition
        scope = services.read_scope(actor, VOLUNTEER_RECORDS, office.id)
    except DomainError as exc:
        return error_page(request, exc)
    catch_up_for_read(page_runner(request))
    rows = record_queries.list_complaints(
        page_engine(request), scope, status if status in ("received", "investigating", "resolved")
        else None, limit=200)
    return render(request, "staff_complaints.html", keep_query={"office_id": str(office.id)},
                  office=office, complaints=rows, status_filter=status, done=done,
                  error=coded_message(request, error) if error else None)


@router.post("/staff/complaints/{complaint_id}/{step}")
def complaint_step(
    request: Request, complaint_id: str, step: str,
    note: Annotated[str, Form(max_length=1000)] = "",
    outcome: Annotated[str, Form(max_length=20)] = "",
    finding: Annotated[str, Form(max_length=1000)] = "",
    office_id: Annotated[str, Form(max_length=64)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    actor = staff_posting(request, csrf)
    services = page_services(request)
    try:
        if step == "investigate":
            services.investigate_complaint(actor, complaint_id, note)
        elif step == "resolve":
            services.resolve_complaint(actor, complaint_id, outcome, finding)
        else:
            raise DomainError("not_found", "No such step.")
    except DomainError as exc:
        return _back(request, "/staff/complaints", {"office_id": office_id,
                                                    "error": exc.code})
    return _back(request, "/staff/complaints", {"office_id": office_id, "done": step})


# -- corrections asked by volunteers: the office's queue -----------------------------------
@router.get("/staff/corrections", response_class=HTMLResponse)
def corrections_page(request: Request, office_id: str = "", overdue: str = "",
                     done: str = "", error: str = "", field: str = "") -> Response:
    """The recording office's queue, due first and overdue flagged; a branch administrator
    sees the overdue requests of the offices under the branch with `overdue=1`."""
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    try:
        office = operated_office(request, actor, office_id)
        services = page_services(request)  # the office's partition
        scope = services.read_scope(actor, VOLUNTEER_RECORDS, office.id)
    except DomainError as exc:
        return error_page(request, exc)
    catch_up_for_read(page_runner(request))
    today = shanghai_date(utc_now())
    rows = record_queries.list_corrections(page_engine(request), scope, today,
                                           status=None if overdue else "pending",
                                           overdue=bool(overdue), limit=200)
    for row in rows:
        row["name"] = services.personal_data(services.load_volunteer(row["volunteer_id"])).name
    return render(request, "staff_corrections.html",
                  keep_query={"office_id": str(office.id), **({"overdue": "1"} if overdue
                                                              else {})},
                  office=office, requests=rows, overdue=bool(overdue), tz=SHANGHAI, done=done,
                  error=coded_message(request, error, field) if error else None)


@router.post("/staff/corrections/{request_id}/{step}")
def correction_step(
    request: Request, request_id: str, step: str,
    note: Annotated[str, Form(max_length=500)] = "",
    hours: Annotated[str, Form(max_length=10)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
    office_id: Annotated[str, Form(max_length=64)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    actor = staff_posting(request, csrf)
    services = page_services(request)
    try:
        if step == "accept":
            services.accept_correction(actor, request_id, note, hours or None)
        elif step == "refuse":
            services.refuse_correction(actor, request_id, reason)
        else:
            raise DomainError("not_found", "No such step.")
    except DomainError as exc:
        return _back(request, "/staff/corrections", {
            "office_id": office_id, "error": exc.code,
            "field": str(exc.context.get("field", ""))})
    return _back(request, "/staff/corrections", {"office_id": office_id, "done": step})


# -- the register of certificates issued ---------------------------------------------------
@router.get("/staff/certificates", response_class=HTMLResponse)
def certificate_register_page(request: Request, office_id: str = "", q: str = "",
                              status: str = "", done: str = "", error: str = "") -> Response:
    """证明出具登记: search by serial or passbook number, export, revoke with a reason."""
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    try:
        office = operated_office(request, actor, office_id)
        services = page_services(request)  # the office's partition
        scope = services.read_scope(actor, VOLUNTEERS, office.id)
    except DomainError as exc:
        return error_page(request, exc)
    catch_up_for_read(page_runner(request))
    query = q.strip()[:40]
    volunteer_id = None
    if query.isdigit():
        volunteer_id = record_queries.volunteer_id_of_passbook(page_engine(request), query) or "-"
    rows = record_queries.certificate_register(
        page_engine(request), scope, serial=None if query.isdigit() else (query or None),
        volunteer_id=volunteer_id, status=status if status in ("valid", "revoked") else None,
        limit=200)
    return render(request, "staff_certificates.html",
                  keep_query={"office_id": str(office.id)}, office=office, rows=rows, q=query,
                  status_filter=status, tz=SHANGHAI, done=done,
                  may_edit_issuer=may_read(actor, ADMINISTRATION),
                  error=coded_message(request, error) if error else None)


@router.post("/staff/certificates/{serial}/revoke")
def revoke_from_register(
    request: Request, serial: str,
    reason: Annotated[str, Form(max_length=500)] = "",
    office_id: Annotated[str, Form(max_length=64)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    actor = staff_posting(request, csrf)
    try:
        page_services(request).revoke_certificate(actor, serial, reason)
    except DomainError as exc:
        return _back(request, "/staff/certificates", {"office_id": office_id,
                                                      "error": exc.code})
    return _back(request, "/staff/certificates", {"office_id": office_id, "done": "revoked"})
