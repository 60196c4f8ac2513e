"""PDFs the secretariat prints for an apel: the QR poster and the sheets of
personal links. Rendered by WeasyPrint with the shared PDF engine."""

import base64
import io

import segno

from netralitas.lib.dates import pukul, tanggal
from netralitas.lib.pdf.engine import letterhead_context, render_pdf

CARDS_PER_PAGE = 8


def qr_svg(url):
    """A QR code as inline SVG (vector, for the poster)."""
    return segno.make(url, error="m").svg_inline(scale=1, border=2, omitsize=True)


def qr_png_data_url(url):
    """A QR code as a small PNG data URL: on sheets with hundreds of codes, decoding a
    PNG is far cheaper for WeasyPrint than parsing hundreds of SVG paths."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=4, border=2)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _when(ceremony):
    tz_name = ceremony.agency.time_zone
    return f"{tanggal(ceremony.starts_at, tz_name)}, pukul {pukul(ceremony.starts_at, tz_name)}"


def poster_pdf(ceremony):
    context = {
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


def link_sheets_pdf(ceremony, invitations, unit=None):
    cards = [
        {
            "name": invitation.employee.name,
            "identifier": str(invitation.employee.identifier),
            "unit": invitation.unit.name if invitation.unit else "",
            "code": invitation.code,
            "url": invitation.public_url,
            "qr": qr_png_data_url(invitation.public_url),
        }
        for invitation in invitations
    ]
    context = {
        "ceremony": ceremony,
        "agency": ceremony.agency,
        "when": _when(ceremony),
        "unit": unit,
        "cards": cards,
        "apel_url": ceremony.apel_url,
    }
    return render_pdf(
        "ceremonies/pdf/link_sheets.html",
        context,
        stylesheet="pdf/print.css",
        title=f"Tautan pribadi — {ceremony.title}",
        author=ceremony.agency.name,
    )
