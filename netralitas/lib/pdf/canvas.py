"""Drawing long, regular PDFs — thousands of cards or table rows — straight onto
the page with ReportLab, where WeasyPrint would be too slow.

WeasyPrint lays out every box in Python, so 40,000 names or cards take minutes and
gigabytes (docs/performance.md, "Documents that grow with an apel"). A recap row or a
card always has the same shape, so here it is drawn
at fixed positions: text with the pact's own font (Liberation Serif, embedded
and subset), wrapped by measured widths; QR codes as vector rectangles like the
pact's. Letterheads and free-flowing text stay with WeasyPrint (``engine``).
"""

import functools
import re

import segno
from django.contrib.staticfiles import finders
from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

SERIF = "PaktaSerif"
SERIF_BOLD = "PaktaSerif-Bold"
DARK_RUN = re.compile(rb"[\x01-\xff]+")  # a run of dark modules in a row of segno's matrix
QR_MASK = 2  # a fixed mask: any mask gives a valid code, and segno's search for the best is pure Python
PAGE_SIZE = A4
MM = mm
# The papers a printable may be asked for: A4, and F4 (*folio*, 215 × 330 mm), common
# in Indonesian offices.
PAPERS = {"A4": A4, "F4": (215 * mm, 330 * mm)}


@functools.cache
def register_fonts():
    """The pact's fonts, from our static files, once per process."""
    rl_config.useA85 = 0  # plain Flate streams: base-85 text costs time and bytes
    pdfmetrics.registerFont(TTFont(SERIF, finders.find("fonts/LiberationSerif-Regular.ttf")))
    pdfmetrics.registerFont(TTFont(SERIF_BOLD, finders.find("fonts/LiberationSerif-Bold.ttf")))


def new_canvas(path, *, title, author, pagesize=PAGE_SIZE):
    register_fonts()
    pdf = canvas.Canvas(
        path,
        pagesize=pagesize,
        pageCompression=1,
        initialFontName=SERIF,
        initialFontSize=9,
        invariant=0,
    )
    pdf.setTitle(title)
    pdf.setAuthor(author)
    pdf.setCreator("Netralitas")
    return pdf


def wrap(text, font, size, width, max_lines=None):
    """``text`` split into lines no wider than ``width`` points; a word longer than
    the width is cut where it must be (a URL, a name without spaces)."""
    register_fonts()
    lines = []
    for line in simpleSplit(text or "", font, size, width) or [""]:
        while pdfmetrics.stringWidth(line, font, size) > width and len(line) > 1:
            cut = len(line)
            while cut > 1 and pdfmetrics.stringWidth(line[:cut], font, size) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
        lines.append(line)
    if max_lines and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1].rstrip() + "…"
    return lines


def draw_lines(pdf, lines, x, y, *, font, size, leading):
    """Draw ``lines`` downwards from baseline ``y``; returns the baseline after the last."""
    pdf.setFont(font, size)
    for line in lines:
        pdf.drawString(x, y, line)
        y -= leading
    return y


def qr_operators(url, x, y, size):
    """PDF operators for a QR code of ``url`` filling the square at (x, y) (bottom-left),
    size in pt: one rectangle per run of dark modules, in module units under one scaling
    (``cm``), so that each is four small integers — formatting floats cost more than the
    drawing on a sheet of 10,000 codes."""
    matrix = segno.make(url, error="m", micro=False, mask=QR_MASK, boost_error=False).matrix
    count = len(matrix)
    module = size / count
    ops = [f"q {module:.5f} 0 0 {module:.5f} {x:.3f} {y:.3f} cm 0 g"]
    for row_index, row in enumerate(matrix):
        line = count - 1 - row_index
        ops.extend(f"{run.start()} {line} {run.end() - run.start()} 1 re" for run in DARK_RUN.finditer(bytes(row)))
    ops.append("f Q")
    return "\n".join(ops)
