"""Service certificates: issue (volunteer or staff), download the PDF, verify in public."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse

from api.deps import CurrentActor, ReadModels, Services, require_current
from api.documents.certificate_pdf import render_certificate
from api.schemas import CertificateIssued, CertificateRequest, CertificateVerification
from api.web.rendering import render
from api.web.sessions import use_partition
from projections import queries
from timebank.domain.certificates import Certificate, certificate_id_for
from timebank.domain.errors import DomainError

router = APIRouter(tags=["certificates"])
public_router = APIRouter(include_in_schema=False)


def verify_url(services: Services, certificate: Certificate) -> str:
    base = services.settings.public_base_url.rstrip("/")
    return f"{base}/certificates/{certificate.serial}?h={certificate.content_hash}"


# The read models a certificate is made from; each must hold the whole log when it is issued.
CERTIFIED_FROM = ("service_records", "activities", "offices")

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
    lines = queries.approved_services(read_models.engine, str(volunteer.id), body.from_, body.to)
    issuer = " ".join(queries.office_names(read_models.engine, str(volunteer.office_id)))
    certificate = services.issue_certificate(actor, volunteer, lines, body.from_, body.to,
                                             issuer)
    return {
        "serial": certificate.serial,
        "total_hours": certificate.content["total_hours"],
        "total_services": certificate.content["total_services"],
        "verify_url": verify_url(services, certificate),
        "pdf_url": f"/api/v1/certificates/{certificate.serial}/pdf",
    }


@router.get("/certificates/{serial}/pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
def certificate_pdf(serial: str, actor: CurrentActor, services: Services) -> Response:
    certificate = services.load_certificate(serial)
    services.authorize_volunteer_read(actor, services.certificate_volunteer(certificate))
    pdf = render_certificate(services.certificate_view(certificate),
                             verify_url(services, certificate))
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{certificate.serial}.pdf"'})


@router.get("/certificates/{serial}/verify", response_model=CertificateVerification)
def verify_certificate(
    serial: str, services: Services, h: Annotated[str, Query(max_length=64)] = ""
) -> dict[str, Any]:
    """Public: genuine and unchanged, or 404 `invalid_certificate`. Shows masked data only."""
    certificate = services.verify_certificate(serial, h)
    return {"valid": True, "serial": certificate.serial,
            "content": services.certificate_view(certificate, public=True)}


@public_router.get("/certificates/{serial}", response_class=HTMLResponse)
def certificate_page(request: Request, serial: str, h: str = "") -> HTMLResponse:
    # Public: the certificate is looked for in every partition (its id is the serial's).
    services = use_partition(request, certificate_id_for(serial)).app
    try:
        certificate = services.verify_certificate(serial, h)
        context = {"valid": True, "content": services.certificate_view(certificate,
                                                                       public=True)}
        status = 200
    except DomainError:
        context = {"valid": False, "content": None}
        status = 404
    return render(request, "certificate_verify.html", status, serial=serial, **context)
