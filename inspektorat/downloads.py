"""The Inspektorat's downloads: one signed pact, a ZIP of a ceremony's or a unit's
pacts (streamed, recorded in the audit trail before they are served), and the
recap as PDF, xlsx or csv — started here, made in the background
(``inspektorat.exports``), downloaded from the job's page (``jobs``)."""

import datetime

from django import forms
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.log import describe, record
from audit.models import AuditEvent
from ceremonies.access import ceremony_for_user
from inspektorat import exports
from inspektorat.archive import pact_archive
from inspektorat.exports import start_recap
from inspektorat.forms import InvitationFilterForm, RecapSignerForm
from inspektorat.queries import agency_units, archive_signatures
from jobs.models import Job
from netralitas.lib.dates import tanggal
from netralitas.lib.http import file_slug
from pledges import evidence
from pledges.access import document_for_user
from pledges.documents import document_response
from pledges.models import StorageFinding
from roster.access import auditor_required
from roster.models import Unit

RECAP_TABLE_FORMATS = ("xlsx", "csv")

DOWNLOADED_PACT = _("Mengunduh PDF pakta %(name)s (%(number)s), apel #%(ceremony)s, kode verifikasi %(code)s")
DOWNLOADED_ZIP = _("Mengunduh ZIP pakta apel “%(title)s” (#%(id)s)%(scope)s: %(count)s PDF, %(missing)s belum ada PDF")
UNIT_SCOPE = _(", unit %(unit)s")
UNIT_SCOPE_WITH_SUBUNITS = _(", unit %(unit)s beserta sub-unitnya")


@require_GET
@auditor_required
def pact_pdf(request, pk):
    """The signed PDF of one signature (``pk``), as the signer got it."""
    document = document_for_user(request.user, pk)
    signature = document.signature
    ceremony = signature.invitation.ceremony
    signer = signature.signer
    record(
        request,
        AuditEvent.Action.DOWNLOAD,
        signature,
        DOWNLOADED_PACT,
        name=signer.get("name", ""),
        number=signer.get("id_number", ""),
        ceremony=ceremony.pk,
        code=signature.display_code,
    )
    # A download for the auditor's files, under the same name the signer's copy has.
    return document_response(request, document, as_attachment=True)


@require_GET
@auditor_required
def ceremony_zip(request, pk):
    """All signed PDFs of a ceremony as one streamed ZIP with ``manifest.csv``."""
    ceremony = ceremony_for_user(request.user, pk)
    return _zip_response(request, ceremony, unit_ids=None, scope="", filename=f"pakta-apel{ceremony.pk}.zip")


@require_GET
@auditor_required
def unit_zip(request, pk, unit_pk):
    """The signed PDFs of one unit of a ceremony (``?sub=1``: with its sub-units)."""
    ceremony = ceremony_for_user(request.user, pk)
    units = list(agency_units(ceremony.agency))
    unit = next((u for u in units if u.pk == unit_pk), None)
    if unit is None:
        raise Http404
    with_subunits = forms.BooleanField(required=False).to_python(request.GET.get("sub"))
    unit_ids = Unit.descendant_ids(units, [unit]) if with_subunits else {unit.pk}
    scope = describe(UNIT_SCOPE_WITH_SUBUNITS if with_subunits else UNIT_SCOPE, unit=unit.name)
    # The unit's name, so that the ZIPs of several units stay apart in a downloads folder.
    name = file_slug(unit.name, f"unit{unit.pk}") + ("-dan-subunit" if with_subunits else "")
    filename = f"pakta-apel{ceremony.pk}-{name}.zip"
    return _zip_response(request, ceremony, unit_ids=unit_ids, scope=scope, filename=filename)


def _zip_response(request, ceremony, *, unit_ids, scope, filename):
    # Every PDF read for the archive is checked against its recorded SHA-256; what is
    # found gone or altered is noted (the trail, the operator's apel page) once.
    noticed = evidence.Findings(
        StorageFinding.During.ZIP,
        request=request,
        open_findings=StorageFinding.objects.filter(document__signature__invitation__ceremony=ceremony),
    )
    stream, count, missing = pact_archive(archive_signatures(ceremony, unit_ids), ceremony.agency, noticed=noticed)
    record(
        request,
        AuditEvent.Action.DOWNLOAD,
        ceremony,
        DOWNLOADED_ZIP,
        title=ceremony.title,
        id=ceremony.pk,
        scope=scope,
        count=count,
        missing=missing,
    )
    # A sync iterator: under WSGI it streams; under ASGI Django would buffer it all.
    response = StreamingHttpResponse(stream, content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "POST"])
@auditor_required
def recap_pdf(request, pk):
    """The recap PDF with every invitee, ending with the signature block: the GET shows
    who signs it (the last signer this auditor used for the agency, by default); the
    POST starts it in the background. The page's filters (``?unit=…&sub=on``) apply."""
    ceremony = ceremony_for_user(request.user, pk)
    filter_data = request.POST if request.method == "POST" else request.GET
    form, unit = _download_filter(filter_data, ceremony)
    signer_form = RecapSignerForm(
        request.POST if request.method == "POST" else None, initial=_last_signer(request, ceremony)
    )
    if request.method == "POST" and signer_form.is_valid():
        signer = signer_form.cleaned_data
        signer = {**signer, "date": tanggal_of(signer["date"])}
        return redirect(start_recap(request, ceremony, "pdf", form.valid_data(), signer=signer, unit=unit))
    return render(
        request,
        "inspektorat/recap_pdf.html",
        {"ceremony": ceremony, "form": signer_form, "filters": form.valid_data(), "unit": unit},
    )


@require_POST
@auditor_required
def recap_table(request, pk, file_format):
    """The recap's table as xlsx or csv, made in the background; the page's filters
    (status, unit…, sent along as hidden fields) apply."""
    if file_format not in RECAP_TABLE_FORMATS:
        raise Http404
    ceremony = ceremony_for_user(request.user, pk)
    form, unit = _download_filter(request.POST, ceremony)
    return redirect(start_recap(request, ceremony, file_format, form.valid_data(), unit=unit))


def _last_signer(request, ceremony):
    last = (
        Job.objects.visible_to(request.user)
        .filter(kind=exports.recap_pdf.name, agency=ceremony.agency)
        .order_by("-created_at")
        .values_list("params", flat=True)
        .first()
    )
    signer = (last or {}).get("signer", {})
    return {
        "name": signer.get("name", ""),
        "position": signer.get("position", ""),
        "nip": signer.get("nip", ""),
        "place": signer.get("place") or ceremony.agency.place_name,
        "date": timezone.localdate(),
    }


def tanggal_of(day):
    """A date as Indonesian documents print it: ``26 September 2024``."""
    return tanggal(datetime.datetime.combine(day, datetime.time(12)), "Asia/Jakarta")


def _download_filter(data, ceremony):
    """The page's filters for a download, and the chosen unit. A unit that is not
    the ceremony's agency's is a 404: a download never silently widens its scope."""
    units = list(agency_units(ceremony.agency))
    data = {name: data.get(name) for name in InvitationFilterForm.base_fields if data.get(name)}
    form = InvitationFilterForm(data or None, units=units)
    chosen = form.filters().get("unit")
    if data.get("unit") and chosen is None:
        raise Http404
    return form, next((u for u in units if u.pk == chosen), None)
