"""Service certificates (志愿服务记录证明): issue (volunteer or staff) for the office that
recorded the services, download the PDF, the register with search, export and revocation,
the issuer's profile and seal, and the public check (masked data only)."""

from __future__ import annotations

import base64
import binascii
import csv
import io
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse

from api.deps import CurrentActor, ReadModels, Services, catch_up_for_read, require_current
from api.documents.certificate_pdf import render_certificate
from api.schemas import CertificateIssued, CertificateRequest, CertificateVerification
from api.schemas_records import (
    CertificateRevoke,
    CertificateRow,
    IssuerProfile,
    IssuerProfileOut,
    SealUpload,
    SealUploaded,
)
from api.web.rendering import render
from api.web.sessions import use_partition
from projections import queries, record_queries
from timebank.application.authz import VOLUNTEERS
from timebank.domain.certificates import Certificate, certificate_id_for
from timebank.domain.errors import DomainError

router = APIRouter(tags=["certificates"])
public_router = APIRouter(include_in_schema=False)


def verify_url(services: Services, certificate: Certificate) -> str:
    base = services.settings.public_base_url.rstrip("/")
    return f"{base}/certificates/{certificate.serial}?h={certificate.content_hash}"


# The read models a certificate is made from; each must hold the whole log when it is issued.
CERTIFIED_FROM = ("service_records", "activities", "offices", "stars")


def issue_for_office(services: Any, engine: Any, actor: Any, volunteer: Any, start: date,
                     end: date, office_id: str | None) -> Certificate:
    """The certificate of the services one office recorded in the period: the office asked
    for, else the only one that recorded any (several: 409 `several_issuers`); with none
    recorded, the volunteer's own office issues a certificate of nothing, as before."""
    lines = queries.approved_services(engine, str(volunteer.id), start, end)
    offices = sorted({line["office_id"] for line in lines})
    if office_id:
        chosen = str(services.load_office(office_id).id)
    elif len(offices) > 1:
        raise DomainError("several_issuers", offices=offices)
    else:
        chosen = offices[0] if offices else str(volunteer.office_id)
    mine = [line for line in lines if line["office_id"] == chosen]
    issuer_office = services.load_office(chosen)
    issuer = " ".join(queries.office_names(engine, chosen))
    star = queries.star_level(engine, str(volunteer.id))["level"]
    return services.issue_certificate(actor, volunteer, mine, start, end, issuer,
                                      issuer_office, star)


@router.post("/volunteers/{volunteer_id}/certificates", status_code=201,
             response_model=CertificateIssued)
def issue_certificate(
    volunteer_id: str,
    body: CertificateRequest,
    actor: CurrentActor,
    services: Services,
    read_models: ReadModels,
) -> dict[str, Any]:
    volunteer = services.load_volunteer(volunteer_id)
    services.authorize_volunteer_write(actor, volunteer)
    require_current(read_models, CERTIFIED_FROM)  # a certificate is kept: no partial hours
    certificate = issue_for_office(services, read_models.engine, actor, volunteer, body.from_,
                                   body.to, body.office_id)
    return {
        "serial": certificate.serial,
        "total_hours": certificate.content["total_hours"],
        "total_services": certificate.content["total_services"],
        "verify_url": verify_url(services, certificate),
        "pdf_url": f"/api/v1/certificates/{certificate.serial}/pdf",
        "issuer": certificate.content["issuer"],
        "issuer_office_id": certificate.content.get("issuer_office_id"),
    }


@router.get("/certificates/{serial}/pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
def certificate_pdf(serial: str, actor: CurrentActor, services: Services) -> Response:
    certificate = services.read_certificate(actor, serial)
    pdf = render_certificate(services.certificate_view(certificate),
                             verify_url(services, certificate))
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{certificate.serial}.pdf"'})


@router.get("/certificates/{serial}/verify", response_model=CertificateVerification)
def verify_certificate(
    serial: str, services: Services, h: Annotated[str, Query(max_length=64)] = ""
) -> dict[str, Any]:
    """Public: genuine and unchanged (valid, or revoked), or 404 `invalid_certificate`.
    Masked data only: no passbook number, no ID number."""
    certificate = services.verify_certificate(serial, h)
    view = services.public_view(certificate)
    return {"valid": view["status"] == "valid", "serial": certificate.serial,
            "status": view["status"], "content": view}


# -- the register -------------------------------------------------------------------------
def _register(services: Any, read_models: Any, actor: Any, office_id: str | None,
              serial: str | None, passbook_no: str | None, status: str | None,
              issued_from: date | None, issued_to: date | None, limit: int,
              offset: int) -> list[dict[str, Any]]:
    scope = services.read_scope(actor, VOLUNTEERS, office_id)
    volunteer_id = None
    if passbook_no:
        volunteer_id = record_queries.volunteer_id_of_passbook(read_models.engine, passbook_no)
        if volunteer_id is None:
            return []
    return record_queries.certificate_register(read_models.engine, scope, serial, volunteer_id,
                                               status, issued_from, issued_to, limit, offset)


Status = Literal["valid", "revoked"]


@router.get("/certificates", response_model=list[CertificateRow])
def certificate_register(
    actor: CurrentActor, services: Services, read_models: ReadModels,
    office_id: str | None = None,
    serial: Annotated[str | None, Query(max_length=40)] = None,
    passbook_no: Annotated[str | None, Query(max_length=20)] = None,
    status: Status | None = None,
    issued_from: date | None = None,
    issued_to: date | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[dict[str, Any]]:
    """证明出具登记: staff, their subtree's certificates (by issuing office); a volunteer,
    their own. Search by serial (prefix), passbook number, status, issue dates."""
    return _register(services, read_models, actor, office_id, serial, passbook_no, status,
                     issued_from, issued_to, limit, offset)


REGISTER_COLUMNS = ("serial", "issued_on", "issuer", "office_id", "volunteer_id",
                    "period_from", "period_to", "total_hours", "total_services", "status",
                    "revoked_at", "revocation_reason")


@router.get("/certificates/export.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}}})
def certificate_register_csv(
    actor: CurrentActor, services: Services, read_models: ReadModels,
    office_id: str | None = None, status: Status | None = None,
    issued_from: date | None = None, issued_to: date | None = None,
) -> Response:
    rows = _register(services, read_models, actor, office_id, None, None, status, issued_from,
                     issued_to, 100_000, 0)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REGISTER_COLUMNS)
    for row in rows:
        writer.writerow(["" if row[c] is None else str(row[c]) for c in REGISTER_COLUMNS])
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             'attachment; filename="certificate-register.csv"'})


@router.post("/certificates/{serial}/revoke", response_model=CertificateRow)
def revoke_certificate(serial: str, body: CertificateRevoke, actor: CurrentActor,
                       services: Services, read_models: ReadModels) -> dict[str, Any]:
    certificate = services.revoke_certificate(actor, serial, body.reason)
    catch_up_for_read(read_models)
    scope = services.read_scope(actor, VOLUNTEERS, certificate.office_id)
    rows = record_queries.certificate_register(read_models.engine, scope,
                                               serial=certificate.serial)
    if not rows:
        raise DomainError("not_found", "certificate not found.")
    return rows[0]


# -- the issuer ---------------------------------------------------------------------------
@router.put("/offices/{office_id}/issuer-profile", response_model=IssuerProfileOut)
def set_issuer_profile(office_id: str, body: IssuerProfile, actor: CurrentActor,
                       services: Services) -> dict[str, Any]:
    office = services.set_issuer_profile(actor, office_id, body.person_in_charge,
                                         body.handling_officer, body.contact)
    return {"office_id": str(office.id), **(office.issuer_profile or {})}


@router.put("/offices/{office_id}/seal", response_model=SealUploaded)
def upload_seal(office_id: str, body: SealUpload, actor: CurrentActor,
                services: Services) -> dict[str, Any]:
    try:
        png = base64.b64decode(body.png_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DomainError("invalid_input", "png_base64: base64 of a PNG image.",
                          field="png_base64") from exc
    seal = services.upload_seal(actor, office_id, png)
    return {"office_id": str(seal.office_id), "sha256": seal.sha256}


# -- the public page ----------------------------------------------------------------------
@public_router.get("/certificates/{serial}", response_class=HTMLResponse)
def certificate_page(request: Request, serial: str, h: str = "") -> HTMLResponse:
    # Public: the certificate is looked for in every partition (its id is the serial's).
    services = use_partition(request, certificate_id_for(serial)).app
    try:
        certificate = services.verify_certificate(serial, h)
        view = services.public_view(certificate)
        context = {"valid": view["status"] == "valid", "revoked": view["status"] == "revoked",
                   "content": view}
        status = 200
    except DomainError:
        context = {"valid": False, "revoked": False, "content": None}
        status = 404
    return render(request, "certificate_verify.html", status, serial=serial, **context)
