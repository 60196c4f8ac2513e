"""The Inspektorat's downloads: one signed pact, a ZIP of a ceremony's or a unit's
pacts, and the recap as PDF, xlsx or csv. Each download is recorded in the
audit trail before it is served."""

from django import forms
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from audit.log import describe, record
from audit.models import AuditEvent
from ceremonies.access import ceremony_for_user
from ceremonies.models import Invitation
from inspektorat.archive import pact_archive
from inspektorat.forms import InvitationFilterForm, filters_text
from inspektorat.queries import agency_units, archive_signatures, recap_rows
from inspektorat.recap import render_recap
from inspektorat.resources import RecapResource
from netralitas.lib.spreadsheet import export_bytes
from pledges.access import document_for_user
from pledges.documents import document_response
from roster.access import auditor_required
from roster.models import Unit

RECAP_TABLE_FORMATS = ("xlsx", "csv")

DOWNLOADED_PACT = _("Mengunduh PDF pakta %(name)s (%(number)s), apel #%(ceremony)s, kode verifikasi %(code)s")
DOWNLOADED_ZIP = _("Mengunduh ZIP pakta apel “%(title)s” (#%(id)s)%(scope)s: %(count)s PDF, %(missing)s belum ada PDF")
UNIT_SCOPE = _(", unit %(unit)s")
UNIT_SCOPE_WITH_SUBUNITS = _(", unit %(unit)s beserta sub-unitnya")
DOWNLOADED_RECAP = _("Mengunduh rekap %(format)s apel “%(title)s” (#%(id)s)%(filters)s")


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
    filename = f"pakta-apel{ceremony.pk}-unit{unit.pk}.zip"
    return _zip_response(request, ceremony, unit_ids=unit_ids, scope=scope, filename=filename)


def _zip_response(request, ceremony, *, unit_ids, scope, filename):
    stream, count, missing = pact_archive(archive_signatures(ceremony, unit_ids), ceremony.agency)
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
    response["Content-Length"] = str(len(stream))
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@auditor_required
def recap_pdf(request, pk):
    """The recap PDF: the apel, totals per unit and every invitee with status and
    time; ``?unit=<id>`` (``&sub=on`` for its sub-units) for one unit's recap."""
    ceremony = ceremony_for_user(request.user, pk)
    form, unit = _download_filter(request, ceremony)
    with_subunits = bool(form.filters().get("sub"))
    scope = ""
    if unit is not None:
        scope = describe(UNIT_SCOPE_WITH_SUBUNITS if with_subunits else UNIT_SCOPE, unit=unit.name)
    pdf = render_recap(
        ceremony,
        printed_by=request.user.get_username(),
        unit=unit,
        with_subunits=with_subunits,
        unit_ids=form.unit_ids(),
    )
    record(
        request,
        AuditEvent.Action.DOWNLOAD,
        ceremony,
        DOWNLOADED_RECAP,
        format="PDF",
        title=ceremony.title,
        id=ceremony.pk,
        filters=scope,
    )
    suffix = f"-unit{unit.pk}" if unit is not None else ""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, f"rekap-apel{ceremony.pk}{suffix}.pdf")
    return response


@require_GET
@auditor_required
def recap_table(request, pk, file_format):
    """The recap's table as xlsx or csv; the page's filters (status, unit…) apply."""
    if file_format not in RECAP_TABLE_FORMATS:
        raise Http404
    ceremony = ceremony_for_user(request.user, pk)
    form, _unit = _download_filter(request, ceremony)
    rows = recap_rows(form.filter(Invitation.objects.filter(ceremony=ceremony)), ceremony.agency)
    data, content_type = export_bytes(RecapResource(), rows, file_format)
    record(
        request,
        AuditEvent.Action.DOWNLOAD,
        ceremony,
        DOWNLOADED_RECAP,
        format=file_format.upper(),
        title=ceremony.title,
        id=ceremony.pk,
        filters=filters_text(request, ["q", "unit", "sub", "status", "jenis", "pangkat"]),
    )
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, f"rekap-apel{ceremony.pk}.{file_format}")
    return response


def _download_filter(request, ceremony):
    """The page's filters for a download, and the chosen unit. A unit that is not
    the ceremony's agency's is a 404: a download never silently widens its scope."""
    units = list(agency_units(ceremony.agency))
    form = InvitationFilterForm(request.GET or None, units=units)
    chosen = form.filters().get("unit")
    if request.GET.get("unit") and chosen is None:
        raise Http404
    return form, next((u for u in units if u.pk == chosen), None)
