"""The service certificate (志愿服务记录证明) as a PDF.

Every font it uses is embedded: a TrueType CJK font (WenQuanYi Micro Hei, which the set-up
installs with Debian's `fonts-wqy-microhei`, or another of FONT_CANDIDATES), which reportlab
subsets and embeds with its outlines — unlike the
CID font STSong-Light, which a viewer must supply itself. Characters the font lacks are
replaced before drawing, never drawn as empty boxes."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import qrcode
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from timebank.domain.vocabulary import IDENTITY_DOCUMENT, RESIDENT_ID, label

FONT = "CertificateCJK"
# TrueType (glyf) CJK fonts, most likely first; OpenType CFF fonts (Noto CJK) cannot be
# embedded by reportlab.
FONT_CANDIDATES = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
)
REPLACEMENT = "□"


class FontMissing(RuntimeError):
    pass


@cache
def certificate_font() -> TTFont:
    """The TrueType font, registered once: the first of the candidates installed."""
    for path, index in FONT_CANDIDATES:
        if Path(path).is_file():
            font = TTFont(FONT, path, subfontIndex=index)
            pdfmetrics.registerFont(font)
            return font
    raise FontMissing("No TrueType CJK font: install fonts-wqy-microhei (scripts/bootstrap.sh "
                      "does).")


def drawable(text: str) -> str:
    """The text with every character the font lacks replaced (never an empty box)."""
    glyphs = certificate_font().face.charToGlyph
    return "".join(c if c.isspace() or ord(c) in glyphs else REPLACEMENT for c in str(text))


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(drawable(text)), style)


def id_type_printed(id_type: str | None) -> str:
    """The document's Chinese name: certificates issued before the vocabulary held the printed
    words themselves ("居民身份证"), which are printed as they were stored."""
    if id_type is None or id_type in IDENTITY_DOCUMENT.codes:
        return label(IDENTITY_DOCUMENT.name, id_type or RESIDENT_ID)
    return id_type


def render_certificate(content: dict[str, Any], verify_url: str) -> bytes:
    certificate_font()
    title = ParagraphStyle("title", fontName=FONT, fontSize=22, leading=30, alignment=1)
    body = ParagraphStyle("body", fontName=FONT, fontSize=11, leading=17)
    small = ParagraphStyle("small", fontName=FONT, fontSize=9, leading=13,
                           textColor=colors.grey)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=f"志愿服务记录证明 {content['serial']}",
                            leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm,
                            # The canvas's own first font too: Helvetica otherwise, named in
                            # the page and never embedded.
                            initialFontName=FONT, initialFontSize=11)
    volunteer = content["volunteer"]
    name = volunteer.get("name") or volunteer.get("name_masked") or ""
    identity = [f"姓名：{name}"]
    if volunteer.get("id_masked"):
        identity.append(f"证件类型：{id_type_printed(volunteer.get('id_type'))}　"
                        f"证件号码：{volunteer['id_masked']}")
    identity.append(f"志愿者编号：{volunteer.get('passbook_no') or '—'}　"
                    f"全国志愿者统一编号：{volunteer.get('national_no') or '未登记'}")
    if content.get("star_level"):
        identity.append(f"星级：{'★' * int(content['star_level'])}")
    period = content["period"]
    story: list[Any] = [
        _p(content.get("title") or "志愿服务记录证明", title),
        Spacer(1, 6 * mm),
        _p(f"证明编号：{content['serial']}", body),
        *[_p(line, body) for line in identity],
        Spacer(1, 3 * mm),
        _p(f"兹证明 {name} 于 {period['from']} 至 {period['to']} 期间参加志愿服务 "
           f"{content['total_services']} 次，累计服务时长 {content['total_hours']} 小时"
           f"（不含往返路途时间）。", body),
        Spacer(1, 5 * mm),
    ]
    headings = ("日期", "活动与服务内容", "地点", "时长（小时）")
    rows: list[list[Any]] = [[_p(h, body) for h in headings]]
    for line in content["services"]:
        what = line["activity"] + (f"：{line['content']}" if line.get("content") else "")
        rows.append([line["date"], _p(what, body), _p(line.get("place") or "—", body),
                     line["hours"]])
    rows.append([_p("合计", body), "", "", content["total_hours"]])
    table = Table(rows, colWidths=[26 * mm, 80 * mm, 46 * mm, 22 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, 10),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
        ("ALIGN", (3, 0), (3, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    profile = content.get("issuer_profile") or {}
    issuer_lines = [
        f"出具单位：{content['issuer']}",
        f"负责人：{profile.get('person_in_charge') or '未登记'}　"
        f"经办人：{profile.get('handling_officer') or '未登记'}",
        f"联系方式：{profile.get('contact') or '未登记'}",
        f"出具日期：{content['issued_on']}",
    ]
    qr_png = io.BytesIO()
    qrcode.make(verify_url, box_size=6, border=2).save(qr_png, format="PNG")
    qr_png.seek(0)
    issuer_cell: list[Any] = [_p(line, body) for line in issuer_lines]
    seal = content.get("seal_png")
    seal_cell: Any = ""
    if seal:
        reader = ImageReader(io.BytesIO(seal))
        width, height = reader.getSize()
        side = 38 * mm
        seal_cell = Image(io.BytesIO(seal), width=side, height=side * height / max(width, 1))
    footer = Table([[issuer_cell, seal_cell]], colWidths=[120 * mm, 54 * mm])
    footer.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 10),
                                ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    story += [
        table,
        Spacer(1, 8 * mm),
        footer,
        Spacer(1, 6 * mm),
        Image(qr_png, width=34 * mm, height=34 * mm),
        _p("扫描二维码可核验本证明是否真实有效（核验页面仅显示隐去部分信息的姓名）。", small),
        _p(verify_url, small),
    ]
    doc.build(story)
    return buffer.getvalue()
