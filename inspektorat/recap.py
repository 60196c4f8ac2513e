"""The recap of a ceremony (*rekapitulasi* / *daftar hadir*) as a PDF.

Rendered by WeasyPrint from ``inspektorat/pdf/recap.html`` with the same safe fetcher
as the pacts: only our own static and media files, never the network. Like the
pacts it is an official document and always in Indonesian, whatever the page
language; dates are in the agency's time zone.

It is made in the request, and WeasyPrint costs ~10 ms and ~120 KB of memory per
listed invitee (docs/performance.md, "Inspektorat"): 40,000 rows took eight
minutes and 4.7 GB. So the list of names is printed only up to
``RECAP_LIST_LIMIT`` invitees; above it the recap holds the apel and the totals
per unit and says where the names are (the recap of each unit, the Excel recap).
"""

from django.utils import timezone, translation

from ceremonies.models import Invitation
from inspektorat.queries import recap_rows
from netralitas.lib.dates import date_line, in_zone, pukul, tanggal
from netralitas.lib.pdf.engine import letterhead_context, render_pdf

TITLE = "REKAPITULASI PENANDATANGANAN PAKTA INTEGRITAS NETRALITAS ASN"
PDF_VARIANT = "pdf/a-2u"
# About 20 s and 330 MB on a 2-core machine: inside gunicorn's default 30 s worker timeout.
RECAP_LIST_LIMIT = 2000
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")


def day_and_date(moment, tz_name):
    """``Kamis, 26 September 2024`` in the agency's zone."""
    return f"{DAYS[in_zone(moment, tz_name).weekday()]}, {tanggal(moment, tz_name)}"


def recap_context(ceremony, *, printed_by, unit=None, with_subunits=False, unit_ids=None, now=None):
    """What the recap shows: letterhead, the apel, totals per unit, every invitee
    (of the units ``unit_ids`` only, when given: a unit's recap)."""
    agency = ceremony.agency
    tz_name = agency.time_zone
    now = now or timezone.now()
    units, overall = ceremony.progress(unit_ids)
    invitations = Invitation.objects.filter(ceremony=ceremony)
    if unit_ids is not None:
        invitations = invitations.filter(unit_id__in=unit_ids)
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
        "rows": recap_rows(invitations, agency) if overall["invited"] <= RECAP_LIST_LIMIT else None,
        "list_limit": RECAP_LIST_LIMIT,
        "date_line": date_line(agency.place_name, now, tz_name),
        "printed_at": f"{tanggal(now, tz_name)} pukul {pukul(now, tz_name)}",
        "printed_by": printed_by,
    }


def render_recap(ceremony, *, printed_by, unit=None, with_subunits=False, unit_ids=None, now=None):
    """The recap PDF of ``ceremony`` (or of ``unit``, ``unit_ids`` being it and
    perhaps its sub-units) as bytes."""
    context = recap_context(
        ceremony, printed_by=printed_by, unit=unit, with_subunits=with_subunits, unit_ids=unit_ids, now=now
    )
    # Numbers and dates as Indonesian documents write them, whatever the page language.
    with translation.override("id"):
        return render_pdf(
            "inspektorat/pdf/recap.html",
            context,
            stylesheet="pdf/recap.css",
            title=f"Rekapitulasi — {ceremony.title}",
            author=ceremony.agency.name,
            variant=PDF_VARIANT,
        )
