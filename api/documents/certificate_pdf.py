"""The service certificate as a PDF (reportlab, with its built-in CJK font: no font files)."""

from __future__ import annotations

import io
from typing import Any

import qrcode
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

TITLE = ParagraphStyle("title", fontName=FONT, fontSize=22, leading=30, alignment=1)
BODY = ParagraphStyle("body", fontName=FONT, fontSize=11, leading=17)
SMALL = ParagraphStyle("small", fontName=FONT, fontSize=9, leading=13, textColor=colors.grey)


def render_certificate(content: dict[str, Any], verify_url: str) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=f"志愿服务证明 {content['serial']}",
                            leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm)
    volunteer = content["volunteer"]
    identity = volunteer["name_masked"]
    if volunteer.get("id_masked"):
        identity += f"（身份证号 {volunteer['id_masked']}）"
    story: list[Any] = [
        Paragraph("志愿服务证明", TITLE),
        Spacer(1, 6 * mm),
        Paragraph(f"证明编号：{content['serial']}", BODY),
        Paragraph(
            f"兹证明志愿者 {identity}（爱心存折号 {volunteer['passbook_no']}）于 "
            f"{content['period']['from']} 至 {content['period']['to']} 期间参加志愿服务 "
            f"{content['total_services']} 次，累计服务时长 {content['total_hours']} 小时。",
            BODY,
        ),
        Spacer(1, 5 * mm),
    ]
    rows = [["日期", "服务内容", "地点", "时长（小时）"]] + [
        [line["date"], Paragraph(line["activity"], BODY), Paragraph(line["place"] or "—", BODY),
         line["hours"]]
        for line in content["services"]
    ] + [["合计", "", "", content["total_hours"]]]
    table = Table(rows, colWidths=[28 * mm, 72 * mm, 50 * mm, 24 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, 10),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
        ("ALIGN", (3, 0), (3, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    qr_png = io.BytesIO()
    qrcode.make(verify_url, box_size=6, border=2).save(qr_png, format="PNG")
    qr_png.seek(0)
    story += [
        table,
        Spacer(1, 8 * mm),
        Paragraph(f"记录单位：{content['issuer']}", BODY),
        Paragraph(f"出具日期：{content['issued_on']}", BODY),
        Spacer(1, 6 * mm),
        Image(qr_png, width=36 * mm, height=36 * mm),
        Paragraph("扫描二维码可核验本证明的真实性与完整性。", SMALL),
        Paragraph(verify_url, SMALL),
    ]
    doc.build(story)
    return buffer.getvalue()
