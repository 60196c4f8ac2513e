"""The agency's whole roster as xlsx or csv, made in the background: a province's
40,000 employees are too many for a web request. The columns are the import's,
so the file can be edited and imported back."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jobs.engine import start_for
from jobs.kinds import kind
from jobs.work import table_file
from netralitas.lib.chunks import in_chunks
from roster.contact import local_phone
from roster.models import Employee, EmploymentType
from roster.resources import COLUMNS

WIDTHS = [22, 20, 36, 16, 24, 36, 36, 8, 18, 32]


def start_roster_export(request, agency, file_format):
    return start_for(
        request,
        kind=roster_export,
        title=_("Daftar pegawai %(agency)s (%(format)s)") % {"agency": agency, "format": file_format},
        agency=agency,
        params={"format": file_format},
    )


@kind("roster_export", gettext_lazy("Ekspor daftar pegawai"))
def roster_export(job, progress):
    file_format = job.params["format"]
    employees = Employee.objects.filter(agency_id=job.agency_id)
    progress.stage(_("Menulis berkas"), total=employees.count())
    labels = dict(EmploymentType.choices)
    rows = (
        (
            nip or "",
            nik or "",
            name,
            str(labels.get(kind, kind)),
            rank,
            position,
            unit or "",
            _("Ya") if active else _("Tidak"),
            local_phone(phone),  # 0812-3456-7890: text to Excel, read back by the import
            email,
        )
        for nip, nik, name, kind, rank, position, unit, active, phone, email in in_chunks(
            employees.order_by("unit__name", "name", "pk").values_list(
                "nip", "nik", "name", "employment_type", "rank", "position", "unit__name", "is_active", "phone", "email"
            )
        )
    )
    filename = f"pegawai-{job.agency_id}-{timezone.localdate():%Y%m%d}"
    return table_file(progress, file_format, filename, list(COLUMNS.values()), rows, sheet="Pegawai", widths=WIDTHS)
