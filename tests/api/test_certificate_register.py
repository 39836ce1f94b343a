"""Certificates an official accepts, through HTTP on both stores: one per recording office,
the issuer's person in charge, handling officer, contact and seal on the PDF, every font
embedded and every glyph drawn; the register with search, export and revocation; the public
check shows masked data and says when a certificate is revoked."""

from __future__ import annotations

import base64
import io
import math
from urllib.parse import parse_qs, urlsplit

import pypdf
import pypdfium2
from fastapi.testclient import TestClient
from PIL import Image
from reportlab.pdfgen import canvas

from api.documents.certificate_pdf import FONT, certificate_font
from tests.helpers import HttpDistrict, next_phone
from tests.unit.test_service_entries import id_number_born, years_ago

API = "/api/v1"


def fonts_of(pdf: bytes) -> list[tuple[str, bool]]:
    """Every font the pages use, and whether its program is embedded."""
    found = []
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            described = font
            if font.get("/Subtype") == "/Type0":
                described = font["/DescendantFonts"][0].get_object()
            descriptor = described.get("/FontDescriptor")
            embedded = descriptor is not None and any(
                key in descriptor.get_object() for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            found.append((str(font.get("/BaseFont")), embedded))
    return found


def missing_glyphs(pdf: bytes, scale: int = 4) -> list[str]:
    """Characters a pdfium render draws as nothing (the font's empty .notdef): each text
    character's box in the rendered page must hold ink, unless it is a space."""
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=scale).to_pil().convert("L")
    text, height = page.get_textpage(), page.get_height()
    missing = []
    for index in range(text.count_chars()):
        char = text.get_text_range(index, 1)
        if char.isspace():
            continue
        left, bottom, right, top = text.get_charbox(index)
        box = image.crop((math.floor(left * scale), math.floor((height - top) * scale),
                          math.ceil(right * scale), math.ceil((height - bottom) * scale)))
        if box.width < 2 or box.height < 2 or box.getextrema()[0] > 128:
            missing.append(char or "?")
    return missing


def test_the_glyph_check_sees_a_missing_glyph() -> None:
    """The check above can fail: a character the font lacks, drawn without the certificate's
    replacement, is found."""
    certificate_font()
    buffer = io.BytesIO()
    drawing = canvas.Canvas(buffer)
    drawing.setFont(FONT, 20)
    drawing.drawString(50, 700, "张三\U00020000")
    drawing.save()
    assert len(missing_glyphs(buffer.getvalue())) == 1


def seal_png() -> str:
    image = Image.new("RGBA", (120, 120), (255, 255, 255, 0))
    for x in range(120):
        for y in range(120):
            if 45 <= math.hypot(x - 60, y - 60) <= 55:
                image.putpixel((x, y), (200, 0, 0, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode()


def test_a_certificate_per_recording_office_with_its_issuer_and_seal(
    client: TestClient,
) -> None:
    d = HttpDistrict.build(client)
    bank_admin = d.user("bank-1", "bank_admin", d.bank_id)
    coordinator = d.user("coord-1", "coordinator", d.office_id)
    assert client.put(f"{API}/offices/{d.office_id}/issuer-profile", headers=coordinator, json={
        "person_in_charge": "李主任", "handling_officer": "王敏", "contact": "021-5555 0101"}
    ).status_code == 403
    profile = client.put(f"{API}/offices/{d.office_id}/issuer-profile", headers=bank_admin,
                         json={"person_in_charge": "李主任", "handling_officer": "王敏",
                               "contact": "021-5555 0101"})
    assert profile.status_code == 200, profile.text
    assert client.put(f"{API}/offices/{d.office_id}/seal", headers=bank_admin,
                      json={"png_base64": base64.b64encode(b"not a png").decode()}
                      ).status_code == 422
    sealed = client.put(f"{API}/offices/{d.office_id}/seal", headers=bank_admin,
                        json={"png_base64": seal_png()})
    assert sealed.status_code == 200, sealed.text

    phone = next_phone()
    volunteer = client.post(f"{API}/volunteers", headers=d.admin, json={
        "name": "欧阳娜娜", "phone": phone, "office_id": d.office_id, "pin": "738294",
        "id_number": id_number_born(years_ago(30))}).json()
    d.earn(volunteer["id"], 150)
    other_activity = d.activity(d.other_office_id)
    other = d.service_record(volunteer["id"], 60, activity_id=other_activity)
    client.post(f"{API}/service-records/{other}/approve", headers=d.admin)
    period = {"from": "2026-01-01", "to": "2026-12-31"}
    me = d.volunteer_headers(phone)
    several = client.post(f"{API}/volunteers/{volunteer['id']}/certificates", json=period,
                          headers=me)
    assert several.status_code == 409 and several.json()["error"]["code"] == "several_issuers"
    issued = client.post(f"{API}/volunteers/{volunteer['id']}/certificates",
                         json={**period, "office_id": d.office_id}, headers=me)
    assert issued.status_code == 201, issued.text
    body = issued.json()
    assert (body["issuer_office_id"], body["total_hours"]) == (d.office_id, "2.50")
    assert body["issuer"].endswith("樱花社区储蓄所")

    pdf = client.get(body["pdf_url"], headers=me).content
    assert fonts_of(pdf) and all(embedded for _name, embedded in fonts_of(pdf)), fonts_of(pdf)
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    for expected in ("欧阳娜娜", "2.50", "樱花社区储蓄所", "李主任", "王敏", "021-5555 0101",
                     body["serial"], "居民身份证"):
        assert expected in text, expected
    assert missing_glyphs(pdf) == []
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    assert len(page.images) == 2  # the seal and the QR code

    # The register: search, export, revocation; the public check says it is revoked.
    register = client.get(f"{API}/certificates", headers=coordinator,
                          params={"passbook_no": volunteer["passbook_no"]}).json()
    assert [r["serial"] for r in register] == [body["serial"]]
    by_serial = client.get(f"{API}/certificates", headers=coordinator,
                           params={"serial": body["serial"][:12]}).json()
    assert [r["serial"] for r in by_serial] == [body["serial"]]
    exported = client.get(f"{API}/certificates/export.csv", headers=coordinator)
    assert exported.status_code == 200 and body["serial"] in exported.text
    query = parse_qs(urlsplit(body["verify_url"]).query)
    check = client.get(f"{API}/certificates/{body['serial']}/verify", params=query).json()
    assert (check["valid"], check["status"]) == (True, "valid")
    assert volunteer["passbook_no"] not in str(check) and "欧阳娜娜" not in str(check)
    revoked = client.post(f"{API}/certificates/{body['serial']}/revoke", headers=coordinator,
                          json={"reason": "服务时长有误，已重新出具"})
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    check = client.get(f"{API}/certificates/{body['serial']}/verify", params=query).json()
    assert (check["valid"], check["status"]) == (False, "revoked")
    public = client.get(f"/certificates/{body['serial']}", params=query)
    assert public.status_code == 200 and "已被出具单位撤销" in public.text
    assert "欧**娜" in public.text and volunteer["passbook_no"] not in public.text
    assert client.post(f"{API}/certificates/{body['serial']}/revoke", headers=coordinator,
                       json={"reason": "again"}).status_code == 409
