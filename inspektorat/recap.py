"""The recap of a ceremony (*rekapitulasi* / *daftar hadir*) as a PDF, with every
invitee's name, ending with the signature block of the official who signs it.

Made in the background (``inspektorat.exports``), in two parts joined with pypdf:

1. the letterhead, the apel and the totals per unit — WeasyPrint, from
   ``inspektorat/pdf/recap.html`` with the same safe fetcher as the pacts;
2. the list of every invitee and the signature block — drawn row by row
   (``netralitas.lib.pdf.canvas``) in the same font: WeasyPrint's table layout grows
   with every row in time and memory, drawing hardly does (figures in
   docs/performance.md, "Documents that grow with an apel").

The pages are numbered "Halaman X dari Y" across both parts: the list is paginated
first (row heights from measured text widths), so Y is known before anything is
drawn. An official document: always Indonesian; dates in the agency's time zone.
"""

import os
import tempfile
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from pypdf import PdfWriter

from ceremonies.models import DESTROYED, Invitation
from inspektorat.queries import IDENTITY_HEADING, recap_rows, recap_time_heading
from netralitas.lib.dates import date_line, in_zone, pukul, tanggal, waktu
from netralitas.lib.pdf.canvas import MM, PAGE_SIZE, SERIF, SERIF_BOLD, new_canvas, wrap
from netralitas.lib.pdf.engine import letterhead_context, renderer

TITLE = "REKAPITULASI PENANDATANGANAN PAKTA INTEGRITAS NETRALITAS ASN"
PDF_VARIANT = "pdf/a-2u"
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")

# The list's geometry, as recap.css sets part 1: A4, margins 14/13/18/13 mm, 8.5 pt.
LEFT, RIGHT, TOP, BOTTOM = 13 * MM, 13 * MM, 14 * MM, 18 * MM
FONT_SIZE = 8.5
LEADING = FONT_SIZE * 1.25
PAD_X, PAD_Y = 3, 1.5
# Title, width in mm (184 mm between the margins). The identity column fits
# "NI PPPK 19900101 202321 2 001" and the time column "27 September 2026, 23.59" and
# its heading "Waktu tanda tangan (WITA)" on one line each.
COLUMNS = (
    ("No", 10),
    ("Nama", 46),
    (IDENTITY_HEADING, 44),
    ("Unit Kerja", 32),
    ("Status", 12),
    ("Waktu tanda tangan", 40),  # with the agency's zone: recap_time_heading()
)
WIDTHS = [width * MM for _title, width in COLUMNS]
GREY_HEADER = 0.9
GREY_UNSIGNED = 0.937
SIGNATURE_SPACE = 22 * MM


@dataclass
class Signer:
    """The official who signs the recap, and where and when."""

    name: str
    position: str
    nip: str = ""
    place: str = ""
    date: str = ""  # as printed: "26 September 2024"


def day_and_date(moment, tz_name):
    """``Kamis, 26 September 2024`` in the agency's zone."""
    return f"{DAYS[in_zone(moment, tz_name).weekday()]}, {tanggal(moment, tz_name)}"


def invitations_of(ceremony, unit_ids=None):
    invitations = Invitation.objects.filter(ceremony=ceremony)
    return invitations.filter(unit_id__in=unit_ids) if unit_ids is not None else invitations


def recap_context(ceremony, *, printed_by, unit=None, with_subunits=False, unit_ids=None, now=None):
    """What part 1 of the recap shows: letterhead, the apel, totals per unit."""
    agency = ceremony.agency
    tz_name = agency.time_zone
    now = now or timezone.now()
    units, overall = ceremony.progress(unit_ids)
    return {
        "title": TITLE,
        **letterhead_context(agency),
        "ceremony": ceremony,
        "day_and_date": day_and_date(ceremony.starts_at, tz_name),
        "time": pukul(ceremony.starts_at, tz_name),
        "witnesses": ceremony.witness_list(),
        "units": units,
        "overall": overall,
        "scope_unit": unit,
        "with_subunits": with_subunits,
        "date_line": date_line(agency.place_name, now, tz_name),
        "printed_at": waktu(now, tz_name),
        "printed_by": printed_by,
    }


def write_recap(path, ceremony, *, signer, printed_by, unit=None, with_subunits=False, unit_ids=None, progress=None):
    """The recap PDF of ``ceremony`` (or of ``unit``; ``unit_ids`` being it and perhaps
    its sub-units) at ``path``. Returns ``(pages, rows)``."""
    context = recap_context(ceremony, printed_by=printed_by, unit=unit, with_subunits=with_subunits, unit_ids=unit_ids)
    rows = [_row_cells(row) for row in recap_rows(invitations_of(ceremony, unit_ids), ceremony.agency)]
    if progress is not None:
        progress.stage(_("Menyusun halaman"), total=len(rows))
    list_pages = _paginate(rows, signer)
    with translation.override("id"), tempfile.TemporaryDirectory(prefix="netralitas-recap-") as work:
        first = os.path.join(work, "first.pdf")
        first_pages = _write_first_part(first, ceremony, {**context, "total_pages": "…"})
        total = first_pages + len(list_pages)
        if _write_first_part(first, ceremony, {**context, "total_pages": total}) != first_pages:
            raise RuntimeError("the first part of the recap changed its length with its page numbers")
        rest = os.path.join(work, "rest.pdf")
        _draw_list(rest, ceremony, context, rows, list_pages, signer, first_pages, total, progress)
        writer = PdfWriter(clone_from=first)
        writer.append(rest)
        writer.add_metadata({"/Title": f"Rekapitulasi — {ceremony.title}", "/Author": ceremony.agency.name})
        with open(path, "wb") as handle:
            writer.write(handle)
    return total, len(rows)


def _write_first_part(path, ceremony, context):
    """Part 1 with WeasyPrint; returns its number of pages."""
    engine = renderer()
    document = engine.layout(
        render_to_string("inspektorat/pdf/recap.html", context), stylesheet="pdf/recap.css", variant=PDF_VARIANT
    )
    pdf = engine.write(
        document, title=f"Rekapitulasi — {ceremony.title}", author=ceremony.agency.name, variant=PDF_VARIANT
    )
    with open(path, "wb") as handle:
        handle.write(pdf)
    return len(document.pages)


def _row_cells(row):
    """The lines of each cell of one invitee's row, and the row's height."""
    time = wrap(row["signed_at"] or "-", SERIF, FONT_SIZE, WIDTHS[5] - 2 * PAD_X)
    if row["destroyed_on"]:  # signed: the status column is too narrow for the rest, the time's has room
        time += [f"{DESTROYED},", row["destroyed_on"]]
    cells = [
        [str(row["no"])],
        wrap(row["name"], SERIF, FONT_SIZE, WIDTHS[1] - 2 * PAD_X),
        wrap(row["identity"], SERIF, FONT_SIZE, WIDTHS[2] - 2 * PAD_X),
        wrap(row["unit"], SERIF, FONT_SIZE, WIDTHS[3] - 2 * PAD_X),
        ["Sudah" if row["destroyed_on"] else row["status"]],
        time,
    ]
    height = max(len(lines) for lines in cells) * LEADING + 2 * PAD_Y
    return cells, height, row["signed"]


HEADER_HEIGHT = LEADING + 2 * PAD_Y
HEADING_HEIGHT = 16


def _signature_block_height(signer):
    return 6 * LEADING + SIGNATURE_SPACE + (LEADING if signer.nip else 0)


def _paginate(rows, signer):
    """``[(first row, end row, closing on this page?)]`` for the list part."""
    usable = PAGE_SIZE[1] - TOP - BOTTOM
    pages, start, used = [], 0, HEADING_HEIGHT + HEADER_HEIGHT
    for index, (_cells, height, _signed) in enumerate(rows):
        if used + height > usable and index > start:
            pages.append((start, index, False))
            start, used = index, HEADER_HEIGHT
        used += height
    closing = _signature_block_height(signer) + 3 * LEADING
    if used + closing <= usable:
        pages.append((start, len(rows), True))
    else:
        pages.append((start, len(rows), False))
        pages.append((len(rows), len(rows), True))
    return pages


def _draw_list(path, ceremony, context, rows, pages, signer, offset, total, progress):
    pdf = new_canvas(path, title=f"Rekapitulasi — {ceremony.title}", author=ceremony.agency.name)
    printed = f"Dicetak pada {context['printed_at']} oleh {context['printed_by']} — {ceremony.agency.name}"
    top = PAGE_SIZE[1] - TOP
    for number, (start, end, closing) in enumerate(pages, start=offset + 1):
        y = top
        if number == offset + 1:
            pdf.setFont(SERIF_BOLD, 10)
            pdf.drawString(LEFT, y - 10, "B. Daftar pegawai yang diundang")
            y -= HEADING_HEIGHT
        if end > start or not closing:
            y = _draw_header_row(pdf, y, ceremony.agency)
        for cells, height, signed in rows[start:end]:
            y = _draw_row(pdf, y, cells, height, signed)
        if not rows and closing:
            pdf.setFont(SERIF, FONT_SIZE)
            pdf.drawString(LEFT, y - LEADING, "Belum ada pegawai yang diundang.")
            y -= 2 * LEADING
        if closing:
            _draw_closing(pdf, y, context, ceremony, signer)
        _draw_footer(pdf, printed, number, total)
        pdf.showPage()
        if progress is not None:
            progress.step(end - start)
    pdf.save()


def _draw_header_row(pdf, y, agency):
    height = HEADER_HEIGHT
    pdf.setFillGray(GREY_HEADER)
    pdf.rect(LEFT, y - height, sum(WIDTHS), height, stroke=0, fill=1)
    pdf.setFillGray(0)
    pdf.setFont(SERIF_BOLD, FONT_SIZE)
    x = LEFT
    titles = [title for title, _width in COLUMNS[:-1]] + [recap_time_heading(agency)]
    for title, width in zip(titles, WIDTHS, strict=True):
        pdf.drawString(x + PAD_X, y - PAD_Y - FONT_SIZE, title)
        x += width
    _grid(pdf, y, height)
    return y - height


def _draw_row(pdf, y, cells, height, signed):
    if not signed:
        pdf.setFillGray(GREY_UNSIGNED)
        pdf.rect(LEFT, y - height, sum(WIDTHS), height, stroke=0, fill=1)
        pdf.setFillGray(0)
    x = LEFT
    for index, (lines, width) in enumerate(zip(cells, WIDTHS, strict=True)):
        font = SERIF_BOLD if index == 4 and not signed else SERIF
        pdf.setFont(font, FONT_SIZE)
        baseline = y - PAD_Y - FONT_SIZE
        for line in lines:
            if index == 0:
                pdf.drawRightString(x + width - PAD_X, baseline, line)
            else:
                pdf.drawString(x + PAD_X, baseline, line)
            baseline -= LEADING
        x += width
    _grid(pdf, y, height)
    return y - height


def _grid(pdf, y, height):
    pdf.setLineWidth(0.5)
    x = LEFT
    pdf.rect(LEFT, y - height, sum(WIDTHS), height, stroke=1, fill=0)
    for width in WIDTHS[:-1]:
        x += width
        pdf.line(x, y, x, y - height)


def _draw_closing(pdf, y, context, ceremony, signer):
    pdf.setFont(SERIF, FONT_SIZE + 0.5)
    y -= 2 * LEADING
    zone = ceremony.agency.tz_abbreviation
    note = (
        f"Waktu tanda tangan dalam zona waktu {zone}. Setiap pakta yang ditandatangani dapat diperiksa "
        "keasliannya dengan kode verifikasi pada PDF-nya."
    )
    for line in wrap(note, SERIF, FONT_SIZE + 0.5, sum(WIDTHS)):
        pdf.drawString(LEFT, y, line)
        y -= LEADING
    x = LEFT + sum(WIDTHS) * 0.55
    width = sum(WIDTHS) * 0.45
    y -= 2 * LEADING
    place_date = f"{signer.place}, {signer.date}" if signer.place else signer.date
    pdf.setFont(SERIF, 10)
    for line in [place_date, *wrap(signer.position, SERIF, 10, width)]:
        pdf.drawString(x, y, line)
        y -= LEADING + 1
    y -= SIGNATURE_SPACE
    pdf.setFont(SERIF_BOLD, 10)
    for line in wrap(signer.name, SERIF_BOLD, 10, width):
        pdf.drawString(x, y, line)
        pdf.setLineWidth(0.6)
        pdf.line(x, y - 1.5, x + min(width, pdf.stringWidth(line, SERIF_BOLD, 10)), y - 1.5)
        y -= LEADING + 1
    if signer.nip:
        pdf.setFont(SERIF, 10)
        pdf.drawString(x, y, f"NIP {signer.nip}")


def _draw_footer(pdf, printed, number, total):
    y = BOTTOM - 2 * MM - 7.5
    pdf.setFont(SERIF, 7.5)
    pdf.setFillGray(0.2)
    pdf.drawString(LEFT, y, printed[:160])
    pdf.setFillGray(0)
    pdf.setFont(SERIF, 8)
    pdf.drawRightString(PAGE_SIZE[0] - RIGHT, y, f"Halaman {number} dari {total}")
