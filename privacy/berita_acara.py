"""The *berita acara pemusnahan*: the record of one application of the retention schedule
(``privacy.retention``) that UU 43/2009 asks for — on the agency's letterhead, with the
legal basis, the agency's rules, the counts and every destroyed pact by its verification
code and PDF SHA-256 — sealed with the agency's seal as pacts are (``pledges.pdf.seal``).
An official document: always Indonesian, dates as officials write them, in the agency's zone.

WeasyPrint lays the list out; a destruction of a whole apel's pacts is a few hundred
rows per page-ful of time (figures in docs/performance.md, "Retention").
"""

import io

from django.template.loader import render_to_string
from django.utils import translation
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from netralitas.lib.dates import date_line, in_zone, pukul, tanggal
from netralitas.lib.pdf.engine import letterhead_context, renderer
from pledges.bsre import pipeline
from pledges.pdf.seal import seal

TITLE = "BERITA ACARA PEMUSNAHAN ARSIP DAN DATA PRIBADI"
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
PDF_VARIANT = "pdf/a-2u"


def context(plan, number):
    agency, now = plan.agency, plan.now
    zone = agency.time_zone
    return {
        "title": TITLE,
        **letterhead_context(agency),
        "number": number,
        "day_and_date": f"{DAYS[in_zone(now, zone).weekday()]}, {tanggal(now, zone)}",
        "time": pukul(now, zone),
        "rules": plan.rules(),
        "pacts": [
            {
                "display_code": pact.display_code,
                "pdf_sha256": pact.pdf_sha256,
                "signed": tanggal(pact.signed_at, zone),
                "election": tanggal(pact.election_date),
            }
            for pact in plan.pacts
        ],
        "contacts": len(plan.contacts),
        "devices": len(plan.devices),
        "date_line": date_line(agency.place_name, now, zone),
    }


def berita_acara_pdf(plan, number):
    """The sealed PDF/A of the berita acara ``number`` for ``plan``."""
    agency = plan.agency
    engine = renderer()
    with translation.override("id"):
        html = render_to_string("privacy/pdf/berita_acara.html", context(plan, number))
    document = engine.layout(html, stylesheet="pdf/berita-acara.css", variant=PDF_VARIANT)
    pdf = engine.write(document, title=f"{TITLE} {number}", author=agency.name, variant=PDF_VARIANT)
    reason = f"Berita acara pemusnahan {number}"
    if agency.seals_through_bsre:
        return pipeline.seal_document(agency, pdf, reason=reason)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    return seal(writer, agency=agency, reason=reason, location=agency.place_name)
