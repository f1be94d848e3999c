"""QR symbols and label sheets: pure functions from URIs and texts to PNG, SVG and PDF bytes.

The QR matrix comes from the ``qrcode`` library with two choices that make it several times
faster than its default call and change nothing a reader sees: error correction level M and a
fixed mask pattern (ISO/IEC 18004 lets the encoder pick any of the eight; the default call
renders all eight to score them, which is most of its time). Images are then drawn straight
from the matrix: a PNG through Pillow, an SVG as one path of horizontal runs, and the PDF
label with the same runs as vector rectangles, so the printed code is sharp at any size.
"""

from __future__ import annotations

import io
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import qrcode
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

QUIET_ZONE = 4  # modules of white around the symbol (ISO/IEC 18004 minimum)
MASK_PATTERN = 2
PNG_SCALE = 8  # pixels per module
CJK_FONT = "STSong-Light"
MONO_FONT = "Courier-Bold"

_BLACK_WHITE = bytes.maketrans(b"\x00\x01", b"\xff\x00")


def qr_matrix(data: str) -> list[list[bool]]:
    """The QR symbol of ``data`` as rows of dark (True) / light modules, quiet zone included."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE, mask_pattern=MASK_PATTERN)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()


def png_bytes(matrix: list[list[bool]], scale: int = PNG_SCALE) -> bytes:
    """A 1-bit PNG of the matrix, ``scale`` pixels per module."""
    size = len(matrix)
    raw = b"".join(bytes(row) for row in matrix).translate(_BLACK_WHITE)
    image = Image.frombytes("L", (size, size), raw).resize((size * scale, size * scale), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.convert("1", dither=Image.Dither.NONE).save(out, "PNG")
    return out.getvalue()


def _runs(matrix: list[list[bool]]):
    """(x, y, width) of each horizontal run of dark modules."""
    for y, row in enumerate(matrix):
        x = 0
        n = len(row)
        while x < n:
            if row[x]:
                start = x
                while x < n and row[x]:
                    x += 1
                yield start, y, x - start
            else:
                x += 1


def svg_text(matrix: list[list[bool]], title: str = "", scale: int = PNG_SCALE) -> str:
    """An SVG of the matrix: one path of horizontal runs on a white square."""
    size = len(matrix)
    path = "".join(f"M{x} {y}h{w}v1h-{w}z" for x, y, w in _runs(matrix))
    escaped = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="{size * scale}" '
            f'height="{size * scale}" shape-rendering="crispEdges"><title>{escaped}</title>'
            f'<rect width="{size}" height="{size}" fill="#fff"/><path fill="#000" d="{path}"/></svg>\n')


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so a reader (or a crash) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# --- Label sheets -------------------------------------------------------------------------
@dataclass(frozen=True)
class LabelLayout:
    """A grid of labels on A4 portrait; all lengths in millimetres."""

    label_width: float = 70.0
    label_height: float = 37.0
    columns: int = 3
    rows: int = 8
    margin_left: float = 0.0
    margin_top: float = 0.5
    gap_x: float = 0.0
    gap_y: float = 0.0
    padding: float = 2.5

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def qr_size(self) -> float:
        return min(self.label_height - 2 * self.padding, self.label_width * 0.48)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_params(cls, params: dict | None) -> LabelLayout:
        """Build and check a layout from user input; ValidationError names the field at fault."""
        params = dict(params or {})
        unknown = set(params) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValidationError({name: _("Unknown layout field.") for name in sorted(unknown)})
        values: dict = {}
        errors: dict = {}
        for name, field in cls.__dataclass_fields__.items():
            if name not in params:
                continue
            try:
                values[name] = int(params[name]) if field.type == "int" else float(params[name])
            except (TypeError, ValueError):
                errors[name] = _("Must be a number.")
        if errors:
            raise ValidationError(errors)
        layout = cls(**values)
        layout.check()
        return layout

    def check(self) -> None:
        width, height = A4[0] / mm, A4[1] / mm
        errors: dict = {}
        if not 1 <= self.columns <= 10:
            errors["columns"] = _("Between 1 and 10 columns.")
        if not 1 <= self.rows <= 30:
            errors["rows"] = _("Between 1 and 30 rows.")
        if self.label_width < 25 or self.label_height < 15:
            errors["label_width"] = _("A label is at least 25 mm wide and 15 mm high.")
        if min(self.margin_left, self.margin_top, self.gap_x, self.gap_y, self.padding) < 0:
            errors["margin_left"] = _("Margins, gaps and padding cannot be negative.")
        if not errors:
            used_w = self.margin_left + self.columns * self.label_width + (self.columns - 1) * self.gap_x
            used_h = self.margin_top + self.rows * self.label_height + (self.rows - 1) * self.gap_y
            if used_w > width + 0.01:
                errors["columns"] = _("The grid is %(used).1f mm wide; an A4 page has %(page).0f mm.") % {
                    "used": used_w, "page": width}
            if used_h > height + 0.01:
                errors["rows"] = _("The grid is %(used).1f mm high; an A4 page has %(page).0f mm.") % {
                    "used": used_h, "page": height}
            if self.qr_size < 12:
                errors["label_height"] = _("The label leaves less than 12 mm for the code.")
        if errors:
            raise ValidationError(errors)


@dataclass(frozen=True)
class Label:
    """What one label shows: the code's matrix and the lines of human-readable text."""

    matrix: list
    lines: tuple[tuple[str, str], ...]  # (text, font role: "title" | "text" | "mono")


_fonts_ready = False


def _register_fonts() -> None:
    global _fonts_ready
    if not _fonts_ready:
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
        _fonts_ready = True


def _fit(text: str, font: str, size: float, width: float) -> str:
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def labels_pdf(labels: list[Label], layout: LabelLayout, *, title: str = "") -> bytes:
    """A4 pages of ``layout``'s grid, one label per cell: the code on the left, text beside it."""
    _register_fonts()
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, pageCompression=1, invariant=1)
    pdf.setTitle(title)
    pdf.setCreator("PPE traceability")
    page_h = A4[1]
    text_x_pad = 1.5 * mm
    for position, label in enumerate(labels):
        cell = position % layout.per_page
        if cell == 0 and position:
            pdf.showPage()
        col, row = cell % layout.columns, cell // layout.columns
        left = (layout.margin_left + col * (layout.label_width + layout.gap_x)) * mm
        top = page_h - (layout.margin_top + row * (layout.label_height + layout.gap_y)) * mm
        qr = layout.qr_size * mm
        pad = layout.padding * mm
        qr_left, qr_bottom = left + pad, top - (layout.label_height * mm + qr) / 2
        module = qr / len(label.matrix)
        # Raw operators in module units under one transform (y flipped): a fraction of the
        # cost of reportlab's path objects, which format every coordinate as a float.
        runs = " ".join(f"{x} {y} {w} 1 re" for x, y, w in _runs(label.matrix))
        pdf.addLiteral(f"q 0 g {module:.5f} 0 0 {-module:.5f} {qr_left:.3f} {qr_bottom + qr:.3f} cm {runs} f Q")
        text_left = qr_left + qr + text_x_pad
        text_width = left + layout.label_width * mm - pad - text_left
        line_h = min(3.4 * mm, (layout.label_height * mm - 2 * pad) / max(len(label.lines), 1))
        size_pt = line_h / 1.25
        y = top - pad - size_pt
        for text, role in label.lines:
            font_size = size_pt * (1.1 if role == "title" else 1.0)
            x, width = text_left, text_width
            if role == "mono":
                # The caption ("序列号") needs the CJK font; only the code itself is monospaced.
                caption, _, text = text.rpartition(" ")
                if caption:
                    caption += " "
                    pdf.setFont(CJK_FONT, font_size)
                    pdf.drawString(x, y, caption)
                    advance = pdfmetrics.stringWidth(caption, CJK_FONT, font_size)
                    x, width = x + advance, width - advance
            font = MONO_FONT if role == "mono" else CJK_FONT
            pdf.setFont(font, font_size)
            pdf.drawString(x, y, _fit(text, font, font_size, width))
            y -= line_h
    pdf.showPage()
    pdf.save()
    return out.getvalue()
