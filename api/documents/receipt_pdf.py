"""A donation receipt (捐赠票据) as a PDF; a voided receipt says so and keeps its number.

As a filer needs it (rules.md, "Donations"): the legal person as the organisation that
received the gift (a hosted fund is named as the project), the amount in figures and in
capital numerals (大写金额), the handling officer (经办人), and the financial e-receipt number
once the finance authority's system issued one."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A5, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from api.documents.certificate_pdf import FONT, certificate_font, drawable
from timebank.domain.funds import receipt_kind
from timebank.domain.numerals import capital_amount
from timebank.domain.vocabulary import DONOR_TYPE

TITLE = ParagraphStyle("receipt-title", fontName=FONT, fontSize=18, leading=24, alignment=1)
BODY = ParagraphStyle("receipt-body", fontName=FONT, fontSize=11, leading=16)
VOID = ParagraphStyle("receipt-void", fontName=FONT, fontSize=16, leading=22,
                      textColor=colors.red, alignment=1)


def render_receipt(fund_name: str, donation: dict[str, Any], donor: str | None,
                   project: str | None = None, officer: str | None = None) -> bytes:
    """`fund_name` is the legal person's (the host foundation's, for a hosted fund's gift);
    `project` the hosted fund the gift went to."""
    certificate_font()  # the embedded TrueType CJK font, registered once
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A5), leftMargin=14 * mm,
                            rightMargin=14 * mm, topMargin=12 * mm, bottomMargin=12 * mm,
                            title=f"捐赠票据 {donation['receipt_no']}",
                            initialFontName=FONT, initialFontSize=11)
    amount = donation["amount_fen"]
    rows = [
        ["票据编号", donation["receipt_no"]],
        ["受赠单位", fund_name],
        *([["项目", project]] if project else []),
        ["捐赠人", "匿名" if donation["anonymous"] or not donor else donor],
        ["捐赠人类型", DONOR_TYPE.label(donation["donor_type"], "zh")],
        ["捐赠内容", f"实物：{donation['in_kind']}（估值）" if donation.get("in_kind") else "货币"],
        ["金额", f"¥{amount // 100:,}.{amount % 100:02d}"],
        ["金额（大写）", capital_amount(amount)],
        ["定向用途", donation["restricted_purpose"] or "非定向"],
        ["日期", donation["received_at"].strftime("%Y-%m-%d")],
        ["经办人", officer or "—"],
        ["财政电子票据号", donation.get("e_receipt_no") or "（尚未开具）"],
    ]
    table = Table([[drawable(cell) for cell in row] for row in rows],
                  colWidths=[32 * mm, 120 * mm])
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 11),
                               ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                               ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke)]))
    # Government money is not a donation: its acknowledgement is not a 公益事业捐赠票据.
    title = ("政府补助收款收据" if receipt_kind(donation["receipt_no"]) == "government_grant"
             else "公益事业捐赠票据")
    story: list[Any] = [Paragraph(title, TITLE), Spacer(1, 4 * mm)]
    if donation["status"] == "voided":
        reason = escape(drawable(donation.get("void_reason") or ""))
        story.append(Paragraph(f"已作废 — {reason}", VOID))
    story += [table, Spacer(1, 4 * mm),
              Paragraph("感谢您对社区公益事业的支持。本票据编号按年度连续编制，作废后不再使用。",
                        BODY)]
    doc.build(story)
    return buffer.getvalue()
