"""Service certificates: PDF with a QR that verifies; altered content does not."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pypdf
import zxingcpp
from fastapi.testclient import TestClient
from PIL import Image

from tests.helpers import HttpDistrict, next_phone, valid_id_number
from timebank.domain.certificates import content_hash


def qr_in_pdf(pdf: bytes) -> str:
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    for image in page.images:
        found = zxingcpp.read_barcodes(Image.open(io.BytesIO(image.data)))
        if found:
            return found[0].text
    raise AssertionError("no QR code in the PDF")


def test_certificate_pdf_qr_verifies_and_altered_content_does_not(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    phone = next_phone()
    created = client.post("/api/v1/volunteers", json={
        "name": "欧阳娜娜", "phone": phone, "id_number": valid_id_number(7),
        "office_id": d.office_id, "pin": "738294"}, headers=d.admin)
    volunteer = created.json()
    d.earn(volunteer["id"], 150)
    d.earn(volunteer["id"], 45)
    pending = d.service_record(volunteer["id"], 60)  # not approved: not certified
    me = d.volunteer_headers(phone)
    today = datetime.now(UTC).date()

    issued = client.post(f"/api/v1/volunteers/{volunteer['id']}/certificates",
                         json={"from": "2026-01-01", "to": (today + timedelta(days=1)).isoformat()},
                         headers=me)
    assert issued.status_code == 201, issued.text
    body = issued.json()
    assert body["total_hours"] == "3.25" and body["total_services"] == 2
    assert pending

    pdf = client.get(body["pdf_url"], headers=me)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert body["serial"] in text
    assert "欧阳娜娜" in text  # the holder's full name: the document an official reads

    url = qr_in_pdf(pdf.content)
    assert url == body["verify_url"]
    parts = urlsplit(url)
    page = client.get(parts.path, params=parse_qs(parts.query))
    assert page.status_code == 200 and "证明真实有效" in page.text and "欧**娜" in page.text

    serial = body["serial"]
    h = parse_qs(parts.query)["h"][0]
    ok = client.get(f"/api/v1/certificates/{serial}/verify", params={"h": h})
    assert ok.status_code == 200 and ok.json()["valid"] is True
    content = ok.json()["content"]
    # The public check is masked: the name masked, no ID number, no passbook number.
    assert content["volunteer"] == {"name_masked": "欧**娜"}
    assert volunteer["passbook_no"] not in ok.text and "欧阳娜娜" not in ok.text

    refused = client.get(f"/api/v1/certificates/{serial}/verify",
                         params={"h": content_hash({**content, "total_hours": "30.25"})})
    assert refused.status_code == 404
    assert refused.json()["error"]["code"] == "invalid_certificate"
    assert client.get(parts.path, params={"h": "0" * 64}).status_code == 404
    unknown = client.get("/api/v1/certificates/ZYFW-2026-XXXXXXXXXX/verify", params={"h": h})
    assert unknown.status_code == 404

    other_phone = next_phone()
    d.volunteer(phone=other_phone)
    stranger = client.get(body["pdf_url"], headers=d.volunteer_headers(other_phone))
    assert stranger.status_code == 403


def test_read_only_roles_cannot_issue_certificates(client: TestClient) -> None:
    """Found in review: an auditor could create an official document."""
    d = HttpDistrict.build(client)
    volunteer = d.volunteer()
    auditor = d.user("auditor-c", "auditor", d.bank_id)
    response = client.post(f"/api/v1/volunteers/{volunteer['id']}/certificates",
                           json={"from": "2026-01-01", "to": "2026-12-31"}, headers=auditor)
    assert response.status_code == 403


def test_erasure_reaches_certificates_and_they_still_verify(client: TestClient) -> None:
    """Found in review: certificates kept the masked identity readable after erasure."""
    from urllib.parse import parse_qs, urlsplit

    from timebank.security.personal_data import ERASED

    d = HttpDistrict.build(client)
    volunteer = d.volunteer(name="欧阳娜娜")
    d.earn(volunteer["id"], 60)
    issued = client.post(f"/api/v1/volunteers/{volunteer['id']}/certificates",
                         json={"from": "2026-01-01", "to": "2030-12-31"}, headers=d.admin).json()
    query = parse_qs(urlsplit(issued["verify_url"]).query)
    path = f"/api/v1/certificates/{issued['serial']}/verify"
    before = client.get(path, params=query).json()
    assert before["content"]["volunteer"]["name_masked"] == "欧**娜"
    client.post(f"/api/v1/volunteers/{volunteer['id']}/erase", json={"reason": "本人申请"},
                headers=d.admin)
    after = client.get(path, params=query)
    assert after.status_code == 200 and after.json()["valid"] is True
    assert after.json()["content"]["volunteer"] == {"name_masked": ERASED}
    assert after.json()["content"]["total_hours"] == "1.00"
