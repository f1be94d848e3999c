"""Exports of published spot-check results in the columns regulators publish: CSV, XLSX, PDF."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.utils.translation import gettext as _

from traceability.api.renderers import safe_cell

from .models import SpotCheckSample


def columns() -> list[str]:
    """The published column headers (SAMR-style lists)."""
    return [_("No."), _("Campaign"), _("Product name (as labelled)"), _("Brand (as labelled)"),
            _("Specification / model"), _("Production date / lot (as labelled)"),
            _("Manufacturer (as labelled)"), _("Manufacturer address (as labelled)"), _("Sampled unit"),
            _("Sampled unit address"), _("Conclusion"), _("Main nonconforming items"),
            _("Results / limits of nonconforming items"), _("Testing laboratory"), _("Report number")]


def conclusion_text(sample: SpotCheckSample) -> str:
    """Spot-check wording: never "conforming", only "no nonconformity found in the items tested"."""
    if sample.verdict == SpotCheckSample.Verdict.NO_NONCONFORMITY:
        return _("No nonconformity found in the items tested")
    if sample.verdict == SpotCheckSample.Verdict.NONCONFORMING:
        return _("Nonconforming")
    return _("Pending")


def rows(samples: Iterable[SpotCheckSample]) -> Iterable[list[str]]:
    for index, s in enumerate(samples, start=1):
        yield [str(index), f"{s.campaign.year} {s.campaign.title}", s.product_name, s.brand, s.spec_model,
               s.production_date_or_lot, s.manufacturer_name, s.manufacturer_address, s.sampled_unit,
               s.sampled_unit_address, conclusion_text(s), s.nonconforming_items, s.nonconforming_detail,
               s.laboratory_name, s.report_number]


def to_csv(samples: Iterable[SpotCheckSample]) -> bytes:
    """UTF-8 with a BOM so spreadsheet programs read the Chinese text; formula-like cells escaped."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns())
    for row in rows(samples):
        writer.writerow([safe_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(samples: Iterable[SpotCheckSample]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = _("Spot checks")[:31]
    ws.append(columns())
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows(samples):
        ws.append([safe_cell(v) for v in row])
    for letter, width in zip("ABCDEFGHIJKLMNO", (6, 24, 18, 12, 18, 16, 28, 30, 24, 30, 18, 28, 30, 28, 16),
                             strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def to_pdf(samples: Iterable[SpotCheckSample], *, title: str) -> bytes:
    """A landscape A4 table; Chinese text in reportlab's built-in CID font STSong-Light."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    cell = ParagraphStyle("cell", fontName="STSong-Light", fontSize=6.5, leading=8, wordWrap="CJK")
    head = ParagraphStyle("head", parent=cell, fontSize=7)
    heading = ParagraphStyle("title", fontName="STSong-Light", fontSize=13, leading=16)
    # The PDF leaves out the campaign and address columns to fit a page; CSV and XLSX keep them.
    keep = [0, 2, 3, 4, 5, 6, 8, 10, 11, 12, 13, 14]
    widths = [8, 24, 16, 22, 20, 34, 30, 22, 28, 30, 30, 22]
    data = [[Paragraph(columns()[i], head) for i in keep]]
    failing_rows = []
    for n, row in enumerate(rows(samples), start=1):
        data.append([Paragraph(_escape(row[i]), cell) for i in keep])
        if row[10] == _("Nonconforming"):
            failing_rows.append(n)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=10 * mm, rightMargin=10 * mm,
                            topMargin=12 * mm, bottomMargin=12 * mm, title=title)
    table = LongTable(data, colWidths=[w * mm for w in widths], repeatRows=1)
    style = [("GRID", (0, 0), (-1, -1), 0.3, colors.grey), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
             ("VALIGN", (0, 0), (-1, -1), "TOP")]
    style += [("BACKGROUND", (0, r), (-1, r), colors.HexColor("#fde2e4")) for r in failing_rows]
    table.setStyle(TableStyle(style))
    doc.build([Paragraph(_escape(title), heading), Spacer(1, 4 * mm), table])
    return out.getvalue()


def _escape(text: str) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
