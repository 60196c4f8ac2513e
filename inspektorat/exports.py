"""The Inspektorat's files that grow with the agency, made in the background:
the recap PDF with every name, the recap as xlsx/csv, the trail as xlsx/csv.

Each starts from the page's filters (kept in the job's parameters as the form
data, and applied again in the worker through the same forms) and is scoped to
what the person who started it may see — checked again when it runs."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.log import object_type_names
from audit.models import TRAIL_TIME_ZONE, AuditEvent
from ceremonies.models import Ceremony, Invitation
from inspektorat.forms import InvitationFilterForm, TrailFilterForm
from inspektorat.queries import IDENTITY_HEADING, agency_units, recap_rows, recap_time_heading
from jobs.engine import start_for
from jobs.kinds import kind
from jobs.work import JobError, Outcome, table_file, temporary_output
from netralitas.lib.chunks import in_chunks
from netralitas.lib.dates import timestamp
from netralitas.lib.http import file_slug
from roster.models import Agency

RECAP_HEADERS = [
    "No",
    "Nama",
    IDENTITY_HEADING,
    "Unit Kerja",
    "Jenis Kepegawaian",
    "Pangkat/Golongan",
    "Status",
    "Waktu tanda tangan",  # with the agency's zone: recap_time_heading()
    "Kode verifikasi",
]
RECAP_WIDTHS = [7, 36, 32, 32, 16, 22, 8, 26, 14]
TRAIL_HEADERS = [
    "Waktu",  # each event in its agency's zone, the zone written with it
    "Pengguna",
    "Tindakan",
    "Instansi",
    "Jenis objek",
    "Id objek",
    "Keterangan",
    "Alamat IP",
]
TRAIL_WIDTHS = [20, 16, 18, 28, 14, 12, 80, 16]


def _ceremony(job):
    """The job's ceremony, if its starter may still see it."""
    ceremony = Ceremony.objects.visible_to(job.user).select_related("agency", "election", "pact_template")
    found = ceremony.filter(pk=job.params["ceremony"]).first()
    if found is None:
        raise JobError(_("Apel ini tidak ditemukan lagi atau tidak lagi dapat Anda lihat."))
    return found


def _scope(job, ceremony):
    """The recap's filter form (bound to the page's filters) and its unit."""
    units = list(agency_units(ceremony.agency))
    form = InvitationFilterForm(job.params.get("filters") or None, units=units)
    chosen = form.filters().get("unit")
    return form, next((unit for unit in units if unit.pk == chosen), None)


def recap_file_name(ceremony, unit, with_subunits):
    """``rekap-apel12[-<unit name>[-beserta-subunit]]`` (the extension follows): a unit's
    recap named by the unit's name, not its id."""
    name = f"rekap-apel{ceremony.pk}"
    if unit is not None:
        name += "-" + file_slug(unit.name, fallback=f"unit-{unit.pk}")
        if with_subunits:
            name += "-beserta-subunit"
    return name


def start_recap(request, ceremony, file_format, filters, *, signer=None, unit=None):
    scope = _(", unit %(unit)s") % {"unit": unit.name} if unit else ""
    return start_for(
        request,
        kind=recap_pdf if file_format == "pdf" else recap_table,
        title=_("Rekap %(format)s apel “%(title)s”%(scope)s")
        % {"format": file_format.upper(), "title": ceremony.title, "scope": scope},
        agency=ceremony.agency,
        params={
            "ceremony": ceremony.pk,
            "format": file_format,
            "filters": filters,
            "signer": signer or {},
            "back_url": ceremony_url(ceremony),
        },
    )


def ceremony_url(ceremony):
    from django.urls import reverse

    return reverse("inspektorat:ceremony", args=[ceremony.pk])


@kind("recap_table", gettext_lazy("Rekap tabel"))
def recap_table(job, progress):
    file_format = job.params["format"]
    ceremony = _ceremony(job)
    form, unit = _scope(job, ceremony)
    invitations = form.filter(Invitation.objects.filter(ceremony=ceremony))
    progress.stage(_("Menulis berkas"), total=invitations.count())
    columns = ("no", "name", "identity", "unit", "employment_type", "rank", "status", "signed_at", "verification_code")
    rows = ([row[column] for column in columns] for row in recap_rows(invitations, ceremony.agency))
    headers = [*RECAP_HEADERS[:7], recap_time_heading(ceremony.agency), *RECAP_HEADERS[8:]]
    filename = recap_file_name(ceremony, unit, bool(form.filters().get("sub")))
    return table_file(progress, file_format, filename, headers, rows, sheet="Rekap", widths=RECAP_WIDTHS)


@kind("recap_pdf", gettext_lazy("Rekap PDF"))
def recap_pdf(job, progress):
    # Here, not at the top: the spreadsheets need not load WeasyPrint.
    from inspektorat.recap import Signer, write_recap

    ceremony = _ceremony(job)
    form, unit = _scope(job, ceremony)
    with_subunits = bool(form.filters().get("sub"))
    signer = Signer(**job.params["signer"])
    with temporary_output(".pdf") as path:
        pages, rows = write_recap(
            path,
            ceremony,
            signer=signer,
            printed_by=job.username,
            unit=unit,
            with_subunits=with_subunits,
            unit_ids=form.unit_ids(),
            progress=progress,
        )
        return Outcome(
            path=path,
            filename=f"{recap_file_name(ceremony, unit, with_subunits)}.pdf",
            content_type="application/pdf",
            result={"pages": pages, "rows": rows},
        )


def start_trail_export(request, file_format, filters, agency_ids):
    shown = ", ".join(f"{name}={value}" for name, value in filters.items())
    return start_for(
        request,
        kind=trail_export,
        title=(_("Jejak audit (%(format)s)") % {"format": file_format}) + (f" — {shown}" if shown else ""),
        agency=Agency.objects.get(pk=agency_ids[0]) if len(agency_ids) == 1 else None,
        params={"format": file_format, "filters": filters, "trail_agencies": agency_ids},
    )


@kind("trail_export", gettext_lazy("Ekspor jejak audit"))
def trail_export(job, progress):
    file_format = job.params["format"]
    agencies = Agency.objects.visible_to(job.user).order_by("name")
    form = TrailFilterForm(job.params.get("filters") or None, agencies=agencies)
    events = form.filter(AuditEvent.objects.visible_to(job.user)).order_by("-at", "-id")
    progress.stage(_("Menulis berkas"), total=events.count())
    actions = dict(AuditEvent.Action.choices)
    names, zones = {}, {}
    for pk, name, time_zone in Agency.objects.values_list("pk", "name", "time_zone"):
        names[pk], zones[pk] = name, time_zone
    kinds = object_type_names()
    values = events.values_list(
        "at", "username", "action", "agency_id", "object_type", "object_id", "description", "ip_address"
    )
    rows = (
        (
            timestamp(at, zones.get(agency_id, TRAIL_TIME_ZONE)),
            username,
            str(actions.get(action, action)),
            names.get(agency_id, ""),
            kinds.get(object_type, object_type),
            object_id,
            description,
            ip_address or "",
        )
        for at, username, action, agency_id, object_type, object_id, description, ip_address in in_chunks(values)
    )
    return table_file(
        progress, file_format, "jejak-audit", TRAIL_HEADERS, rows, sheet="Jejak audit", widths=TRAIL_WIDTHS
    )
