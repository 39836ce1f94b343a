"""A volunteer's own service certificate from /me: issue one for a period, download its PDF.

The same command and the same PDF as `POST /api/v1/volunteers/{id}/certificates`; the
volunteer may issue their own (authorize_volunteer_write)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import require_current
from api.documents.certificate_pdf import render_certificate
from api.routers.certificates import CERTIFIED_FROM, issue_for_office, verify_url
from api.web.error_pages import error_page
from api.web.form_values import calendar_date
from api.web.rendering import back_to_me
from api.web.sessions import check_csrf, page_actor, page_engine, page_runner, page_services
from projections import queries
from timebank.domain.actors import Actor
from timebank.domain.errors import DomainError

router = APIRouter(include_in_schema=False)


def _volunteer(request: Request) -> Actor | None:
    actor = page_actor(request)
    return actor if actor is not None and actor.kind == "volunteer" else None


def issued_certificate(services: Any, actor: Actor, serials: str) -> dict[str, Any] | None:
    """The certificates just issued (one per office that recorded the period's services),
    for /me to offer each download; only the owner's. The first, with `all` of them."""
    issued = []
    for serial in serials.split(",")[:20]:
        try:
            certificate = services.load_certificate(serial)
        except DomainError:
            continue
        if str(certificate.volunteer_id) != actor.id:
            continue
        content = certificate.content
        issued.append({
            "serial": certificate.serial, "period": content["period"],
            "total_hours": content["total_hours"],
            "total_services": content["total_services"], "issuer": content["issuer"],
            "pdf_url": f"/me/certificates/{certificate.serial}.pdf",
            "verify_url": verify_url(services, certificate)})
    return {**issued[0], "all": issued} if issued else None


@router.post("/me/certificates")
def issue_my_certificate(
    request: Request,
    date_from: Annotated[str, Form(alias="from", max_length=10)] = "",
    date_to: Annotated[str, Form(alias="to", max_length=10)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    actor = _volunteer(request)
    if actor is None:
        return RedirectResponse("/me", status_code=303)
    services = page_services(request)
    engine = page_engine(request)
    try:
        check_csrf(request, csrf)
        start, end = calendar_date(date_from, "from"), calendar_date(date_to, "to")
        if end < start:
            raise DomainError("invalid_time_range", field="to")
        volunteer = services.load_volunteer(actor.id)
        services.authorize_volunteer_write(actor, volunteer)
        require_current(page_runner(request), CERTIFIED_FROM)
        lines = queries.approved_services(engine, str(volunteer.id), start, end)
        if end >= start and not lines:
            # A certificate of nothing helps nobody: say so instead of issuing it.
            return back_to_me(request, {"cert_error": "no_services"}, "#certificate")
        # One certificate per office that recorded the period's services: each issues its own.
        serials = [issue_for_office(services, engine, actor, volunteer, start, end,
                                    office_id).serial
                   for office_id in sorted({line["office_id"] for line in lines})]
    except DomainError as exc:
        return back_to_me(request, {"cert_error": exc.code,
                                    "cert_field": exc.context.get("field", "")}, "#certificate")
    return back_to_me(request, {"cert": ",".join(serials)}, "#certificate")


@router.get("/me/certificates/{serial}.pdf")
def my_certificate_pdf(request: Request, serial: str) -> Response:
    actor = _volunteer(request)
    if actor is None:
        return RedirectResponse("/me", status_code=303)
    services = page_services(request)
    try:
        certificate = services.read_certificate(actor, serial)
    except DomainError as exc:
        return error_page(request, exc, status=403 if exc.code == "forbidden" else 404)
    pdf = render_certificate(services.certificate_view(certificate),
                             verify_url(services, certificate))
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{certificate.serial}.pdf"',
        "Cache-Control": "no-store"})
