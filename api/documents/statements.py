"""The legal entity's three statements as a filer copies them: XLSX (one sheet per statement,
the form's header — 编制单位, date, 单位：元 — its 行次 and its columns, amounts in yuan) and
PDF (one page per statement)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from api.documents.certificate_pdf import FONT, certificate_font, drawable

TITLE = ParagraphStyle("statement-title", fontName=FONT, fontSize=16, leading=22, alignment=1)
BODY = ParagraphStyle("statement-body", fontName=FONT, fontSize=9, leading=13)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def text(value: str) -> str:
    """A name a spreadsheet would run as a formula stays text (CSV/XLSX injection)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def statement_tables(entity_name: str, sheet: dict[str, Any], activities: dict[str, Any],
                     flows: dict[str, Any]) -> list[dict[str, Any]]:
    """Each statement as {title, form, subtitle, headers, rows}: rows of cells, yuan as
    Decimal. One description of the layout for both formats."""
    line = lambda r: r["line"] if r["line"] is not None else ""  # noqa: E731
    return [
        {"title": "资产负债表", "form": "会民非01表",
         "subtitle": f"编制单位：{entity_name}　　{sheet['as_of']}　　单位：元",
         "headers": ["项目", "行次", "年初数", "期末数"],
         "rows": [[r["label_zh"], line(r), yuan(r["year_start_fen"]), yuan(r["end_fen"])]
                  for r in sheet["rows"]]},
        {"title": "业务活动表", "form": "会民非02表",
         "subtitle": (f"编制单位：{entity_name}　　{activities['from']} 至 {activities['to']}"
                      "　　单位：元"),
         "headers": ["项目", "行次", "非限定性", "限定性", "合计"],
         "rows": [[r["label_zh"], line(r), yuan(r["unrestricted_fen"]),
                   yuan(r["restricted_fen"]), yuan(r["total_fen"])]
                  for r in activities["rows"]]},
        {"title": "现金流量表", "form": "会民非03表",
         "subtitle": f"编制单位：{entity_name}　　{flows['from']} 至 {flows['to']}　　单位：元",
         "headers": ["项目", "行次", "金额"],
         "rows": [[r["label_zh"], line(r), yuan(r["amount_fen"])] for r in flows["rows"]]},
    ]


def statements_xlsx(tables: list[dict[str, Any]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(table["title"])
        sheet.append([table["title"]])
        sheet["A1"].font = Font(bold=True, size=14)
        sheet.append([text(table["subtitle"]), None, None, table["form"]])
        sheet.append(table["headers"])
        for row in table["rows"]:
            sheet.append([text(row[0]), *row[1:]])
        for cells in sheet.iter_rows(min_row=4, min_col=3):
            for cell in cells:
                cell.number_format = "#,##0.00"
        for cells in sheet.iter_rows(min_row=4, min_col=2, max_col=2):
            cells[0].alignment = Alignment(horizontal="center")
        sheet.column_dimensions["A"].width = 46
        for column in "CDE":
            sheet.column_dimensions[column].width = 18
        sheet.freeze_panes = "A4"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def statements_pdf(tables: list[dict[str, Any]]) -> bytes:
    certificate_font()  # the embedded TrueType CJK font, registered once
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=14 * mm, rightMargin=14 * mm,
                            topMargin=14 * mm, bottomMargin=14 * mm, title="财务报表",
                            initialFontName=FONT, initialFontSize=9)
    story: list[Any] = []
    for n, table in enumerate(tables):
        if n:
            story.append(PageBreak())
        story += [Paragraph(escape(drawable(table["title"])), TITLE),
                  Paragraph(escape(drawable(f"{table['form']}　　{table['subtitle']}")), BODY),
                  Spacer(1, 3 * mm)]
        rows = [[drawable(h) for h in table["headers"]]] + [
            [Paragraph(escape(drawable(str(row[0]))), BODY), row[1],
             *(f"{v:,.2f}" for v in row[2:])]
            for row in table["rows"]]
        amount_width = (182 - 86 - 12) / (len(table["headers"]) - 2)
        grid = Table(rows, colWidths=[86 * mm, 12 * mm,
                                      *[amount_width * mm] * (len(table["headers"]) - 2)],
                     repeatRows=1)
        grid.setStyle(TableStyle([
            ("FONT", (0, 0), (-1, -1), FONT, 9),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
            ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
            ("ALIGN", (1, 0), (1, -1), "CENTER"),
            ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]))
        story.append(grid)
    doc.build(story)
    return buffer.getvalue()


def annual_report_xlsx(pack: dict[str, Any], tables: list[dict[str, Any]]) -> bytes:
    """The three statements, then the notes the annual report asks for, one sheet each."""
    ind = pack["indicators"]
    rule = ind["rule"]
    extra = [
        {"title": "限定性净资产明细", "headers": ["限定用途", "年初数", "本年增加", "本年使用",
                                           "本年转入(+)转出(-)", "年末数"],
         "rows": [[n["purpose"], *(yuan(n[k]) for k in ("start_fen", "received_fen",
                                                         "used_fen", "transferred_fen",
                                                         "end_fen"))]
                  for n in pack["restricted_notes"]]},
        {"title": "年度支出和管理费用", "headers": ["项目", "金额或比例"],
         "rows": [["适用规定", f"{rule['source']}{rule['article']}"],
                  ["适用情形", rule["label_zh"]], ["依据", rule["why_zh"]],
                  ["计算基数", rule["basis_zh"]],
                  ["上年总收入", yuan(ind["figures"]["prior_year_income_fen"])],
                  ["上年末净资产", yuan(ind["figures"]["prior_year_end_net_assets_fen"])],
                  ["本年慈善活动支出", yuan(ind["charitable"]["spent_fen"])],
                  ["应达到的最低支出", yuan(ind["charitable"]["required_fen"])],
                  ["差额", yuan(ind["charitable"]["gap_fen"])],
                  ["本年管理费用", yuan(ind["management"]["management_fen"])],
                  ["本年总支出", yuan(ind["management"]["total_spending_fen"])],
                  ["管理费用占总支出比例", ind["management"]["ratio"] or "—"],
                  ["管理费用上限比例", ind["management"]["max_ratio"]],
                  ["管理费用低于20万元（不受比例限制）",
                   "是" if ind["management"]["exempt"] else "否"]]},
        {"title": "资助项目", "headers": ["项目", "基金", "限定用途", "批准金额", "批准日期",
                                       "本年拨付", "年末未付", "状态"],
         "rows": [[g["project"], g["fund_name"], g["purpose"] or "", yuan(g["amount_fen"]),
                   g["decided_on"] or "", yuan(g["paid_in_year_fen"]),
                   yuan(g["unpaid_at_year_end_fen"]), g["status"]] for g in pack["grants"]]},
        {"title": "信息公开提醒", "headers": ["事项", "项目", "基金", "截止日期", "说明"],
         "rows": [[r["kind"], r["subject"], r["fund_name"], r["due_on"], r["rule_zh"]]
                  for r in pack["disclosures"]["reminders"]]},
    ]
    book = load_workbook(io.BytesIO(statements_xlsx(tables)))
    for table in extra:
        sheet = book.create_sheet(table["title"])
        sheet.append([f"{table['title']} — {pack['name']} {pack['year']} 年度"])
        sheet.append(table["headers"])
        for row in table["rows"]:
            sheet.append([text(v) if isinstance(v, str) else v for v in row])
        sheet.column_dimensions["A"].width = 30
        sheet.freeze_panes = "A3"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
