"""PDFs the secretariat prints for an apel: the QR poster (WeasyPrint, with the
shared engine) and the sheets of personal links (drawn, for thousands of cards)."""

import os
import tempfile

import segno
from django.conf import settings
from django.urls import reverse
from pypdf import PdfWriter

from netralitas.lib.chunks import in_chunks
from netralitas.lib.dates import pukul, tanggal
from netralitas.lib.http import file_slug
from netralitas.lib.pdf.canvas import MM, PAPERS, SERIF, SERIF_BOLD, draw_lines, new_canvas, qr_operators, wrap
from netralitas.lib.pdf.engine import letterhead_context, render_pdf
from roster.identity import Identifier

CARDS_PER_PAGE = 8


def qr_svg(url):
    """A QR code as inline SVG (vector, for the poster)."""
    return segno.make(url, error="m").svg_inline(scale=1, border=2, omitsize=True)


def _when(ceremony):
    tz_name = ceremony.agency.time_zone
    return f"{tanggal(ceremony.starts_at, tz_name)}, pukul {pukul(ceremony.starts_at, tz_name)}"


def poster_file_name(ceremony, paper):
    """``poster-apel-12-F4.pdf``: A4 and F4 posters are different files."""
    return f"poster-apel-{ceremony.pk}-{paper}.pdf"


def sheet_file_name(ceremony, *, unit=None, unsigned_only=False, reminder=False, paper="A4"):
    """``tautan-apel-12[-pengingat][-<unit name>][-belum]-F4.pdf``: every kind of sheet its
    own name, the unit by its name. No NIP and no token: a file name travels in chats,
    mails and folder listings."""
    parts = [f"tautan-apel-{ceremony.pk}"]
    if reminder:
        parts.append("pengingat")  # a reminder sheet is always of the unsigned
    if unit is not None:
        parts.append(file_slug(unit.name, fallback=f"unit-{unit.pk}"))
    if unsigned_only and not reminder:
        parts.append("belum")
    return "-".join([*parts, paper]) + ".pdf"


def poster_pdf(ceremony, paper="A4"):
    """The A4 (or F4) poster with the apel QR code."""
    width, height = (round(side / MM) for side in PAPERS[paper])
    context = {
        "page_size": f"{width}mm {height}mm",
        **letterhead_context(ceremony.agency),
        "ceremony": ceremony,
        "when": _when(ceremony),
        "qr": qr_svg(ceremony.apel_url),
        "url": ceremony.apel_url,
    }
    return render_pdf(
        "ceremonies/pdf/poster.html",
        context,
        stylesheet="pdf/print.css",
        title=f"Poster QR — {ceremony.title}",
        author=ceremony.agency.name,
    )


def write_link_sheets(path, ceremony, invitations, *, unit=None, paper="A4", progress=None, reminder=False):
    """The sheets of personal links of ``invitations`` as a PDF at ``path``: eight
    cards per page (``paper``: A4 or F4), to cut and hand out; returns the number of
    pages.

    Drawn with ReportLab (``netralitas.lib.pdf.canvas``): a city prints 10,000 cards,
    too many for WeasyPrint's layout (docs/performance.md). The invitations are read as a stream of
    tuples and drawn in parts of ``PART_PAGES`` pages, joined at the end with pypdf:
    memory does not grow with the apel."""
    agency = ceremony.agency
    title = f"{'Pengingat: belum menandatangani' if reminder else 'Tautan pribadi'} — {ceremony.title}"
    header = [f"{agency.name} — {ceremony.title}", f"{_when(ceremony)} · {ceremony.place}"]
    if reminder:
        # A reminder sheet says what it is: these people have not signed yet.
        header[0] = f"PENGINGAT — belum menandatangani · {header[0]}"
    if unit is not None:
        header[1] += f" · Unit: {unit.name}"
    rows = in_chunks(
        invitations.order_by("unit__name", "employee__name", "pk").values_list(
            "employee__name",
            "employee__nip",
            "employee__nik",
            "employee__employment_type",
            "unit__name",
            "code",
            "token",
        )
    )
    link = link_maker()
    sheet = Sheet(PAPERS[paper])
    pages = 0
    with tempfile.TemporaryDirectory(prefix="netralitas-sheets-") as work:
        parts, pdf = [], None
        for card, row in enumerate(rows):
            slot = card % CARDS_PER_PAGE
            if slot == 0:
                if pdf is not None:
                    pdf.showPage()
                if pages % PART_PAGES == 0:
                    if pdf is not None:
                        pdf.save()
                    parts.append(os.path.join(work, f"part{len(parts):04d}.pdf"))
                    pdf = new_canvas(parts[-1], title=title, author=agency.name, pagesize=sheet.size)
                pages += 1
                _sheet_header(pdf, sheet, header, pages)
            _draw_card(pdf, sheet, slot, row, agency, link)
            if progress is not None and slot == CARDS_PER_PAGE - 1:
                progress(CARDS_PER_PAGE)
        if pdf is None:
            pages = 1
            pdf = new_canvas(path, title=title, author=agency.name, pagesize=sheet.size)
            _sheet_header(pdf, sheet, header, pages)
            pdf.setFont(SERIF, 11)
            pdf.drawString(MARGIN, sheet.size[1] - MARGIN - HEADER_HEIGHT - 8 * MM, "Tidak ada undangan.")
            pdf.showPage()
            pdf.save()
            return pages
        pdf.showPage()
        pdf.save()
        writer = PdfWriter()
        for part in parts:
            writer.append(part)
        writer.add_metadata({"/Title": title, "/Author": agency.name, "/Creator": "Netralitas"})
        with open(path, "wb") as handle:
            writer.write(handle)
    return pages


def link_maker():
    """``token → personal link``, with the URL pattern reversed once, not per card."""
    placeholder = "T" * 16
    pattern = settings.PUBLIC_BASE_URL + reverse("pledges:sign", args=[placeholder])
    return lambda token: pattern.replace(placeholder, token)


PART_PAGES = 250  # 2,000 cards per part
MARGIN = 12 * MM  # on every side: the cut lines stay inside what a printer prints
HEADER_HEIGHT = 15 * MM
QR_SIZE = 30 * MM
PAD = 3 * MM
INSTRUCTIONS = (
    "Gunting per kotak dan bagikan. Setiap pegawai membuka tautan pribadinya (pindai QR), "
    "atau memindai QR apel dan mengetik NIP serta kode pribadinya."
)


class Sheet:
    """The grid of a page of link cards: two columns, four rows, within equal margins."""

    def __init__(self, size):
        self.size = size
        self.width = size[0] - 2 * MARGIN
        self.card_width = self.width / 2
        self.card_height = (size[1] - 2 * MARGIN - HEADER_HEIGHT) / 4


def _sheet_header(pdf, sheet, header, page):
    top = sheet.size[1] - MARGIN
    number = f"Lembar {page}"
    pdf.setFont(SERIF, 8.5)
    pdf.drawRightString(MARGIN + sheet.width, top - 9, number)
    # Every line fits between the margins; the first leaves room for the sheet number.
    title_width = sheet.width - pdf.stringWidth(number, SERIF, 8.5) - 4 * MM
    pdf.setFont(SERIF_BOLD, 10)
    pdf.drawString(MARGIN, top - 9, wrap(header[0], SERIF_BOLD, 10, title_width - 3 * MM, 1)[0])
    pdf.setFont(SERIF, 8.5)
    # (3 mm spare: a cut line gets an ellipsis after it.)
    pdf.drawString(MARGIN, top - 20, wrap(header[1], SERIF, 8.5, sheet.width - 3 * MM, 1)[0])
    pdf.setFont(SERIF, 8)
    pdf.drawString(MARGIN, top - 31, wrap(INSTRUCTIONS, SERIF, 8, sheet.width - 3 * MM, 1)[0])


def _draw_card(pdf, sheet, slot, row, agency, link):
    name, nip, nik, employment_type, unit_name, code, token = row
    column, line = slot % 2, slot // 2
    card_width, card_height = sheet.card_width, sheet.card_height
    x = MARGIN + column * card_width
    y = sheet.size[1] - MARGIN - HEADER_HEIGHT - (line + 1) * card_height
    pdf.setDash(2, 2)
    pdf.setLineWidth(0.6)
    pdf.rect(x, y, card_width, card_height)
    pdf.setDash()
    url = link(token)
    qr_x, qr_y = x + card_width - PAD - QR_SIZE, y + card_height - PAD - QR_SIZE
    pdf.addLiteral(qr_operators(url, qr_x, qr_y, QR_SIZE))
    text_x = x + PAD
    text_width = qr_x - text_x - 2 * MM
    baseline = y + card_height - PAD - 8
    baseline = draw_lines(
        pdf,
        wrap(f"{agency.short_name} · Pakta Integritas Netralitas ASN", SERIF, 8, text_width, 2),
        text_x,
        baseline,
        font=SERIF,
        size=8,
        leading=10,
    )
    baseline = draw_lines(
        pdf, wrap(name, SERIF_BOLD, 11.5, text_width, 3), text_x, baseline - 4, font=SERIF_BOLD, size=11.5, leading=13.5
    )
    baseline = draw_lines(
        pdf, [str(Identifier.of_type(nip, nik, employment_type))], text_x, baseline, font=SERIF, size=9.5, leading=12
    )
    baseline = draw_lines(
        pdf, wrap(unit_name or "", SERIF, 8, text_width, 2), text_x, baseline, font=SERIF, size=8, leading=10
    )
    code_y = y + PAD + 26
    pdf.setFont(SERIF, 8)
    pdf.drawString(text_x, code_y + 17, "Kode pribadi:")
    pdf.setFont(SERIF_BOLD, 15)
    pdf.drawString(text_x, code_y, code)
    draw_lines(pdf, wrap(url, SERIF, 7, card_width - 2 * PAD, 2), text_x, y + PAD + 9, font=SERIF, size=7, leading=8.5)
